"""Who may touch what: a Django user is the registry person whose uid is their username; they
are staff of a member when they hold an active seat there with a non-elected role (secrétaire
de mairie, DGS, agent). Syndicate superusers reach every member."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from provisioning.catalogue import ROLES
from provisioning.models import RegistryAssembly, RegistryMember, RegistrySeat

from .models import Sitting


def staff_member_ids(user) -> set[int] | None:
    """The members the user works for; None for a superuser (all of them)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    seats = RegistrySeat.objects.filter(person__uid=user.username, person__active=True,
                                        active=True, member__active=True)
    return {seat.member_id for seat in seats
            if any(not ROLES.get(role, {}).get("elected", True) for role in seat.roles or [])}


def members_of(user) -> QuerySet[RegistryMember]:
    ids = staff_member_ids(user)
    members = RegistryMember.objects.filter(active=True)
    return members if ids is None else members.filter(pk__in=ids)


def assemblies_of(user) -> QuerySet[RegistryAssembly]:
    return RegistryAssembly.objects.filter(member__in=members_of(user), active=True)


def sittings_of(user) -> QuerySet[Sitting]:
    return Sitting.objects.filter(assembly__member__in=members_of(user))


def check_member(user, member_id: int) -> None:
    ids = staff_member_ids(user)
    if ids is not None and member_id not in ids:
        raise PermissionDenied


def sitting_for(user, sitting_id: int) -> Sitting:
    """The sitting, if the user is staff of its member; 404 hides the others' sittings."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(sittings_of(user).select_related("assembly__member"),
                             pk=sitting_id)
