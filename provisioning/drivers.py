"""The base every driver subclasses, what the engine hands drivers, and their errors.

A driver owns one backend (`registry`, `ldap`, `nextcloud`, `caldav`, `wagtail`):
- `probe(context)` reads, once per plan, what `desired()` needs to know about the server
  (its capabilities), into `context.probed[backend]`;
- `desired(inventory, context)` turns the inventory into that backend's resources, using
  `provisioning.naming` for every name and `provisioning.keys` for every key; it never
  touches the network;
- `observe(scope)` reads what the backend holds, in bulk (one paged search, one listing per
  collection, one query per model), never one request per resource;
- `apply(changes)` carries out a batch of changes of that backend, and returns one outcome per
  change. It must be idempotent: a change applied twice (a task retried after a crash) gives
  the same result, and a `create` of something that already exists is treated as an update.
- `close()` closes the client the driver built (the engine calls it when an apply is over).

`BaseDriver` does the parts that are the same everywhere: the apply of a batch in dependency
order, a handler per kind (and action), errors turned into outcomes, the lazily built client.
docs/drivers.md is the recipe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .inventory import Inventory
from .resources import ARCHIVE, DISABLE, Change, Observed, Resource, observed_state


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
    # backend name -> what its driver's probe() read from the server for this plan
    probed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    key: str
    ok: bool
    error: str = ""
    transient: bool = False


class BatchInterrupted(TransientBackendError):
    """Raised by `apply_level` when the backend is lost midway: `outcomes` are the level's,
    and the rest of the batch is not attempted (each of its changes fails as transient)."""

    def __init__(self, message: str, outcomes: list[Outcome]):
        super().__init__(message)
        self.outcomes = outcomes


Handler = Callable[..., Any]


class BaseDriver:
    """What every driver shares. A driver declares its backend, its retire table and a
    handler per kind, and writes `desired` and `observe`; see docs/drivers.md."""

    backend: ClassVar[str] = ""
    # For each kind, what happens to a resource the inventory no longer wants: disable or archive.
    retire: ClassVar[dict[str, str]] = {}
    # Left out of a plan unless the inventory's `backends` declares `backend` (the registry
    # and the sites, kept in the project's own database, are always there).
    requires_backend: ClassVar[bool] = True
    # kind -> handler(driver, change); a (kind, action) entry takes that action apart (the
    # retirement, typically). A handler makes the backend match the change, or raises.
    handlers: ClassVar[dict[str | tuple[str, str], Handler]] = {}
    # Exceptions (besides BackendError) that fail one change, worth a retry or not.
    transient_errors: ClassVar[tuple[type[Exception], ...]] = ()
    permanent_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def __init__(self, config: dict | None = None):
        self.config = config or {}
        self._client: Any = None
        self._client_lock = threading.Lock()

    # ------------------------------------------------------------------ client

    def connect(self) -> Any:
        """The backend's client (an object with `close()`), built on first use."""
        raise NotImplementedError(f"the {self.backend} driver has no client")

    @property
    def client(self) -> Any:
        client = self._client
        if client is None:
            with self._client_lock:  # threads of one apply share the driver
                if self._client is None:
                    self._client = self.connect()
                client = self._client
        return client

    def close(self) -> None:
        """Close the client if one was built; the next use builds another."""
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # ------------------------------------------------------------------ plan

    def probe(self, context: Context) -> None:
        """Read once per plan what `desired()` needs from the server, into
        `context.probed[self.backend]`. Most drivers need nothing."""

    def probed(self, context: Context) -> Any:
        """What `probe()` stored for this plan."""
        try:
            return context.probed[self.backend]
        except KeyError:
            raise ProvisioningError(f"the {self.backend} driver was not probed before its "
                                    "desired state was compiled") from None

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        raise NotImplementedError

    def observe(self, scope: Scope) -> Iterable[Observed]:
        raise NotImplementedError

    @staticmethod
    def in_scope(observed: Iterable[Observed], scope: Scope) -> list[Observed]:
        """What observe(scope) returns: under --only, the selected members' resources only
        (the backend's query may select more: a person's every seat, say)."""
        if scope.members is None:
            return list(observed)
        return [o for o in observed if scope.covers(o.members)]

    def state(self, kind: str, active: bool) -> str:
        """The observed state of a resource of `kind`: ACTIVE, or what its retirement leaves."""
        return observed_state(active, self.retire.get(kind, DISABLE))

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply a batch level by level (what a change depends on first). A change whose
        dependency failed in this batch is not attempted; it fails as that one did."""
        results: dict[str, Outcome] = {}
        for level in dependency_levels(changes):
            if len(results) > sum(o.ok for o in results.values()):  # something failed
                level = [c for c in level if not self._blocked(c, results)]
            try:
                outcomes = self.apply_level(level) if level else []
            except BatchInterrupted as stop:
                outcomes = stop.outcomes
                for c, o in zip(level, outcomes, strict=False):
                    results[c.key] = o
                for c in changes:
                    if c.key not in results:
                        results[c.key] = Outcome(c.key, False, f"{c.key} was not applied: {stop}",
                                                 True)
                break
            for c, o in zip(level, outcomes, strict=True):
                results[c.key] = o
        return [results[c.key] for c in changes]

    @staticmethod
    def _blocked(c: Change, results: dict[str, Outcome]) -> bool:
        failed = next((d for d in c.depends_on if d in results and not results[d].ok), None)
        if failed is not None:
            results[c.key] = Outcome(c.key, False, f"{c.key} was not applied: {failed} failed",
                                     results[failed].transient)
        return failed is not None

    def apply_level(self, changes: list[Change]) -> list[Outcome]:
        """Changes that do not depend on each other: one after the other, by default."""
        return [self.apply_one(c) for c in changes]

    def apply_one(self, c: Change) -> Outcome:
        try:
            self.run(c)
        except self._caught as exc:
            return self.failed(c, exc)
        return Outcome(c.key, True)

    def run(self, c: Change) -> Any:
        """Call the change's handler (a driver may wrap it: a transaction, a lock)."""
        return self.handler(c)(self, c)

    def handler(self, c: Change) -> Handler:
        kind = c.kind
        found = self.handlers.get((kind, c.action)) or self.handlers.get(kind)
        if found is None:
            raise BackendError(f"the {self.backend} driver has no resource kind {kind}")
        return found

    def subject(self, c: Change) -> str:
        """What an error message of the change starts with."""
        return c.key

    def failed(self, c: Change, exc: Exception) -> Outcome:
        transient = isinstance(exc, self._transient)
        return Outcome(c.key, False, f"{self.subject(c)}: {exc}", transient)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._transient = (TransientBackendError, *cls.transient_errors)
        cls._caught = (BackendError, *cls.transient_errors, *cls.permanent_errors)

    _transient: ClassVar[tuple[type[Exception], ...]] = (TransientBackendError,)
    _caught: ClassVar[tuple[type[Exception], ...]] = (BackendError,)


# The name drivers were typed with before the base existed.
Driver = BaseDriver


def dependency_levels(changes: Sequence[Change]) -> list[list[Change]]:
    """The batch cut into dependency levels (only dependencies inside the batch count). The
    engine's batches hold one level already: then it is the batch as it is."""
    by_key = {c.key: c for c in changes}
    if not any(d in by_key for c in changes for d in c.depends_on):
        return [list(changes)]
    level_of: dict[str, int] = {}

    def level(c: Change, seen: frozenset[str] = frozenset()) -> int:
        if c.key in level_of:
            return level_of[c.key]
        deps = [by_key[d] for d in c.depends_on if d in by_key and d not in seen]
        n = 1 + max((level(d, seen | {c.key}) for d in deps), default=-1)
        level_of[c.key] = n
        return n

    levels: dict[int, list[Change]] = {}
    for c in changes:
        levels.setdefault(level(c), []).append(c)
    return [levels[n] for n in sorted(levels)]


def retire_action(driver: BaseDriver, kind: str) -> str:
    action = driver.retire.get(kind, DISABLE)
    assert action in (DISABLE, ARCHIVE), f"{kind}: retire must be disable or archive"
    return action
