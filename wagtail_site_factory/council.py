"""The council of a member, read from the registry (never from the inventory or LDAP)."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning import people
from provisioning.access import elected_roles
from provisioning.catalogue import role_label

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
    officials = []
    for seat in people.member_seats(code):
        elected = elected_roles(seat.roles)
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
    member = people.member(code)
    return (member.email if member is not None else "") or ""
