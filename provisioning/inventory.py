"""The typed inventory: what a syndicate declares (see `provisioning.loader` for reading a file).

The loader validates the YAML against the JSON Schema and the reference data, normalises it
(role slugs, default assemblies, hostnames, uids) and returns these frozen dataclasses. Every
other module reads the inventory through them, never through the raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from . import access


@dataclass(frozen=True)
class Syndicate:
    name: str
    siren: str
    domain: str
    # Domain under which member websites get a default hostname `<slug>.<sites_domain>`.
    sites_domain: str
    # Domain under which members of `messagerie` get a default mail domain (default: domain).
    mail_domain: str = ""


@dataclass(frozen=True)
class BackendConfig:
    """One entry of the inventory's `backends` section, secrets still as references.

    `settings` holds the plain values (url, base_dn, ...); `secrets` maps a setting name to its
    reference (`${ENV_VAR}` or an Ansible Vault value). `provisioning.backends.resolve` turns
    references into values at apply time; nothing else ever reads them.
    """

    name: str
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    secrets: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def embedded(self) -> bool:
        return self.settings.get("url") == "embedded"


@dataclass(frozen=True)
class Assembly:
    slug: str  # conseil-municipal, conseil-communautaire, bureau, commission-finances, ...
    name: str  # "Conseil municipal"


@dataclass(frozen=True)
class Department:
    """A department of a member (voirie, comptabilité...) and the uids of who works in it."""

    slug: str
    name: str
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class MemberMail:
    """A member's shared mail (service `messagerie`), as the loader resolved it."""

    domain: str  # ASCII (IDNA) mail domain
    quota_kb: int | None = None  # each mailbox's quota; None: no limit
    forward_leavers: bool = False  # mail to a person who left goes to mairie@
    # Shared mailboxes: (local part, uids of its readers), mairie and secretariat included.
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Lists beyond elus@ and the assemblies': (local part, assembly slug).
    lists: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Seat:
    """A person's place in one member: roles and the assemblies they sit in."""

    member: str  # the member's code
    roles: tuple[str, ...]  # role slugs from the catalogue
    assemblies: tuple[str, ...]  # assembly slugs of that member
    title: str = ""  # free text shown in directories, e.g. "Adjointe aux finances"

    # What the roles make the person in the member, by the one rule (`provisioning.access`):
    # a seat with a staff role and an elected role is both.
    @property
    def elected(self) -> bool:
        return access.is_official(self.roles)

    @property
    def staff(self) -> bool:
        return access.is_staff(self.roles)


@dataclass(frozen=True)
class Person:
    uid: str  # stable directory uid, derived once then kept (see naming.assign_uids)
    given_name: str
    surname: str
    email: str
    seats: tuple[Seat, ...]
    phone: str = ""
    # "mme", "m", or "" (unknown): declared in the inventory, else said by the roles' forms.
    civility: str = ""
    mail_quota_kb: int | None = None  # the person's own mailbox quota (None: the member's)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    def seat(self, member: str) -> Seat | None:
        return next((s for s in self.seats if s.member == member), None)


@dataclass(frozen=True)
class Member:
    code: str  # INSEE code (commune, 5 characters) or SIREN (EPCI, 9 digits)
    name: str
    kind: str  # "commune" | "epci"
    population: int
    slug: str
    hostname: str  # ASCII (IDNA) hostname of the website
    services: tuple[str, ...]
    assemblies: tuple[Assembly, ...]
    siren: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    mail: MemberMail | None = None  # set when the member subscribes to `messagerie`
    departments: tuple[Department, ...] = ()

    def subscribes(self, service: str) -> bool:
        return service in self.services


@dataclass(frozen=True)
class Inventory:
    path: str
    syndicate: Syndicate
    backends: dict[str, BackendConfig] = field(hash=False)
    members: tuple[Member, ...]
    people: tuple[Person, ...]  # each person once, with a seat per member they belong to

    # Indexes built once: drivers look people up per member, for thousands of members.
    @cached_property
    def _members_by_code(self) -> dict[str, Member]:
        return {m.code: m for m in self.members}

    @cached_property
    def _people_by_member(self) -> dict[str, list[Person]]:
        index: dict[str, list[Person]] = {}
        for p in self.people:
            for s in p.seats:
                index.setdefault(s.member, []).append(p)
        return index

    def member(self, code: str) -> Member:
        return self._members_by_code[code]

    def people_of(self, code: str) -> list[Person]:
        return list(self._people_by_member.get(code, ()))
