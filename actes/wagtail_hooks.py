"""The acts pages in the Wagtail admin menu, for staff of a member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from provisioning.access import standing


class ActsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return standing(request.user).is_staff_somewhere


@hooks.register("register_admin_menu_item")
def actes_menu_item() -> MenuItem:
    return ActsMenuItem(_("Actes"), reverse("actes:acts"), icon_name="doc-full", order=260)
