"""Small inventories built straight from the dataclasses, for the LDAP tests and benchmark."""

from __future__ import annotations

from dataclasses import replace

from provisioning.catalogue import STANDARD_ASSEMBLIES
from provisioning.inventory import Assembly, Inventory, Member, Person, Seat, Syndicate
from provisioning.naming import assign_uids, default_hostname, slugify


def member(code: str, name: str, kind: str = "commune",
           services: tuple[str, ...] = ("extranet", "cloud"),
           extra_assemblies: tuple[tuple[str, str], ...] = ()) -> Member:
    slug = slugify(name)
    assemblies = tuple(Assembly(s, n) for s, n in STANDARD_ASSEMBLIES[kind].items())
    assemblies += tuple(Assembly(s, n) for s, n in extra_assemblies)
    return Member(code=code, name=name, kind=kind, population=1000, slug=slug,
                  hostname=default_hostname(slug, "localhost"), services=services,
                  assemblies=assemblies)


def seat(code: str, role: str, *assemblies: str, title: str = "") -> Seat:
    return Seat(code, (role,), assemblies, title)


def elu(code: str, title: str = "", *extra: str) -> Seat:
    return seat(code, "conseiller-municipal", "conseil-municipal", *extra, title=title)


def agent(code: str, title: str = "") -> Seat:
    return seat(code, "agent", title=title)


def person(given: str, surname: str, *seats: Seat, email: str = "", uid: str = "",
           phone: str = "") -> Person:
    email = email or f"{slugify(given)}.{slugify(surname)}@example.fr"
    uid = uid or assign_uids([(email, given, surname, None)])[email]
    return Person(uid=uid, given_name=given, surname=surname, email=email, seats=seats,
                  phone=phone)


def inventory(members: list[Member], people: list[Person]) -> Inventory:
    return Inventory(path="", syndicate=Syndicate("Syndicat test", "200000000", "example.fr",
                                                  "localhost"),
                     backends={}, members=tuple(members), people=tuple(people))


def many(count: int, members: int = 10, prefix: str = "p") -> Inventory:
    """`count` people spread over `members` communes, unique uids (for the benchmark)."""
    ms = [member(f"{80000 + i:05d}", f"Commune {i}") for i in range(members)]
    people = []
    for i in range(count):
        code = ms[i % members].code
        s = elu(code, "Conseiller") if i % 3 else agent(code, "Agent")
        people.append(Person(uid=f"{prefix}{i:06d}", given_name=f"Prénom{i}",
                             surname=f"Nom{i}", email=f"{prefix}{i}@example.fr", seats=(s,)))
    return inventory(ms, people)


def with_people(inv: Inventory, people: list[Person]) -> Inventory:
    return replace(inv, people=tuple(people))


def without(inv: Inventory, uid: str) -> Inventory:
    return replace(inv, people=tuple(p for p in inv.people if p.uid != uid))


def changed(inv: Inventory, uid: str, **fields) -> Inventory:
    return replace(inv, people=tuple(replace(p, **fields) if p.uid == uid else p
                                     for p in inv.people))
