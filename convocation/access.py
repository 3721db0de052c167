"""Who may touch what, through the registry's access layer (`provisioning.access`): a user is
staff of a member when an active seat of theirs there holds a staff role (secrétaire de
mairie, DGS, agent), whatever other role it holds; syndicate superusers reach every member.
The convocation pages only ever show members that subscribe to the `convocation` service: the
others' assemblies are not offered, their sittings are not listed, and their URLs answer 404.

The staff pages live in the Wagtail admin, which staff open on their member's host: there
they act for that member only (`host_members`). On a host that is no member's (the
syndicate's own), they see every subscribing member they work for.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from provisioning import people
from provisioning.access import staffed_members, standing
from provisioning.models import RegistryAssembly, RegistryMember

from .models import Sitting

SERVICE = "convocation"


def is_staff(user) -> bool:
    """Staff somewhere (the menu and the list page); what they see is then filtered."""
    return standing(user).is_staff_somewhere


def members_of(user) -> QuerySet[RegistryMember]:
    """The members the user works for that subscribe to the convocation service."""
    return staffed_members(user, SERVICE)


def host_members(request: HttpRequest) -> QuerySet[RegistryMember]:
    """The subscribing members the user acts for on this request's host: the host's member
    alone (none if they are not its staff or it does not subscribe), else all of theirs."""
    members = members_of(request.user)
    host = people.member_at(request.get_host().rsplit(":", 1)[0].lower())
    return members.filter(pk=host.pk) if host is not None else members


def host_assemblies(request: HttpRequest) -> QuerySet[RegistryAssembly]:
    return people.assemblies(host_members(request))


def host_sittings(request: HttpRequest) -> QuerySet[Sitting]:
    return Sitting.objects.filter(assembly__member__in=host_members(request))


def host_sitting(request: HttpRequest, sitting_id: int) -> Sitting:
    """The sitting, if it belongs to a member the user acts for on this host; 404 hides
    every other."""
    return get_object_or_404(host_sittings(request).select_related("assembly__member"),
                             pk=sitting_id)
