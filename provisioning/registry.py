"""The registry driver: members, people, seats and assemblies of the last applied inventory,
kept in Django models. Applied first; the apps and the site factory read who sits where here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.utils import OperationalError, ProgrammingError

from .drivers import Context, Outcome, Scope
from .inventory import Inventory
from .models import RegistryAssembly, RegistryMember, RegistryPerson, RegistrySeat
from .resources import ACTIVE, ARCHIVE, ARCHIVED, DISABLE, DISABLED, Change, Observed, Resource

MEMBER, PERSON, ASSEMBLY, SEAT = ("registry.member", "registry.person", "registry.assembly",
                                  "registry.seat")


def known_uids() -> dict[str, str]:
    """email -> uid of every person ever applied: uids are never reassigned."""
    try:
        return {email.lower(): uid
                for email, uid in RegistryPerson.objects.values_list("email", "uid")}
    except (OperationalError, ProgrammingError):  # no table yet (before the first migrate)
        return {}


def _member_attrs(m) -> dict:
    return {"name": m.name, "kind": m.kind, "population": m.population, "slug": m.slug,
            "hostname": m.hostname, "services": sorted(m.services), "siren": m.siren,
            "address": m.address, "email": m.email, "phone": m.phone}


class RegistryDriver:
    backend = "registry"
    requires_backend = None
    retire = {MEMBER: ARCHIVE, PERSON: DISABLE, ASSEMBLY: ARCHIVE, SEAT: DISABLE}

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    # -- desired
    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        for m in inventory.members:
            own = frozenset([m.code])
            yield Resource(f"{MEMBER}:{m.code}", _member_attrs(m), own)
            for a in m.assemblies:
                yield Resource(f"{ASSEMBLY}:{m.code}/{a.slug}", {"name": a.name}, own,
                               (f"{MEMBER}:{m.code}",))
        for p in inventory.people:
            codes = frozenset(s.member for s in p.seats)
            yield Resource(f"{PERSON}:{p.uid}",
                           {"email": p.email.lower(), "given_name": p.given_name,
                            "surname": p.surname, "phone": p.phone}, codes)
            for s in p.seats:
                yield Resource(f"{SEAT}:{s.member}/{p.uid}",
                               {"roles": sorted(s.roles), "assemblies": sorted(s.assemblies),
                                "title": s.title},
                               frozenset([s.member]),
                               (f"{MEMBER}:{s.member}", f"{PERSON}:{p.uid}"))

    # -- observe: one query per model
    def observe(self, scope: Scope) -> Iterable[Observed]:
        members = RegistryMember.objects.all()
        if scope.members is not None:
            members = members.filter(code__in=scope.members)
        for m in members:
            yield Observed(f"{MEMBER}:{m.code}", _member_attrs(m),
                           ACTIVE if m.active else ARCHIVED, frozenset([m.code]))
        seats = RegistrySeat.objects.values_list(
            "member__code", "person__uid", "roles", "assemblies", "title", "active")
        person_members: dict[str, set[str]] = {}
        for code, uid, roles, assemblies, title, active in seats.iterator(chunk_size=5000):
            person_members.setdefault(uid, set()).add(code)
            if scope.members is None or code in scope.members:
                yield Observed(f"{SEAT}:{code}/{uid}",
                               {"roles": roles, "assemblies": assemblies, "title": title},
                               ACTIVE if active else DISABLED, frozenset([code]))
        people = RegistryPerson.objects.values_list(
            "uid", "email", "given_name", "surname", "phone", "active")
        for uid, email, given, surname, phone, active in people.iterator(chunk_size=5000):
            codes = frozenset(person_members.get(uid, ()))
            if scope.members is None or codes & scope.members:
                yield Observed(f"{PERSON}:{uid}", {"email": email, "given_name": given,
                                                   "surname": surname, "phone": phone},
                               ACTIVE if active else DISABLED, codes)
        assemblies = RegistryAssembly.objects.values_list("member__code", "slug", "name", "active")
        for code, slug, name, active in assemblies:
            if scope.members is None or code in scope.members:
                yield Observed(f"{ASSEMBLY}:{code}/{slug}", {"name": name},
                               ACTIVE if active else ARCHIVED, frozenset([code]))

    # -- apply
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        with transaction.atomic():
            for c in changes:
                self._apply_one(c)
        return [Outcome(c.key, True) for c in changes]

    def _apply_one(self, c: Change) -> None:
        kind, ident = c.key.split(":", 1)
        active = c.action not in (DISABLE, ARCHIVE)
        values = dict(c.desired.attrs) if c.desired and active else {}
        values["active"] = active
        if kind == MEMBER:
            RegistryMember.objects.update_or_create(code=ident, defaults=values)
        elif kind == PERSON:
            RegistryPerson.objects.update_or_create(uid=ident, defaults=values)
        elif kind == ASSEMBLY:
            code, slug = ident.split("/", 1)
            member = RegistryMember.objects.get(code=code)
            RegistryAssembly.objects.update_or_create(member=member, slug=slug, defaults=values)
        elif kind == SEAT:
            code, uid = ident.split("/", 1)
            RegistrySeat.objects.update_or_create(
                member=RegistryMember.objects.get(code=code),
                person=RegistryPerson.objects.get(uid=uid), defaults=values)
