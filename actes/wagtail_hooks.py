"""The acts' staff pages in the Wagtail admin (/admin/actes/), and their menu entry, shown to
the staff of the host's member (`access.host_member`)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import admin_urls
from .access import host_member


class ActsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return host_member(request) is not None


class ActSearchArea(SearchArea):
    """The admin's search over the host's member's acts."""

    def is_shown(self, request) -> bool:
        return host_member(request) is not None


@hooks.register("register_admin_urls")
def actes_admin_urls():
    return [path("actes/", include((admin_urls.urlpatterns, "actes"), namespace="actes"))]


@hooks.register("register_admin_menu_item")
def actes_menu_item() -> MenuItem:
    return ActsMenuItem(_("Actes"), reverse("actes:acts"), icon_name="doc-full", order=260)


@hooks.register("register_admin_search_area")
def actes_search_area() -> SearchArea:
    return ActSearchArea(_("Actes"), reverse("actes:acts"), name="actes", icon_name="doc-full",
                         order=170)
