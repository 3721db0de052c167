"""Who may do what: the one rule for what a role allows, and the rights of a logged-in user.

The rule. A person's rights in a member come from each role their seat holds, role by role:
a role the catalogue marks as elected (maire, adjoint, conseiller…) makes them an *official*
of the member, any other role of the catalogue (secrétaire de mairie, DGS, agent) makes them
*staff* of it. A seat with both kinds of roles (a DGS who is also a conseiller municipal) is
both: the directory puts it in `<code>-staff` and in `<code>-elus`, Nextcloud in both groups,
the staff pages of the apps open to it and so does the officials' space. A role the catalogue
does not know gives nothing. Rights that belong to one role name it (the DGS installs the
officials' signing credentials, the secrétaire de mairie administers the Nextcloud groups).

The functions on role lists below are pure: `inventory.Seat`, the directory's entries, the
Nextcloud desired state and the apps all call them, so the rule is written once.

The rights of a user. A Django user is the registry person whose uid is their username; they
are staff (or an official) of the members where an active seat of theirs says so; syndicate
superusers are staff of every member. The registry is read through `provisioning.people`,
imported where it is used: this module stays importable without Django, for the inventory and
the drivers' desired states.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalogue import ROLES
from .naming import assembly_group, elected_group, service_group, staff_group

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import RegistryMember


# ------------------------------------------------------------------ the rule, on role lists

def is_elected(role: str) -> bool:
    """An official's role (maire, adjoint, conseiller…)."""
    return role in ROLES and ROLES[role]["elected"]


def is_staff_role(role: str) -> bool:
    """A staff role (secrétaire de mairie, DGS, agent): known, and not elected."""
    return role in ROLES and not ROLES[role]["elected"]


def is_official(roles: Iterable[str]) -> bool:
    """One of the roles is an elected one."""
    return any(is_elected(r) for r in roles or ())


def is_staff(roles: Iterable[str]) -> bool:
    """One of the roles is a staff one, whatever the others are."""
    return any(is_staff_role(r) for r in roles or ())


def elected_roles(roles: Iterable[str]) -> list[str]:
    """The seat's roles that make it an official's, in their order."""
    return [r for r in roles or () if is_elected(r)]


def rank_groups(code: str, roles: Iterable[str]) -> list[str]:
    """`<code>-staff` and/or `<code>-elus`: the groups the roles of a seat give."""
    roles = list(roles or ())
    return ([staff_group(code)] if is_staff(roles) else []) + (
        [elected_group(code)] if is_official(roles) else [])


def seat_groups(code: str, roles: Iterable[str], assemblies: Iterable[str],
                services: Iterable[str]) -> list[str]:
    """Every group of the member a seat puts a person in: those of its roles, the assemblies
    they sit in, and every service group of the member (the apps filter on it)."""
    groups = rank_groups(code, roles)
    groups += [assembly_group(code, a) for a in assemblies]
    groups += [service_group(code, s) for s in services]
    return sorted(set(groups))


def subscribes(member, service: str) -> bool:
    """The (active) member subscribes to the service."""
    return member.active and service in (member.services or [])


# ------------------------------------------------------------------ the rights of a user

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

    def is_staff_of(self, member) -> bool:
        return self.superuser or member.pk in self.staff_of

    def is_official_of(self, member) -> bool:
        return member.pk in self.official_of


NOBODY = Standing(False, frozenset(), frozenset())


def standing_from(superuser: bool, seats: Iterable[tuple[int, Iterable[str]]]) -> Standing:
    """The standing given by (member id, roles) pairs of active seats."""
    staff, official = set(), set()
    for member_id, roles in seats:
        roles = list(roles or ())
        if is_staff(roles):
            staff.add(member_id)
        if is_official(roles):
            official.add(member_id)
    return Standing(superuser, frozenset(staff), frozenset(official))


def standing(user) -> Standing:
    """The user's standing, computed once per user object (a request's user lives one
    request)."""
    from . import people

    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_mutualis_standing", None)
    if cached is not None:
        return cached
    result = standing_from(user.is_superuser,
                           people.user_seats(user).values_list("member_id", "roles"))
    user._mutualis_standing = result
    return result


def member_here(request) -> RegistryMember | None:
    """The active member whose site answers on the request's host (whatever it subscribes to),
    kept on the request."""
    from . import people

    cached = getattr(request, "_mutualis_member_here", False)
    if cached is False:
        cached = people.member_at(request.get_host().rsplit(":", 1)[0].lower())
        request._mutualis_member_here = cached
    return cached


def staff_member_here(request, service: str) -> RegistryMember | None:
    """The member here when it subscribes to the service and the user is its staff, else None:
    the member an app's staff pages work on (a person staff of two members works on each
    one's objects on its own host, never on the other's)."""
    member = member_here(request)
    if member is None or not subscribes(member, service) or (
            not standing(request.user).is_staff_of(member)):
        return None
    return member


def staffed_members(user, service: str | None = None) -> QuerySet[RegistryMember]:
    """The members the user works for (every member for a superuser), optionally only those
    subscribing to `service`."""
    from . import people

    s = standing(user)
    members = people.members()
    if not s.superuser:
        members = members.filter(pk__in=s.staff_of)
    return people.subscribing(members, service) if service else members


def seated_members(user, service: str | None = None) -> QuerySet[RegistryMember]:
    """The members where the user sits as an official."""
    from . import people

    members = people.members().filter(pk__in=standing(user).official_of)
    return people.subscribing(members, service) if service else members


def staff_seats(person, service: str | None = None) -> list:
    """The person's active seats that make them staff, optionally only in the members that
    subscribe to `service`; each seat's member is loaded."""
    from . import people

    return [s for s in people.seats_of(person) if is_staff(s.roles)
            and (service is None or subscribes(s.member, service))]


def official_seats(member) -> list:
    """The member's active seats that make their person an official, by name."""
    from . import people

    return [s for s in people.member_seats(member) if is_official(s.roles)]


def group_members(member, group: str) -> set[int]:
    """The ids of the people in one of the member's naming groups (`<code>-staff`,
    `<code>-elus`, `<code>-<assembly>`), as the directory fills them."""
    from . import people

    found: set[int] = set()
    for s in people.member_seats(member):
        groups = rank_groups(member.code, s.roles)
        groups += [assembly_group(member.code, a) for a in s.assemblies or ()]
        if group.lower() in groups:
            found.add(s.person_id)
    return found


def staff_addresses(member, roles: Iterable[str]) -> list[str]:
    """The e-mail addresses of the member's staff who hold one of `roles` (who hears of what
    waits: late items, batches to approve, requests to escalate)."""
    from . import people

    wanted = set(roles)
    return sorted({seat.person.email for seat in people.member_seats(member)
                   if is_staff(seat.roles) and wanted & set(seat.roles or [])
                   and seat.person.email})
