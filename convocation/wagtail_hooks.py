"""The convocation staff pages in the Wagtail admin: their URLs under /admin/convocations/
(behind the admin's login and access check) and their menu item, for staff of a member that
subscribes to the convocation service (the host's member, on its host)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import urls
from .access import host_members


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return host_members(request).exists()


@hooks.register("register_admin_urls")
def convocation_admin_urls():
    return [path("convocations/", include(urls, namespace="convocation"))]


@hooks.register("register_admin_menu_item")
def convocation_menu_item() -> MenuItem:
    return StaffMenuItem(_("Convocations"), reverse("convocation:sittings"),
                         icon_name="date", order=250)
