"""Synthetic inventories built straight from the dataclasses (no YAML), for engine tests and
benchmarks."""

from __future__ import annotations

from dataclasses import replace

from provisioning.catalogue import STANDARD_ASSEMBLIES
from provisioning.inventory import Assembly, Inventory, Member, Person, Seat, Syndicate
from provisioning.naming import assign_uids, default_hostname, slugify

SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David"]
GIVEN = ["Jean", "Marie", "Pierre", "Anne", "Luc", "Élodie", "Hélène", "Noël", "Zoé", "Inès"]


def make_member(code: str, name: str, kind: str = "commune", services=("website", "extranet"),
                population: int = 500) -> Member:
    slug = slugify(name)
    assemblies = tuple(Assembly(s, n) for s, n in STANDARD_ASSEMBLIES[kind].items())
    return Member(code=code, name=name, kind=kind, population=population, slug=slug,
                  hostname=default_hostname(slug, "localhost"), services=tuple(services),
                  assemblies=assemblies)


def make_inventory(members: int = 3, people: int = 5, shared: int = 0,
                   path: str = "") -> Inventory:
    """`members` communes of `people` people each; the first `shared` people of member 0 also
    sit in member 1 (a maire who is also on another council)."""
    ms = [make_member(f"{79000 + i:05d}", f"Commune {i}") for i in range(members)]
    raw = []  # (email, given, surname, seats)
    for i, m in enumerate(ms):
        for j in range(people):
            role = "maire" if j == 0 else ("secretaire-de-mairie" if j == 1 else
                                           "conseiller-municipal")
            assemblies = () if role == "secretaire-de-mairie" else ("conseil-municipal",)
            seats = [Seat(m.code, (role,), assemblies)]
            if i == 0 and j < shared and members > 1:
                seats.append(Seat(ms[1].code, ("conseiller-municipal",), ("conseil-municipal",)))
            raw.append((f"p{i}-{j}@example.fr", GIVEN[(i + j) % len(GIVEN)],
                        SURNAMES[(i * 7 + j) % len(SURNAMES)], seats))
    uids = assign_uids((email, g, s, None) for email, g, s, _ in raw)
    persons = tuple(Person(uids[email], g, s, email, tuple(seats)) for email, g, s, seats in raw)
    return Inventory(path=path, syndicate=Syndicate("Syndicat test", "200000000", "example.fr",
                                                     "localhost"),
                     backends={}, members=tuple(ms), people=persons)


def without_person(inv: Inventory, uid: str) -> Inventory:
    return replace(inv, people=tuple(p for p in inv.people if p.uid != uid))


def renamed(inv: Inventory, uid: str, surname: str) -> Inventory:
    return replace(inv, people=tuple(replace(p, surname=surname) if p.uid == uid else p
                                     for p in inv.people))
