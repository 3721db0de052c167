"""Pass 3 of the loader, the people: roles and assemblies within their member, one name and
one uid per email across members, and uids not already owned in the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import catalogue, naming
from ..inventory import Assembly, Seat
from ..schema import UID_PATTERN
from .base import CheckerBase
from .helpers import _email_valid, _items, _suggest, _text
from .yaml_source import JsonPath

_UID = re.compile(UID_PATTERN)
_KIND_WORDS = {"commune": "a commune", "epci": "an EPCI"}


@dataclass
class _PersonDraft:
    email: str
    given_name: str
    surname: str
    line: int
    phone: str = ""
    uid: str | None = None
    uid_line: int = 0
    seats: list[Seat] = field(default_factory=list)
    seat_lines: dict[str, int] = field(default_factory=dict)


class PeopleChecks(CheckerBase):
    """Each person's seat in a member, merged by email into a `_PersonDraft`."""

    def person(self, path: JsonPath, raw: dict, code: str | None, kind: str | None,
               assemblies: list[Assembly], people: dict[str, _PersonDraft]) -> Seat | None:
        """The person's seat in member `code`, merged into `people` by email; None if wrong."""
        roles = self.roles(path, raw, kind)
        explicit = self.person_assemblies(path, raw, assemblies) if kind else []
        email = _text(raw.get("email"))
        if email is not None and not _email_valid(email):
            self.error(path + ("email",), f'email "{email}" is not a valid address')
            email = None
        given, surname = _text(raw.get("given_name")), _text(raw.get("surname"))
        if roles is None or explicit is None or not (email and given and surname):
            return None
        if not (code and kind):
            return Seat(member=code or "", roles=tuple(roles), assemblies=())
        sits = set(explicit)
        if any(catalogue.ROLES[r]["elected"] for r in roles):
            sits.add(catalogue.DEFAULT_ASSEMBLY[kind])
        if any(r in catalogue.BUREAU_ROLES for r in roles) and any(
                a.slug == "bureau" for a in assemblies):
            sits.add("bureau")
        seat = Seat(member=code, roles=tuple(roles),
                    assemblies=tuple(a.slug for a in assemblies if a.slug in sits),
                    title=_text(raw.get("title")) or "")
        line = self.source.line(path)
        identity = email.lower()
        uid = raw.get("uid") if isinstance(raw.get("uid"), str) else None
        draft = people.get(identity)
        if draft is None:
            draft = people[identity] = _PersonDraft(identity, given, surname, line)
        elif (given, surname) != (draft.given_name, draft.surname):
            self.error(path + ("email",),
                       f'{email} is also used at line {draft.line} for "{draft.given_name} '
                       f'{draft.surname}": one person must have the same name everywhere')
        if code in draft.seat_lines:
            self.error(path, f"{email} is listed twice in this member (first at line "
                             f"{draft.seat_lines[code]})")
            return seat
        if uid and _UID.match(uid):
            if draft.uid and draft.uid != uid:
                self.error(path + ("uid",), f'uid "{uid}" differs from uid "{draft.uid}" given '
                                            f"to the same person at line {draft.uid_line}")
            elif not draft.uid:
                draft.uid, draft.uid_line = uid, self.source.line(path + ("uid",))
        draft.phone = draft.phone or _text(raw.get("phone")) or ""
        draft.seats.append(seat)
        draft.seat_lines[code] = line
        return seat

    def roles(self, path: JsonPath, raw: dict, kind: str | None) -> list[str] | None:
        roles: list[str] = []
        ok = bool(_items(raw.get("roles")))
        for i, value in enumerate(_items(raw.get("roles"))):
            if not _text(value):
                ok = False
                continue
            slug = naming.slugify(value)
            slug = catalogue.ROLE_ALIASES.get(slug, slug)
            at = path + ("roles", i)
            if slug not in catalogue.ROLES:
                known = list(catalogue.ROLES) + list(catalogue.ROLE_ALIASES)
                hint = _suggest(slug, known) or f" (roles: {', '.join(catalogue.ROLES)})"
                self.error(at, f'role "{value}" is not a known role{hint}')
                ok = False
            elif kind and kind not in catalogue.ROLES[slug]["kinds"]:
                allowed = [r for r, spec in catalogue.ROLES.items() if kind in spec["kinds"]]
                self.error(at, f'role "{value}" does not exist in {_KIND_WORDS[kind]} '
                               f"(use one of: {', '.join(allowed)})")
                ok = False
            elif slug not in roles:
                roles.append(slug)
        return roles if ok else None

    def person_assemblies(self, path: JsonPath, raw: dict,
                          assemblies: list[Assembly]) -> list[str] | None:
        by_slug = {a.slug: a.slug for a in assemblies}
        by_name = {naming.slugify(a.name): a.slug for a in assemblies}
        result: list[str] = []
        ok = True
        for i, value in enumerate(_items(raw.get("assemblies"))):
            if not _text(value):
                ok = False
                continue
            slug = by_slug.get(value) or by_slug.get(naming.slugify(value)) or by_name.get(
                naming.slugify(value))
            if slug is None:
                hint = _suggest(naming.slugify(value), list(by_slug)) or (
                    f" (its assemblies: {', '.join(by_slug)})")
                self.error(path + ("assemblies", i),
                           f'assembly "{value}" is not an assembly of this member{hint}')
                ok = False
            else:
                result.append(slug)
        return result if ok else None

    def check_uids(self, people: dict[str, _PersonDraft]) -> None:
        owners: dict[str, _PersonDraft] = {}
        known_owner = {uid: email for email, uid in self.known_uids.items()}
        for draft in people.values():
            if not draft.uid:
                continue
            other = owners.setdefault(draft.uid, draft)
            if other is not draft:
                self.errors.append((draft.uid_line, f'person {draft.given_name} '
                                    f'{draft.surname}: uid "{draft.uid}" is already given to '
                                    f"{other.email} at line {other.uid_line}"))
                continue
            previous = known_owner.get(draft.uid)
            if previous and previous != draft.email:
                self.errors.append((draft.uid_line, f'person {draft.given_name} '
                                    f'{draft.surname}: uid "{draft.uid}" already belongs to '
                                    f"{previous} in the registry: choose another uid"))
