"""The GRC's staff pages in the Wagtail admin (/admin/grc/), their menu entry and search area,
shown to the staff of the host's member when it subscribes to grc (`access.host_member`)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import admin_urls
from .policies import request_policy


def works_here(request) -> bool:
    return request_policy.for_request(request).user_has_permission(request.user, "view")


class RequestsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return works_here(request)


class RequestSearchArea(SearchArea):
    def is_shown(self, request) -> bool:
        return works_here(request)


@hooks.register("register_admin_urls")
def grc_admin_urls():
    return [path("grc/", include((admin_urls.urlpatterns, "grc"), namespace="grc"))]


@hooks.register("register_admin_menu_item")
def grc_menu_item() -> MenuItem:
    return RequestsMenuItem(_("Demandes des citoyens"), reverse("grc:requests"),
                            icon_name="mail", order=270)


@hooks.register("register_admin_search_area")
def grc_search_area() -> SearchArea:
    return RequestSearchArea(_("Demandes des citoyens"), reverse("grc:requests"), name="grc",
                             icon_name="mail", order=180)
