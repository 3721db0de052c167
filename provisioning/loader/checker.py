"""The whole of the loader's passes 2 and 3: the schema, syndicate, members and people checks
together, and the `Inventory` they build when nothing is wrong."""

from __future__ import annotations

import dataclasses

from .. import naming
from ..inventory import Inventory, Member, Person
from .helpers import _items
from .mail import quota_kb
from .members import MemberChecks
from .people import _PersonDraft
from .schema_errors import SchemaChecks
from .syndicate import SyndicateChecks


class _Checker(SchemaChecks, SyndicateChecks, MemberChecks):
    """Checks one parsed inventory, collecting every error in `errors`."""

    def build(self) -> Inventory | None:
        if not isinstance(self.data, dict):
            self.check_schema()
            return None
        self.check_schema()
        syndicate = self.syndicate()
        backends = self.backends()
        people: dict[str, _PersonDraft] = {}
        members: list[tuple[int, Member]] = []
        for i, raw in enumerate(_items(self.data.get("members"))):
            if isinstance(raw, dict):
                member = self.member(i, raw, syndicate, people)
                if member is not None:
                    members.append((i, member))
        self.check_unique_members(members)
        self.check_unique_mail_domains(members)
        self.check_uids(people)
        self.check_civilities(people)
        if self.errors or syndicate is None:
            return None
        uids = naming.assign_uids(
            ((d.email, d.given_name, d.surname, d.uid) for d in people.values()),
            self.known_uids)
        persons = tuple(Person(uid=uids[d.email], given_name=d.given_name, surname=d.surname,
                               email=d.email, seats=tuple(d.seats), phone=d.phone,
                               civility=d.resolved_civility(),
                               mail_quota_kb=quota_kb(d.mail_quota))
                        for d in people.values())
        return Inventory(path=self.filename, syndicate=syndicate, backends=backends,
                         members=tuple(_with_department_uids(_with_mail_readers(m, uids, persons),
                                                             uids) for _, m in members),
                         people=persons)


def _with_mail_readers(member: Member, uids: dict[str, str], people: tuple[Person, ...]
                       ) -> Member:
    """The member with its shared mailboxes' readers as uids: those the inventory named
    (by email), else the member's staff."""
    if member.mail is None:
        return member
    staff = tuple(sorted(p.uid for p in people
                         if (s := p.seat(member.code)) is not None and s.staff))
    shared = tuple((local, tuple(sorted(uids[e] for e in readers)) if readers else staff)
                   for local, readers in member.mail.shared)
    return dataclasses.replace(member, mail=dataclasses.replace(member.mail, shared=shared))


def _with_department_uids(member: Member, uids: dict[str, str]) -> Member:
    """The member with its departments' people as uids (the loader read emails)."""
    if not member.departments:
        return member
    return dataclasses.replace(member, departments=tuple(
        dataclasses.replace(d, people=tuple(sorted(uids[e] for e in d.people)))
        for d in member.departments))
