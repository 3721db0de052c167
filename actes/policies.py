"""The acts' Wagtail permission policy: the staff of the host's member, when it keeps its acts
here, do everything on that member's acts, and on nothing else (`access.host_member`)."""

from __future__ import annotations

from provisioning.policies import HostMemberPermissionPolicy

from .access import host_member
from .models import Act, HeliosFlux


class ActPermissionPolicy(HostMemberPermissionPolicy):
    member_field = "member"

    def members_here(self, request):
        member = host_member(request)
        return [] if member is None else [member]


act_policy = ActPermissionPolicy(Act)


class HeliosPermissionPolicy(HostMemberPermissionPolicy):
    """The same rule for the Hélios flux, for the members that send them from here."""

    member_field = "member"

    def members_here(self, request):
        from .access import helios_member

        member = helios_member(request)
        return [] if member is None else [member]


helios_policy = HeliosPermissionPolicy(HeliosFlux)
