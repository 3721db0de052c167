"""The registry driver: the syndicate, members, people, seats and assemblies of the last
applied inventory, kept in Django models. Applied first; the apps and the site factory read
who sits where here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.utils import OperationalError, ProgrammingError

from . import keys
from .backends import ENV_REF
from .drivers import BackendError, BaseDriver, Context, Outcome, Scope
from .inventory import Inventory
from .models import (
    RegistryAssembly,
    RegistryMember,
    RegistryPerson,
    RegistrySeat,
    RegistrySyndicate,
)
from .resources import ARCHIVE, DISABLE, RETIRING, Change, Observed, Resource

log = logging.getLogger(__name__)

MEMBER, PERSON, ASSEMBLY, SEAT = (keys.REGISTRY_MEMBER, keys.REGISTRY_PERSON,
                                  keys.REGISTRY_ASSEMBLY, keys.REGISTRY_SEAT)
SYNDICATE = keys.REGISTRY_SYNDICATE


def known_uids() -> dict[str, str]:
    """email -> uid of every person ever applied: uids are never reassigned."""
    try:
        return {email.lower(): uid
                for email, uid in RegistryPerson.objects.values_list("email", "uid")}
    except (OperationalError, ProgrammingError):  # no table yet (before the first migrate)
        return {}


def _member_attrs(m) -> dict:
    attrs = {"name": m.name, "kind": m.kind, "population": m.population, "slug": m.slug,
             "hostname": m.hostname, "services": sorted(m.services), "siren": m.siren,
             "address": m.address, "email": m.email, "phone": m.phone}
    attrs["departments"] = [{"slug": d.slug, "name": d.name} for d in m.departments]
    return attrs


def mail_settings(inventory: Inventory) -> dict:
    """The inventory's `smtp` backend as the apps use it, without any secret: its password
    only as the name of its environment variable (a Vault value stays with Ansible)."""
    config = inventory.backends.get("smtp")
    if config is None:
        return {}
    mail = dict(config.settings)
    match = ENV_REF.match(str(config.secrets.get("password", "")))
    if match:
        mail["password_env"] = match.group(1)
    return mail


class RegistryDriver(BaseDriver):
    """Its batches are written set-wise (a few queries per kind), so it has its own apply
    instead of a handler per change."""

    backend = "registry"
    requires_backend = False
    retire = {MEMBER: ARCHIVE, PERSON: DISABLE, ASSEMBLY: ARCHIVE, SEAT: DISABLE,
              SYNDICATE: ARCHIVE}

    # -- desired
    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        syndicate = inventory.syndicate
        yield Resource(SYNDICATE(syndicate.siren),  # no member's: out of --only
                       {"name": syndicate.name, "domain": syndicate.domain,
                        "mail": mail_settings(inventory)})
        for m in inventory.members:
            own = frozenset([m.code])
            yield Resource(MEMBER(m.code), _member_attrs(m), own)
            for a in m.assemblies:
                yield Resource(ASSEMBLY(m.code, a.slug), {"name": a.name}, own,
                               (MEMBER(m.code),))
        works_in: dict[tuple[str, str], list[str]] = {}
        for m in inventory.members:
            for d in m.departments:
                for uid in d.people:
                    works_in.setdefault((m.code, uid), []).append(d.slug)
        for p in inventory.people:
            codes = frozenset(s.member for s in p.seats)
            yield Resource(PERSON(p.uid),
                           {"email": p.email.lower(), "given_name": p.given_name,
                            "surname": p.surname, "phone": p.phone, "civility": p.civility},
                           codes)
            for s in p.seats:
                yield Resource(SEAT(s.member, p.uid),
                               {"roles": sorted(s.roles), "assemblies": sorted(s.assemblies),
                                "title": s.title,
                                "departments": sorted(works_in.get((s.member, p.uid), []))},
                               frozenset([s.member]),
                               (MEMBER(s.member), PERSON(p.uid)))

    # -- observe: one query per model (under --only: the selected members' rows)
    def observe(self, scope: Scope) -> Iterable[Observed]:
        return self.in_scope(self._rows(scope), scope)

    def _rows(self, scope: Scope) -> Iterable[Observed]:
        state = self.state
        if scope.members is None:
            for siren, name, domain, mail, active in RegistrySyndicate.objects.values_list(
                    "siren", "name", "domain", "mail", "active"):
                yield Observed(SYNDICATE(siren), {"name": name, "domain": domain, "mail": mail},
                               state(SYNDICATE, active))
        members = RegistryMember.objects.values_list("code", *MEMBER_FIELDS, "active")
        if scope.members is not None:
            members = members.filter(code__in=scope.members)
        for code, *values, active in members.iterator(chunk_size=5000):
            attrs = dict(zip(MEMBER_FIELDS, values, strict=True))
            attrs["services"] = sorted(attrs["services"])
            yield Observed(MEMBER(code), attrs, state(MEMBER, active), frozenset([code]))
        seats = RegistrySeat.objects.values_list(
            "member__code", "person__uid", "roles", "assemblies", "title", "departments",
            "active")
        people = RegistryPerson.objects.values_list("uid", *PERSON_FIELDS, "active")
        if scope.members is not None:  # the people of these members, with all their seats
            seated = RegistrySeat.objects.filter(member__code__in=scope.members)
            seats = seats.filter(person__in=seated.values("person"))
            people = people.filter(pk__in=seated.values("person"))
        person_members: dict[str, set[str]] = {}
        for code, uid, roles, assemblies, title, departments, active in seats.iterator(
                chunk_size=5000):
            person_members.setdefault(uid, set()).add(code)
            yield Observed(SEAT(code, uid),
                           {"roles": roles, "assemblies": assemblies, "title": title,
                            "departments": departments},
                           state(SEAT, active), frozenset([code]))
        for uid, *values, active in people.iterator(chunk_size=5000):
            yield Observed(PERSON(uid), dict(zip(PERSON_FIELDS, values, strict=True)),
                           state(PERSON, active), frozenset(person_members.get(uid, ())))
        assemblies = RegistryAssembly.objects.values_list("member__code", "slug", "name", "active")
        if scope.members is not None:
            assemblies = assemblies.filter(member__code__in=scope.members)
        for code, slug, name, active in assemblies.iterator(chunk_size=5000):
            yield Observed(ASSEMBLY(code, slug), {"name": name}, state(ASSEMBLY, active),
                           frozenset([code]))

    # -- apply
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply a batch set-wise: its changes grouped by kind (members, people, assemblies,
        seats, in that order, so that a row exists before what points at it) and by action,
        written with a few bulk queries in one short transaction per chunk of `CHUNK` changes.

        A create, an update, a disable and an archive all come down to "this row, with these
        values" (retiring sets `active` to false and nothing else; nothing is deleted), so a
        change applied twice gives the same row. A change whose member or person is missing
        fails on its own. When a chunk's bulk write raises (a row the database refuses), the
        chunk is rolled back and its changes are applied one by one, each in its own savepoint,
        so that one bad row fails alone and says why; a database that is busy or unreachable
        fails the chunk as a transient error, for the engine to retry.
        """
        outcomes: dict[int, Outcome] = {}
        rows: list[_Row] = []
        for i, c in enumerate(changes):
            try:
                rows.append(_Row.of(i, c))
            except BackendError as exc:
                outcomes[i] = Outcome(c.key, False, str(exc))
        rows.sort(key=lambda r: (KIND_ORDER[r.kind], r.index))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            for row, outcome in zip(chunk, self._apply_chunk(chunk), strict=True):
                outcomes[row.index] = outcome
        return [outcomes[i] for i in range(len(changes))]

    def _apply_chunk(self, rows: list[_Row]) -> list[Outcome]:
        try:
            with transaction.atomic():
                errors = _bulk_write(rows)
        except OperationalError as exc:  # locked, timed out, connection lost: retry later
            log.warning("registry: bulk write of %d changes failed: %s", len(rows), exc)
            message = f"the registry database is unavailable: {_describe(exc)}"
            return [Outcome(r.key, False, message, transient=True) for r in rows]
        except Exception as exc:  # a row the database refuses: find which, one by one
            log.warning("registry: bulk write of %d changes failed (%s), applying them one by one",
                        len(rows), _describe(exc))
            return self._apply_one_by_one(rows)
        return [Outcome(r.key, r.key not in errors, errors.get(r.key, "")) for r in rows]

    def _apply_one_by_one(self, rows: list[_Row]) -> list[Outcome]:
        why = (f"(the bulk write of its batch of {len(rows)} registry changes failed, so they "
               "were applied one by one: this one failed on its own)")
        outcomes = []
        with transaction.atomic():
            for r in rows:
                try:
                    with transaction.atomic():
                        _write_one(r)
                except BackendError as exc:
                    outcomes.append(Outcome(r.key, False, str(exc)))
                except OperationalError as exc:
                    outcomes.append(Outcome(r.key, False, f"{_describe(exc)} {why}",
                                            transient=True))
                except Exception as exc:
                    outcomes.append(Outcome(r.key, False, f"{_describe(exc)} {why}"))
                else:
                    outcomes.append(Outcome(r.key, True))
        return outcomes


# ------------------------------------------------------------------------------ apply helpers

MEMBER_FIELDS = ("name", "kind", "population", "slug", "hostname", "services", "siren",
                 "address", "email", "phone", "departments")
PERSON_FIELDS = ("email", "given_name", "surname", "phone", "civility")
KIND_ORDER = {SYNDICATE: -1, MEMBER: 0, PERSON: 1, ASSEMBLY: 2, SEAT: 3}
# Changes written in one transaction: bounds its length and the size of the IN (...) lists.
CHUNK = 500


@dataclass
class _Row:
    """A change as the registry writes it: which row, with which values."""

    index: int  # position in the batch
    key: str
    kind: str
    ident: tuple[str, ...]  # (code,) (uid,) (code, slug) (code, uid)
    values: dict[str, Any]

    @classmethod
    def of(cls, index: int, c: Change) -> _Row:
        kind = c.kind
        parts = keys.pair_of(c.key) if kind in (ASSEMBLY, SEAT) else (keys.ident_of(c.key),)
        if kind not in KIND_ORDER or not all(parts):
            raise BackendError(f"{c.key} is not a registry resource")
        active = c.action not in RETIRING
        values = dict(c.desired.attrs) if c.desired and active else {}
        values["active"] = active
        return cls(index, c.key, kind, parts, values)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


def _missing(what: str, ident: str) -> str:
    return f"{what} {ident} is not in the registry"


def _bulk_write(rows: list[_Row]) -> dict[str, str]:
    """Write `rows` (sorted by kind) with a few queries per kind; return the errors of the
    changes that cannot be written (their member or person is missing), by key."""
    errors: dict[str, str] = {}
    by_kind: dict[str, dict[tuple, _Row]] = {k: {} for k in KIND_ORDER}
    for r in rows:
        by_kind[r.kind][r.ident] = r  # a key twice in a batch: the last values win
    if by_kind[SYNDICATE]:
        _upsert(RegistrySyndicate, ("siren",),
                {i: r.values for i, r in by_kind[SYNDICATE].items()})
    if by_kind[MEMBER]:
        _upsert(RegistryMember, ("code",), {i: r.values for i, r in by_kind[MEMBER].items()})
    if by_kind[PERSON]:
        _upsert(RegistryPerson, ("uid",), {i: r.values for i, r in by_kind[PERSON].items()})
    if not (by_kind[ASSEMBLY] or by_kind[SEAT]):
        return errors
    # Parents are looked up once the members and people of this batch are written.
    codes = {i[0] for k in (ASSEMBLY, SEAT) for i in by_kind[k]}
    member_ids = dict(RegistryMember.objects.filter(code__in=codes).values_list("code", "id"))
    uids = {i[1] for i in by_kind[SEAT]}
    person_ids = (dict(RegistryPerson.objects.filter(uid__in=uids).values_list("uid", "id"))
                  if uids else {})
    assemblies = {}
    for (code, slug), r in by_kind[ASSEMBLY].items():
        if code in member_ids:
            assemblies[(member_ids[code], slug)] = r.values
        else:
            errors[r.key] = _missing("member", code)
    if assemblies:
        _upsert(RegistryAssembly, ("member_id", "slug"), assemblies)
    seats = {}
    for (code, uid), r in by_kind[SEAT].items():
        if code not in member_ids:
            errors[r.key] = _missing("member", code)
        elif uid not in person_ids:
            errors[r.key] = _missing("person", uid)
        else:
            seats[(member_ids[code], person_ids[uid])] = r.values
    if seats:
        _upsert(RegistrySeat, ("member_id", "person_id"), seats)
    return errors


def _upsert(model: type[Model], natural: tuple[str, ...],
            rows: dict[tuple, dict[str, Any]]) -> None:
    """Make each row (natural key -> values) exist with these values: one query to find which
    exist, one bulk insert of the others, then for the existing ones, per set of fields, one
    UPDATE when they all get the same values (a retirement: active = false), else one
    INSERT ... ON CONFLICT (id) DO UPDATE of those fields (Django's bulk_update builds a CASE
    per field and row, which costs more than the rest of the batch)."""
    lookup = {f"{f}__in": {key[i] for key in rows} for i, f in enumerate(natural)}
    existing = {tuple(found[:-1]): found[-1]
                for found in model.objects.filter(**lookup).values_list(*natural, "id")}
    model.objects.bulk_create(
        [model(**dict(zip(natural, key, strict=True)), **values)
         for key, values in rows.items() if key not in existing])
    groups: dict[tuple[str, ...], list[tuple[tuple, int, dict]]] = defaultdict(list)
    for key, values in rows.items():
        if key in existing:
            groups[tuple(sorted(values))].append((key, existing[key], values))
    for fields, group in groups.items():
        first = group[0][2]
        if all(values == first for _, _, values in group):  # e.g. active=False for all
            model.objects.filter(pk__in=[pk for _, pk, _ in group]).update(**first)
        else:  # INSERT ... ON CONFLICT (id) DO UPDATE: what bulk_update does, in one statement
            model.objects.bulk_create(
                [model(pk=pk, **dict(zip(natural, key, strict=True)), **values)
                 for key, pk, values in group],
                update_conflicts=True, unique_fields=["pk"], update_fields=list(fields))


def _write_one(r: _Row) -> None:
    """One change on its own, as the bulk write would do it."""
    if r.kind == SYNDICATE:
        RegistrySyndicate.objects.update_or_create(siren=r.ident[0], defaults=r.values)
    elif r.kind == MEMBER:
        RegistryMember.objects.update_or_create(code=r.ident[0], defaults=r.values)
    elif r.kind == PERSON:
        RegistryPerson.objects.update_or_create(uid=r.ident[0], defaults=r.values)
    else:
        member = RegistryMember.objects.filter(code=r.ident[0]).first()
        if member is None:
            raise BackendError(_missing("member", r.ident[0]))
        if r.kind == ASSEMBLY:
            RegistryAssembly.objects.update_or_create(member=member, slug=r.ident[1],
                                                      defaults=r.values)
        else:
            person = RegistryPerson.objects.filter(uid=r.ident[1]).first()
            if person is None:
                raise BackendError(_missing("person", r.ident[1]))
            RegistrySeat.objects.update_or_create(member=member, person=person,
                                                  defaults=r.values)
