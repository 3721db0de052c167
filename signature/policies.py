"""The parapheur's Wagtail permission policy, for its folders and circuits: the staff of the
host's member, when it subscribes to the parapheur, do everything on that member's objects (on
the syndicate's host, a superuser on every subscribing member's): `access.staff_members_here`."""

from __future__ import annotations

from provisioning.policies import HostMemberPermissionPolicy

from .access import staff_members_here
from .models import Circuit, Folder


class ParapheurPermissionPolicy(HostMemberPermissionPolicy):
    member_field = "member"

    def members_here(self, request):
        return staff_members_here(request)


folder_policy = ParapheurPermissionPolicy(Folder)
circuit_policy = ParapheurPermissionPolicy(Circuit)
