"""The convocation pages in the Wagtail admin menu, for staff of a member that subscribes to
the convocation service (only subscribed services appear)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .access import members_of


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return members_of(request.user).exists()


@hooks.register("register_admin_menu_item")
def convocation_menu_item() -> MenuItem:
    return StaffMenuItem(_("Convocations"), reverse("convocation:sittings"),
                         icon_name="date", order=250)
