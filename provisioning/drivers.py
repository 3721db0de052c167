"""The driver protocol every backend implements, and the errors drivers raise.

A driver owns one backend (`registry`, `ldap`, `nextcloud`, `caldav`, `wagtail`):
- `desired(inventory, context)` turns the inventory into that backend's resources, using
  `provisioning.naming` for every name;
- `observe(scope)` reads what the backend holds, in bulk (one paged search, one listing per
  collection, one query per model), never one request per resource;
- `apply(changes)` carries out a batch of changes of that backend, and returns one outcome per
  change. It must be idempotent: a change applied twice (a task retried after a crash) gives
  the same result, and a `create` of something that already exists is treated as an update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .inventory import Inventory
from .resources import ARCHIVE, DISABLE, Change, Observed, Resource


class ProvisioningError(Exception):
    """An error meant for people: one sentence, no traceback."""


class BackendError(ProvisioningError):
    """A backend refused or failed a change. Permanent: retrying will not help."""


class TransientBackendError(BackendError):
    """A backend failed in a way worth retrying (5xx, timeout, connection lost)."""


@dataclass(frozen=True)
class Scope:
    """What a plan looks at: all members, or only some (`--only CODE`)."""

    members: frozenset[str] | None = None  # None: every member

    def covers(self, members: Iterable[str]) -> bool:
        return self.members is None or bool(self.members.intersection(members))


EVERYTHING = Scope()


@dataclass
class Context:
    """What drivers may need beyond the inventory, resolved once per plan."""

    backends: dict = field(default_factory=dict)  # backend name -> resolved settings
    known_uids: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    key: str
    ok: bool
    error: str = ""
    transient: bool = False


@runtime_checkable
class Driver(Protocol):
    backend: str
    # For each kind, what happens to a resource the inventory no longer wants: disable or archive.
    retire: dict[str, str]

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]: ...

    def observe(self, scope: Scope) -> Iterable[Observed]: ...

    def apply(self, changes: Sequence[Change]) -> list[Outcome]: ...


def retire_action(driver: Driver, kind: str) -> str:
    action = driver.retire.get(kind, DISABLE)
    assert action in (DISABLE, ARCHIVE), f"{kind}: retire must be disable or archive"
    return action
