"""An in-memory backend and its driver, to test the engine without a real server.

It keeps records the way a real backend does (an auto-increment id per entry, so that a
non-idempotent create would show up as a duplicate) and can be told to fail.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable

from provisioning.drivers import BackendError, BaseDriver, Context, Scope, TransientBackendError
from provisioning.inventory import Inventory
from provisioning.naming import assembly_group, elected_group, staff_group
from provisioning.resources import (
    ACTIVE,
    ARCHIVE,
    ARCHIVED,
    DISABLE,
    DISABLED,
    Change,
    Observed,
    Resource,
)


class Crash(BaseException):
    """The process dies: not an error the engine may catch and journal as a failure."""


class MemoryBackend:
    def __init__(self):
        self.records: list[dict] = []  # {"id", "key", "attrs", "state", "members"}
        self.by_key: dict[str, dict] = {}  # the backend's unique index on key
        self._ids = itertools.count(1)
        self.calls = 0

    def add(self, record: dict) -> None:
        self.records.append(record)
        self.by_key[record["key"]] = record

    def keys(self) -> list[str]:
        return [r["key"] for r in self.records]


class MemoryDriver(BaseDriver):
    """Accounts per person, groups per member, a site per member."""

    backend = "memory"
    requires_backend = False
    retire = {"memory.account": DISABLE, "memory.group": ARCHIVE, "memory.site": ARCHIVE}

    def __init__(self, store: MemoryBackend | None = None):
        super().__init__()
        self.store = store or MemoryBackend()
        self.crash_after: int | None = None  # crash once this many changes were applied
        self.transient_rate = 0.0  # share of changes failing with a retryable error
        self.permanent_fail: set[str] = set()
        self.rng = random.Random(7)
        self.applied = 0

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        for p in inventory.people:
            yield Resource(f"memory.account:{p.uid}",
                           {"name": p.display_name, "mail": p.email},
                           frozenset(s.member for s in p.seats))
        for m in inventory.members:
            own = frozenset([m.code])
            people = inventory.people_of(m.code)
            groups = {staff_group(m.code): [p.uid for p in people if p.seat(m.code).staff],
                      elected_group(m.code): [p.uid for p in people if p.seat(m.code).elected]}
            for a in m.assemblies:
                groups[assembly_group(m.code, a.slug)] = [
                    p.uid for p in people if a.slug in p.seat(m.code).assemblies]
            for name, uids in groups.items():
                yield Resource(f"memory.group:{name}", {"members": sorted(uids)}, own,
                               tuple(f"memory.account:{u}" for u in uids))
            if m.subscribes("website"):
                yield Resource(f"memory.site:{m.code}", {"hostname": m.hostname,
                                                         "title": m.name}, own,
                               create_only=frozenset(["title"]))

    def observe(self, scope: Scope) -> Iterable[Observed]:
        self.store.calls += 1
        for r in self.store.records:
            yield Observed(r["key"], dict(r["attrs"]), r["state"], frozenset(r["members"]))

    def run(self, c: Change) -> None:
        """The faults this backend can be told to have, then the change's handler."""
        if self.crash_after is not None and self.applied >= self.crash_after:
            raise Crash(f"crash before {c.key}")
        if c.key in self.permanent_fail:
            raise BackendError("refused by the backend")
        if self.rng.random() < self.transient_rate:
            raise TransientBackendError("backend busy")
        super().run(c)
        self.applied += 1

    def _retire(self, c: Change) -> None:
        record = self.store.by_key.get(c.key)
        record["state"] = DISABLED if c.action == DISABLE else ARCHIVED

    def _ensure(self, c: Change) -> None:
        record = self.store.by_key.get(c.key)
        attrs = dict(c.desired.attrs)
        if record is None:  # create (an update of a missing entry recreates it too)
            record = {"id": next(self.store._ids), "key": c.key, "attrs": attrs,
                      "state": ACTIVE, "members": sorted(c.members)}
            self.store.add(record)
            return
        # An existing record: an update, or a create that an interrupted run already made.
        for name, value in attrs.items():
            if name not in c.desired.create_only:
                record["attrs"][name] = value
        record["state"], record["members"] = ACTIVE, sorted(c.members)

    handlers = {"memory.account": _ensure, "memory.group": _ensure, "memory.site": _ensure,
                ("memory.account", DISABLE): _retire, ("memory.group", ARCHIVE): _retire,
                ("memory.site", ARCHIVE): _retire}
