"""Who is who in the parapheur, read from the registry: the person a Django user is, the
members they sit in, their role's label, and the people in a member's naming group or a
circuit step."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from provisioning import access, catalogue, people
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat
from provisioning.people import person_for as person_for  # the parapheur's name for it

from ..errors import AccessDenied
from ..models import Step

SERVICE = "parapheur"


def members_of(person: RegistryPerson) -> QuerySet[RegistryMember]:
    return people.members_of(person)


def subscribing(members: QuerySet[RegistryMember]) -> QuerySet[RegistryMember]:
    """Those of the members that subscribe to the parapheur."""
    return people.subscribing(members, SERVICE)


def parapheur_members(person: RegistryPerson) -> QuerySet[RegistryMember]:
    """The members where the person sits that subscribe to the parapheur: the only ones its
    pages show."""
    return subscribing(members_of(person))


def check_member(person: RegistryPerson | None, member: RegistryMember) -> RegistryPerson:
    if person is None or not members_of(person).filter(pk=member.pk).exists():
        who = display_name(person) if person is not None else _("Ce compte")
        raise AccessDenied(_("%(who)s ne siège pas dans %(member)s.")
                           % {"who": who, "member": member.name})
    return person


def seat(person: RegistryPerson, member: RegistryMember) -> RegistrySeat | None:
    return people.seat(person, member)


def role_label(person: RegistryPerson, member: RegistryMember) -> str:
    s = seat(person, member)
    if s is None:
        return ""
    if s.title:
        return s.title
    return seat_role_label(s, person)


def seat_role_label(s: RegistrySeat, person: RegistryPerson) -> str:
    """The label of the seat's first known role, in the person's gender ("Adjointe au
    maire" for a woman)."""
    return next((catalogue.role_label(r, person.civility) for r in s.roles or []
                 if r in catalogue.ROLES), "")


def display_name(person: RegistryPerson) -> str:
    return f"{person.given_name} {person.surname}"


def group_members(member: RegistryMember, group: str) -> set[int]:
    """The ids of the people in one of the member's naming groups."""
    return access.group_members(member, group)


def step_actors(step: Step, member: RegistryMember) -> set[int]:
    ids: set[int] = set()
    for actor in step.actors.all():
        if actor.person_id is not None:
            ids.add(actor.person_id)
        else:
            ids |= group_members(member, actor.group)
    return ids


def seat_member(person: RegistryPerson | None) -> RegistryMember | None:
    return members_of(person).first() if person is not None else None
