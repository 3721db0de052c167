"""Pass 3 of the loader, the members' departments: each slug once, each of its people a
person of the member (by email, or uid when declared)."""

from __future__ import annotations

from .. import naming
from ..inventory import Department
from ..quoting import shown
from .base import CheckerBase
from .helpers import _items, _text
from .yaml_source import JsonPath


class DepartmentChecks(CheckerBase):

    def member_departments(self, path: JsonPath, raw: dict) -> list[Department]:
        """The member's departments, their people still as lower-cased emails (the checker
        turns them into uids once every uid is known)."""
        known: dict[str, str] = {}
        for p in _items(raw.get("people")):
            email = _text(p.get("email")) if isinstance(p, dict) else None
            if email:
                known[email.lower()] = email.lower()
                if isinstance(p.get("uid"), str):
                    known[p["uid"]] = email.lower()
        departments: list[Department] = []
        lines: dict[str, int] = {}
        for i, item in enumerate(_items(raw.get("departments"))):
            name = _text(item.get("name")) if isinstance(item, dict) else None
            if name is None:
                continue
            at = path + ("departments", i)
            slug = item.get("slug") if isinstance(item.get("slug"), str) else naming.slugify(name)
            if not slug:
                self.error(at + ("name",), f"department {shown(name)} has no letter or digit "
                                           "to make a slug")
                continue
            if slug in lines:
                self.error(at, f"department {shown(slug)} is declared twice (first at line "
                               f"{lines[slug]})")
                continue
            lines[slug] = self.source.line(at)
            people = []
            for j, who in enumerate(_items(item.get("people"))):
                email = known.get(str(who).strip().lower()) or known.get(str(who).strip())
                if email is None:
                    self.error(at + ("people", j), f"department {shown(slug)} names "
                               f"{shown(who)}, who is not a person of this member (give the "
                               "email or uid of one of its people)")
                else:
                    people.append(email)
            departments.append(Department(slug, name, tuple(people)))
        return departments
