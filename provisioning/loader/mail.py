"""Pass 3 of the loader, the members' shared mail (service `messagerie`): the mail domain
(declared or `<slug>.<syndicate mail domain>`), quotas, shared mailboxes and lists, each local
part once per domain, each reader a person of the member, and no domain used twice."""

from __future__ import annotations

import re

import idna

from .. import naming
from ..inventory import Assembly, MemberMail, Syndicate
from ..quoting import shown
from .base import CheckerBase
from .helpers import _HOSTNAME_RULE, _hostname, _items, _text
from .yaml_source import JsonPath

SERVICE = "messagerie"
# The shared mailboxes every member of `messagerie` has, read by its staff by default.
STANDARD_SHARED = ("mairie", "secretariat")
ELECTED_LIST = "elus"
_QUOTA = re.compile(r"^([0-9]+) ?(MB|GB)$")


def quota_kb(written: str | None) -> int | None:
    """'500 MB' -> 512000, '2 GB' -> 2097152, 'none' or nothing -> None (no limit)."""
    match = _QUOTA.match(written or "")
    if not match:
        return None
    return int(match.group(1)) * (1024 if match.group(2) == "MB" else 1024 * 1024)


class MailChecks(CheckerBase):

    def member_mail(self, path: JsonPath, raw: dict, slug: str, syndicate: Syndicate | None,
                    assemblies: list[Assembly]) -> MemberMail | None:
        """The member's mail, its readers still written as the inventory names them (an
        email, lower-cased, or a uid): `resolve_mail_readers` turns them into uids."""
        services = _items(raw.get("services"))
        mail = raw.get("mail") if isinstance(raw.get("mail"), dict) else None
        if SERVICE not in services:
            if mail is not None:
                self.error(path + ("mail",), f'mail is declared but the member does not '
                                             f'subscribe to "{SERVICE}"', key=True)
            return None
        mail = mail or {}
        at = path + ("mail",)
        domain = self.mail_domain(path, mail, slug, syndicate)
        people = [p for p in _items(raw.get("people")) if isinstance(p, dict)]
        known = {}
        for p in people:
            if _text(p.get("email")):
                known[_text(p["email"]).lower()] = _text(p["email"]).lower()
            if isinstance(p.get("uid"), str) and _text(p.get("email")):
                known[p["uid"]] = _text(p["email"]).lower()
        assembly_slugs = {a.slug for a in assemblies}
        # Every local part the domain gives a function, and where it comes from.
        taken: dict[str, str] = {ELECTED_LIST: "the list of the elected (elus@)"}
        for a in assemblies:
            taken.setdefault(a.slug, f'the list of assembly "{a.slug}"')
        for i, a in enumerate(_items(raw.get("assemblies"))):
            if isinstance(a, dict) and a.get("slug") in STANDARD_SHARED:
                self.error(path + ("assemblies", i), f'assembly "{a["slug"]}" would take the '
                           f'address of the shared mailbox "{a["slug"]}@": give it another slug')
        shared: dict[str, tuple[str, ...]] = {s: () for s in STANDARD_SHARED}
        declared = mail.get("shared") if isinstance(mail.get("shared"), dict) else {}
        for local, readers in declared.items():
            where = at + ("shared", local)
            if local in taken:
                self.error(where, f'address "{local}@{domain}" is already {taken[local]}: '
                                  "choose another local part", key=True)
                continue
            found = []
            for i, reader in enumerate(_items(readers)):
                who = known.get(str(reader).strip().lower()) or known.get(str(reader).strip())
                if who is None:
                    self.error(where + (i,), f'shared mailbox "{local}@" names {shown(reader)}, '
                                             "who is not a person of this member (give the "
                                             "email or uid of one of its people)")
                else:
                    found.append(who)
            shared[local] = tuple(found)
        for local in shared:
            taken.setdefault(local, f'the shared mailbox "{local}@"')
        lists: list[tuple[str, str]] = []
        declared = mail.get("lists") if isinstance(mail.get("lists"), dict) else {}
        for local, assembly in declared.items():
            where = at + ("lists", local)
            if local in taken:
                self.error(where, f'address "{local}@{domain}" is already {taken[local]}: '
                                  "choose another local part", key=True)
            elif assembly not in assembly_slugs:
                self.error(where, f'list "{local}@" follows assembly {shown(assembly)}, which '
                                  f"this member does not have (it has: "
                                  f"{', '.join(sorted(assembly_slugs))})")
            else:
                taken[local] = f'the list "{local}@"'
                lists.append((local, assembly))
        if domain is None:
            return None
        return MemberMail(domain=domain, quota_kb=quota_kb(_text(mail.get("quota"))),
                          forward_leavers=mail.get("leavers") == "forward",
                          shared=tuple(shared.items()), lists=tuple(lists))

    def mail_domain(self, path: JsonPath, mail: dict, slug: str,
                    syndicate: Syndicate | None) -> str | None:
        written = _text(mail.get("domain"))
        if written is None:
            if not (slug and syndicate):
                return None
            parent = syndicate.mail_domain or syndicate.domain
            try:
                return naming.default_mail_domain(slug, parent)
            except (idna.IDNAError, UnicodeError) as exc:
                self.error(path + ("name",), f"name makes no valid mail domain under "
                                             f"{shown(parent)} ({exc}): declare mail.domain")
                return None
        at = path + ("mail", "domain")
        ascii_name = _hostname(written)
        if ascii_name is None or "." not in ascii_name:
            self.error(at, f"mail domain {shown(written)} is not a valid domain name: "
                           f"{_HOSTNAME_RULE}")
            return None
        return ascii_name

    def check_unique_mail_domains(self, members: list) -> None:
        """`members`: (index, Member) pairs. A domain belongs to one member only."""
        seen: dict[str, tuple[str, int]] = {}
        for index, member in members:
            if member.mail is None:
                continue
            path: JsonPath = ("members", index)
            raw = self.data["members"][index]
            declared = isinstance(raw.get("mail"), dict) and "domain" in raw["mail"]
            at = path + ("mail", "domain") if declared else path + ("code",)
            line = self.source.line(at)
            if member.mail.domain in seen:
                other, other_line = seen[member.mail.domain]
                self.error(at, f'mail domain "{member.mail.domain}" is already used by member '
                               f"{other} (line {other_line}): give one of them another "
                               "mail.domain")
            else:
                seen[member.mail.domain] = (member.code, line)
