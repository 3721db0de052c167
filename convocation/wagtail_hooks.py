"""The convocation staff pages in the Wagtail admin: their URLs under /admin/convocations/
(behind the admin's login and access check) and their menu item, for staff of a member that
subscribes to the convocation service (the host's member, on its host)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import urls
from .policies import sitting_policy


def works_here(request) -> bool:
    """Staff of a subscribing member on this host (the policy's rule)."""
    return sitting_policy.for_request(request).user_has_any_permission(
        request.user, ["add", "change"])


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return works_here(request)


class SittingSearchArea(SearchArea):
    """The admin's search over the sittings the listing shows (the host's member's)."""

    def is_shown(self, request) -> bool:
        return works_here(request)


@hooks.register("register_admin_urls")
def convocation_admin_urls():
    return [path("convocations/", include(urls, namespace="convocation"))]


@hooks.register("register_admin_menu_item")
def convocation_menu_item() -> MenuItem:
    return StaffMenuItem(_("Convocations"), reverse("convocation:sittings"),
                         icon_name="date", order=250)


@hooks.register("register_admin_search_area")
def convocation_search_area() -> SearchArea:
    return SittingSearchArea(_("Séances"), reverse("convocation:sittings"), name="seances",
                             icon_name="date", order=150)
