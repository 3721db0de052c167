"""Who may touch what, through the registry's access layer (`provisioning.access`): a user is
staff of a member when an active seat of theirs there holds a staff role (secrétaire de
mairie, DGS, agent), whatever other role it holds; syndicate superusers reach every member.
The convocation pages only ever show members that subscribe to the `convocation` service: the
others' assemblies are not offered, their sittings are not listed, and their URLs answer 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
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


def assemblies_of(user) -> QuerySet[RegistryAssembly]:
    return people.assemblies(members_of(user))


def sittings_of(user) -> QuerySet[Sitting]:
    return Sitting.objects.filter(assembly__member__in=members_of(user))


def sitting_for(user, sitting_id: int) -> Sitting:
    """The sitting, if the user is staff of its (subscribing) member; 404 hides the others'."""
    return get_object_or_404(sittings_of(user).select_related("assembly__member"),
                             pk=sitting_id)
