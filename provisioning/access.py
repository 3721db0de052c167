"""Who a logged-in user is for each member, read from the registry: the one rule for what a
role allows.

A Django user is the registry person whose uid is their username. In a member where they hold
an active seat, they are *staff* when one of their roles is not an elected one (secrétaire de
mairie, DGS, agent) and an *official* when one is elected (maire, adjoint, conseiller…); a
person may be both in two members (a maire who is also an EPCI's vice-président). Syndicate
superusers are staff of every member.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .catalogue import ROLES
from .models import RegistryMember, RegistryPerson, RegistrySeat


@dataclass(frozen=True)
class Standing:
    """What a user is in the members where they sit."""

    superuser: bool
    staff_of: frozenset[int]  # member ids
    official_of: frozenset[int]

    @property
    def is_staff_somewhere(self) -> bool:
        return self.superuser or bool(self.staff_of)

    @property
    def is_official_somewhere(self) -> bool:
        return bool(self.official_of)


NOBODY = Standing(False, frozenset(), frozenset())


def is_elected(role: str) -> bool:
    return ROLES.get(role, {}).get("elected", False)


def active_seats(user) -> QuerySet[RegistrySeat]:
    return RegistrySeat.objects.filter(person__uid=user.get_username(), person__active=True,
                                       active=True, member__active=True)


def standing(user) -> Standing:
    """The user's standing, computed once per user object (a request's user lives one
    request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_mutualis_standing", None)
    if cached is not None:
        return cached
    staff, official = set(), set()
    for member_id, roles in active_seats(user).values_list("member_id", "roles"):
        roles = roles or []
        if any(not is_elected(r) for r in roles):
            staff.add(member_id)
        if any(is_elected(r) for r in roles):
            official.add(member_id)
    result = Standing(user.is_superuser, frozenset(staff), frozenset(official))
    user._mutualis_standing = result
    return result


def person_for(user) -> RegistryPerson | None:
    """The registry person a logged-in user is, if any."""
    if user is None or not user.is_authenticated:
        return None
    return RegistryPerson.objects.filter(uid=user.get_username(), active=True).first()


def staffed_members(user, service: str | None = None) -> QuerySet[RegistryMember]:
    """The members the user works for (every member for a superuser), optionally only those
    subscribing to `service`."""
    s = standing(user)
    members = RegistryMember.objects.filter(active=True)
    if not s.superuser:
        members = members.filter(pk__in=s.staff_of)
    return _subscribing(members, service) if service else members


def seated_members(user, service: str | None = None) -> QuerySet[RegistryMember]:
    """The members where the user sits as an official."""
    members = RegistryMember.objects.filter(active=True, pk__in=standing(user).official_of)
    return _subscribing(members, service) if service else members


def _subscribing(members: QuerySet[RegistryMember], service: str) -> QuerySet[RegistryMember]:
    # SQLite has no JSON containment lookup: the services lists are read, they are short.
    ids = [pk for pk, services in members.values_list("pk", "services")
           if service in (services or [])]
    return members.filter(pk__in=ids)


def subscribes(member: RegistryMember, service: str) -> bool:
    return member.active and service in (member.services or [])
