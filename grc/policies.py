"""The GRC's Wagtail permission policy: the staff of the host's member, when it subscribes to
grc, act on that member's requests and on nothing else (`access.host_member`)."""

from __future__ import annotations

from provisioning.policies import HostMemberPermissionPolicy

from .access import host_member
from .models import CitizenRequest


class RequestPermissionPolicy(HostMemberPermissionPolicy):
    member_field = "member"

    def members_here(self, request):
        member = host_member(request)
        return [] if member is None else [member]


request_policy = RequestPermissionPolicy(CitizenRequest)
