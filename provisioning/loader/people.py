"""Pass 3 of the loader, the people: roles and assemblies within their member, one name and
one uid per email across members, and uids not already owned in the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import access, catalogue, naming
from ..inventory import Assembly, Seat
from ..quoting import shown
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
    civility: str = ""  # as declared ("mme", "m"), else ""
    civility_line: int = 0
    mail_quota: str = ""  # as written ("5 GB"), the first one declared
    # The civility each gendered role form says: (civility, role as written, its path).
    implied: list[tuple[str, str, JsonPath]] = field(default_factory=list)

    def resolved_civility(self) -> str:
        """The declared civility; else the one the role forms agree on; else ""."""
        if self.civility:
            return self.civility
        said = {c for c, _w, _p in self.implied}
        return said.pop() if len(said) == 1 else ""


class PeopleChecks(CheckerBase):
    """Each person's seat in a member, merged by email into a `_PersonDraft`."""

    def person(self, path: JsonPath, raw: dict, code: str | None, kind: str | None,
               assemblies: list[Assembly], people: dict[str, _PersonDraft]) -> Seat | None:
        """The person's seat in member `code`, merged into `people` by email; None if wrong."""
        roles = self.roles(path, raw, kind)
        declared = self.person_civility(path, raw)
        explicit = self.person_assemblies(path, raw, assemblies) if kind else []
        email = _text(raw.get("email"))
        if email is not None and not _email_valid(email):
            self.error(path + ("email",), f'email {shown(email)} is not a valid address')
            email = None
        given, surname = _text(raw.get("given_name")), _text(raw.get("surname"))
        if roles is None or explicit is None or not (email and given and surname):
            return None
        if not (code and kind):
            return Seat(member=code or "", roles=tuple(roles), assemblies=())
        sits = set(explicit)
        if access.is_official(roles):
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
                self.error(path + ("uid",), f"uid {shown(uid)} differs from uid "
                                            f"{shown(draft.uid)} given "
                                            f"to the same person at line {draft.uid_line}")
            elif not draft.uid:
                draft.uid, draft.uid_line = uid, self.source.line(path + ("uid",))
        if declared and draft.civility and declared != draft.civility:
            self.error(path + ("civility",),
                       f'civility {shown(raw["civility"])} differs from civility '
                       f'"{catalogue.CIVILITY_WRITTEN[draft.civility]}" given to the same '
                       f"person at line {draft.civility_line}")
        elif declared and not draft.civility:
            draft.civility = declared
            draft.civility_line = self.source.line(path + ("civility",))
        draft.implied += self.implied_civilities(path, raw)
        draft.phone = draft.phone or _text(raw.get("phone")) or ""
        draft.mail_quota = draft.mail_quota or _text(raw.get("mail_quota")) or ""
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
                self.error(at, f'role {shown(value)} is not a known role{hint}')
                ok = False
            elif kind and kind not in catalogue.ROLES[slug]["kinds"]:
                allowed = [r for r, spec in catalogue.ROLES.items() if kind in spec["kinds"]]
                self.error(at, f'role {shown(value)} does not exist in {_KIND_WORDS[kind]} '
                               f"(use one of: {', '.join(allowed)})")
                ok = False
            elif slug not in roles:
                roles.append(slug)
        return roles if ok else None

    def person_civility(self, path: JsonPath, raw: dict) -> str:
        """The civility declared ("mme", "m"), "" when none is (or after an error)."""
        written = raw.get("civility")
        if written is None or not isinstance(written, str):
            return ""  # absent; not text is the schema's error
        found = catalogue.parse_civility(written)
        if found is None:
            self.error(path + ("civility",),
                       f'civility {shown(written)} is not valid: write Mme or M. (Madame and '
                       "Monsieur are accepted too)")
            return ""
        return found

    def implied_civilities(self, path: JsonPath, raw: dict) -> list[tuple[str, str, JsonPath]]:
        """The civility said by each role written in a gendered form ("adjointe": mme)."""
        implied = []
        for i, value in enumerate(_items(raw.get("roles"))):
            if isinstance(value, str):
                form = catalogue.ROLE_FORMS.get(naming.slugify(value))
                if form and form[1]:
                    implied.append((form[1], value.strip(), path + ("roles", i)))
        return implied

    def check_civilities(self, people: dict[str, _PersonDraft]) -> None:
        """A person without a declared civility whose roles are written both in the feminine
        and in the masculine: ask which (a declared civility wins over the role forms)."""
        for draft in people.values():
            if draft.civility:
                continue
            first = next(iter(draft.implied), None)
            other = next((i for i in draft.implied if first and i[0] != first[0]), None)
            if first and other:
                word = {catalogue.MADAME: "feminine", catalogue.MONSIEUR: "masculine"}
                self.error(other[2], f'role {shown(other[1])} is written in the {word[other[0]]} '
                                     f'and role {shown(first[1])} (line '
                                     f"{self.source.line(first[2])}) in the {word[first[0]]}: "
                                     "add civility: Mme or civility: M. to this person")

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
                           f'assembly {shown(value)} is not an assembly of this member{hint}')
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
