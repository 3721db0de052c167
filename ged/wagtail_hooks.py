"""The GED's staff pages in the Wagtail admin (/admin/ged/), their menu entry and the admin
search area, shown to the staff of the host's member when it subscribes to the GED."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import admin_urls
from .policies import document_policy


def works_here(request) -> bool:
    return document_policy.for_request(request).user_has_permission(request.user, "view")


class GedMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return works_here(request)


class GedSearchArea(SearchArea):
    """The admin's search over the host's member's documents (full text)."""

    def is_shown(self, request) -> bool:
        return works_here(request)


@hooks.register("register_admin_urls")
def ged_admin_urls():
    return [path("ged/", include((admin_urls.urlpatterns, "ged"), namespace="ged"))]


@hooks.register("register_admin_menu_item")
def ged_menu_item() -> MenuItem:
    return GedMenuItem(_("GED et archives"), reverse("ged:documents"),
                       icon_name="folder-open-inverse", order=270)


@hooks.register("register_admin_search_area")
def ged_search_area() -> SearchArea:
    return GedSearchArea(_("Documents (GED)"), reverse("ged:documents"), name="ged",
                         icon_name="folder-open-inverse", order=180)
