"""The PES pages in the Wagtail admin (/admin/pes/) and their menu entry, shown to the staff of
the host's member when it subscribes to `pes`."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_urls
from .access import host_member


class PesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return host_member(request) is not None


class PesSubmenu(SubmenuMenuItem):
    def is_shown(self, request) -> bool:
        return host_member(request) is not None


@hooks.register("register_admin_urls")
def pes_admin_urls():
    return [path("pes/", include((admin_urls.urlpatterns, "pes"), namespace="pes"))]


@hooks.register("register_admin_menu_item")
def pes_menu_item() -> MenuItem:
    menu = Menu(items=[
        PesMenuItem(_("Déposer un flux"), reverse("pes:submit"), icon_name="upload"),
        PesMenuItem(_("Réglages"), reverse("pes:settings"), icon_name="cog")])
    return PesSubmenu(_("Flux PES"), menu, icon_name="table", order=275)
