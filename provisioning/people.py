"""Lookups in the registry for the apps: members, people, seats and assemblies, as the last
applied inventory left them.

Only what is active counts, unless a function says otherwise: an archived member, a disabled
person or a withdrawn seat is found by none of these. What a seat allows is not decided
here but in `provisioning.access`; the apps keep the registry's model classes only where
Django needs them (foreign keys, form querysets).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import (
    RegistryAssembly,
    RegistryMember,
    RegistryPerson,
    RegistrySeat,
    RegistrySyndicate,
)

# ------------------------------------------------------------------------------ members


def members() -> QuerySet[RegistryMember]:
    """Every active member."""
    return RegistryMember.objects.filter(active=True)


def member(code: str, *, archived_too: bool = False) -> RegistryMember | None:
    """The member with this code (as written: codes are stored upper-case)."""
    found = RegistryMember.objects.filter(code=code)
    return (found if archived_too else found.filter(active=True)).first()


def member_at(hostname: str) -> RegistryMember | None:
    """The active member whose website answers on this hostname."""
    return members().filter(hostname=hostname).first()


def subscribing(found: QuerySet[RegistryMember], service: str) -> QuerySet[RegistryMember]:
    """Those of the members that subscribe to the service. (SQLite has no JSON containment
    lookup: the services lists are read, and they are short.)"""
    ids = [pk for pk, services in found.values_list("pk", "services")
           if service in (services or [])]
    return found.filter(pk__in=ids)


def members_of(person: RegistryPerson | str) -> QuerySet[RegistryMember]:
    """The active members where the person (or the uid) holds an active seat."""
    where = {"seats__person__uid": person} if isinstance(person, str) else {
        "seats__person": person}
    return members().filter(seats__active=True, **where).distinct()


def assemblies(found: QuerySet[RegistryMember]) -> QuerySet[RegistryAssembly]:
    """The active assemblies of these members."""
    return RegistryAssembly.objects.filter(member__in=found, active=True)


def syndicate() -> RegistrySyndicate | None:
    """The syndicate of the last applied inventory."""
    return RegistrySyndicate.objects.filter(active=True).first()


# ------------------------------------------------------------------------------- people


def person(uid: str, *, disabled_too: bool = False) -> RegistryPerson | None:
    found = RegistryPerson.objects.filter(uid=uid)
    return (found if disabled_too else found.filter(active=True)).first()


def person_for(user) -> RegistryPerson | None:
    """The registry person a logged-in Django user is (username == uid)."""
    if user is None or not user.is_authenticated:
        return None
    return person(user.get_username())


def people_among(ids: Iterable[int]) -> QuerySet[RegistryPerson]:
    """The people with these ids (a list, or a queryset of ids): a form's choices."""
    return RegistryPerson.objects.filter(pk__in=ids)


def people_with_uids(uids: Iterable[str]) -> QuerySet[RegistryPerson]:
    """The people with these uids, disabled ones too."""
    return RegistryPerson.objects.filter(uid__in=list(uids))


def people_of(member: RegistryMember) -> QuerySet[RegistryPerson]:
    """The active people with an active seat in the member."""
    return RegistryPerson.objects.filter(seats__member=member, seats__active=True, active=True)


# -------------------------------------------------------------------------------- seats


def seat(person: RegistryPerson, member: RegistryMember) -> RegistrySeat | None:
    """The person's active seat in the member."""
    return RegistrySeat.objects.filter(person=person, member=member, active=True).first()


def seats() -> QuerySet[RegistrySeat]:
    """Every active seat of an active person in an active member."""
    return RegistrySeat.objects.filter(active=True, person__active=True, member__active=True)


def seats_of(person: RegistryPerson) -> QuerySet[RegistrySeat]:
    """The person's active seats in active members, their member loaded, by member name."""
    return (RegistrySeat.objects.filter(person=person, active=True, member__active=True)
            .select_related("member").order_by("member__name"))


def places() -> QuerySet[RegistrySeat]:
    """Active seats in active members, their member loaded, by member name (to prefetch a
    person's places)."""
    return (RegistrySeat.objects.filter(active=True, member__active=True)
            .select_related("member").order_by("member__name"))


def user_seats(user) -> QuerySet[RegistrySeat]:
    """The active seats, in active members, of the active person a Django user is."""
    return RegistrySeat.objects.filter(person__uid=user.get_username(), person__active=True,
                                       active=True, member__active=True)


def member_seats(member: RegistryMember | str) -> QuerySet[RegistrySeat]:
    """The active seats of active people in the member (or the member's code), their person
    loaded, by name."""
    where = {"member__code": member} if isinstance(member, str) else {"member": member}
    return _in_office(**where)


def _in_office(**where) -> QuerySet[RegistrySeat]:
    return (RegistrySeat.objects.filter(active=True, person__active=True, **where)
            .select_related("person").order_by("person__surname", "person__given_name"))


def assembly_seats(assembly: RegistryAssembly) -> list[RegistrySeat]:
    """The members in office of an assembly: the active seats of active people whose
    assemblies hold its slug, by name."""
    return [s for s in _in_office(member_id=assembly.member_id)
            if assembly.slug in (s.assemblies or [])]


def sits_in(person_id: int, assembly: RegistryAssembly) -> bool:
    """The person is active and still sits in the assembly."""
    found = RegistrySeat.objects.filter(member_id=assembly.member_id, person_id=person_id,
                                        active=True, person__active=True).first()
    return found is not None and assembly.slug in (found.assemblies or [])


# -------------------------------------------------------------------------- departments


def departments(member: RegistryMember) -> dict[str, str]:
    """The member's departments: slug -> name, in the inventory's order."""
    return {d["slug"]: d["name"] for d in member.departments or []}


def departments_of(person: RegistryPerson | None, member: RegistryMember) -> list[str]:
    """The slugs of the member's departments the person works in (their active seat's)."""
    found = seat(person, member) if person is not None else None
    return list(found.departments or []) if found is not None else []


def department_seats(member: RegistryMember, department: str) -> list[RegistrySeat]:
    """The active seats of the people who work in one of the member's departments."""
    return [s for s in member_seats(member) if department in (s.departments or [])]
