"""The register's staff pages in the Wagtail admin (/admin/courrier/), their menu entry and
their area of the admin's search, shown to the staff of the host's member when it subscribes
to `courrier`."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea

from . import admin_urls
from .access import host_member


class CourrierMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return host_member(request) is not None


class CourrierSearchArea(SearchArea):
    """The admin's search over the register of the host's member (chrono, subject,
    reference, correspondent, recognised text)."""

    def is_shown(self, request) -> bool:
        return host_member(request) is not None


@hooks.register("register_admin_urls")
def courrier_admin_urls():
    return [path("courrier/", include((admin_urls.urlpatterns, "courrier"),
                                      namespace="courrier"))]


@hooks.register("register_admin_menu_item")
def courrier_menu_item() -> MenuItem:
    return CourrierMenuItem(_("Courrier"), reverse("courrier:items"), icon_name="mail",
                            order=265)


@hooks.register("register_admin_search_area")
def courrier_search_area() -> SearchArea:
    return CourrierSearchArea(_("Courrier"), reverse("courrier:items"), name="courrier",
                              icon_name="mail", order=175)
