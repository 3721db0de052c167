"""Who may open the Wagtail admin: besides the permission Django groups grant (a member's
website editors), every person who is staff of a member in the registry, whether or not the
member has a website, since the apps' staff pages (convocations, parapheur, acts) live there.
What each page then shows is filtered by the apps' own access rules."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from provisioning.access import standing

ADMIN_ACCESS = "wagtailadmin.access_admin"


class StaffAdminAccessBackend(BaseBackend):
    """Grants only `wagtailadmin.access_admin`, and only to an active member's staff; it
    authenticates nobody (settings.AUTHENTICATION_BACKENDS)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if perm != ADMIN_ACCESS or not user_obj.is_active or user_obj.is_anonymous:
            return False
        return standing(user_obj).is_staff_somewhere
