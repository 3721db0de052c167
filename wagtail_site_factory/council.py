"""The council of a member, read from the registry (never from the inventory or LDAP)."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.catalogue import ROLES, role_label
from provisioning.models import RegistryMember, RegistrySeat

# Order in which officials are listed: the maire first, then adjoints, then the others.
ROLE_ORDER = ("maire", "president", "maire-delegue", "vice-president", "adjoint",
              "conseiller-municipal", "conseiller-communautaire")


@dataclass(frozen=True)
class Official:
    name: str
    roles: tuple[str, ...]  # labels for the person's civility, e.g. "Adjointe au maire"
    title: str  # free text, e.g. "Adjointe aux finances"
    rank: int


def elected_officials(code: str) -> list[Official]:
    seats = (RegistrySeat.objects.filter(member__code=code, active=True, person__active=True)
             .select_related("person").order_by("person__surname", "person__given_name"))
    officials = []
    for seat in seats:
        elected = [r for r in seat.roles if ROLES.get(r, {}).get("elected")]
        if not elected:
            continue
        rank = min(ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER) for r in elected)
        person = seat.person
        officials.append(Official(f"{person.given_name} {person.surname}",
                                  tuple(role_label(r, person.civility) for r in elected),
                                  seat.title, rank))
    return sorted(officials, key=lambda o: o.rank)


def mairie_email(code: str) -> str:
    """The member's contact address, as the registry holds it."""
    return (RegistryMember.objects.filter(code=code, active=True)
            .values_list("email", flat=True).first()) or ""
