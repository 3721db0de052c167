"""The parapheur's staff pages in the Wagtail admin, at /admin/parapheur/ (namespace
`signature`), and its menu item, shown only to staff of a member subscribing to the service
(on the syndicate's host, to its superusers)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import urls
from .policies import folder_policy


def works_here(request) -> bool:
    """Staff of a subscribing member on this host (the policy's rule)."""
    return folder_policy.for_request(request).user_has_permission(request.user, "view")


class ParapheurMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return works_here(request)


class FolderSearchArea(SearchArea):
    """The admin's search over the folders the parapheur lists (the host's member's)."""

    def is_shown(self, request) -> bool:
        return works_here(request)


@hooks.register("register_admin_urls")
def parapheur_admin_urls():
    return [path("parapheur/", include((urls.urlpatterns, "signature"), namespace="signature"))]


@hooks.register("register_admin_menu_item")
def parapheur_menu_item() -> MenuItem:
    return ParapheurMenuItem(_("Parapheur"), reverse("signature:index"), icon_name="edit",
                             order=270)


@hooks.register("register_admin_search_area")
def parapheur_search_area() -> SearchArea:
    return FolderSearchArea(_("Dossiers du parapheur"), reverse("signature:index"),
                            name="parapheur", icon_name="edit", order=160)


# ------------------------------------------------------------------ the members' certificates

class CertificatesMenuItem(MenuItem):
    """The syndicate's superusers, and the staff of the host's member (its certificates)."""

    def is_shown(self, request) -> bool:
        from .certificates.access import members_here

        found = members_here(request)
        return found.exists() if hasattr(found, "exists") else bool(found)


@hooks.register("register_admin_urls")
def certificates_admin_urls():
    from .certificates import urls as certificate_urls

    return [path("certificats/", include((certificate_urls.urlpatterns, "certificates"),
                                         namespace="certificates"))]


@hooks.register("register_admin_menu_item")
def certificates_menu_item() -> MenuItem:
    return CertificatesMenuItem(_("Certificats"), reverse("certificates:index"), icon_name="key",
                                order=275)
