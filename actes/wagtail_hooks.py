"""The acts' staff pages in the Wagtail admin (/admin/actes/), and their menu entry, shown to
the staff of the host's member (`access.host_member`)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import admin_urls, helios_urls
from .policies import act_policy, helios_policy


def works_here(request) -> bool:
    """Staff of the host's member, which keeps its acts here (the policy's rule)."""
    return act_policy.for_request(request).user_has_permission(request.user, "view")


class ActsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return works_here(request)


class HeliosMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return helios_policy.for_request(request).user_has_permission(request.user, "view")


class ActSearchArea(SearchArea):
    """The admin's search over the host's member's acts."""

    def is_shown(self, request) -> bool:
        return works_here(request)


@hooks.register("register_admin_urls")
def actes_admin_urls():
    return [path("actes/", include((admin_urls.urlpatterns, "actes"), namespace="actes"))]


@hooks.register("register_admin_menu_item")
def actes_menu_item() -> MenuItem:
    return ActsMenuItem(_("Actes"), reverse("actes:acts"), icon_name="doc-full", order=260)


@hooks.register("register_admin_urls")
def helios_admin_urls():
    return [path("helios/", include((helios_urls.urlpatterns, "helios"), namespace="helios"))]


@hooks.register("register_admin_menu_item")
def helios_menu_item() -> MenuItem:
    # Short: the sidebar cuts longer labels; the page's title says « Flux comptables ».
    return HeliosMenuItem(_("Hélios"), reverse("helios:index"),
                          icon_name="table", order=265)


@hooks.register("register_admin_search_area")
def actes_search_area() -> SearchArea:
    return ActSearchArea(_("Actes"), reverse("actes:acts"), name="actes", icon_name="doc-full",
                         order=170)
