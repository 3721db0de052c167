"""The sittings' Wagtail permission policy: the staff of the host's member (when it subscribes
to the convocation service) do everything on its sittings (`access.host_members`). Opening the
listing ("view" on the model) is for staff of any member: where the host's member does not
subscribe, the listing says so rather than refusing."""

from __future__ import annotations

from provisioning.policies import HostMemberPermissionPolicy

from . import access
from .models import Sitting


class SittingPermissionPolicy(HostMemberPermissionPolicy):
    member_field = "assembly__member"

    def members_here(self, request):
        return access.host_members(request)

    def user_has_permission(self, user, action: str) -> bool:
        if action == "view":
            return self.answers_for(user) and access.is_staff(user)
        return super().user_has_permission(user, action)


sitting_policy = SittingPermissionPolicy(Sitting)
