"""Typed resources, observations, changes and plans: the currency of the engine.

A resource key is `<backend>.<type>:<stable id>` (`ldap.account:jdupont`,
`wagtail.site:79174`), built by `provisioning.keys`; its kind is the part before the colon
and its backend the part before the dot. Attributes are JSON values. Nothing is keyed by a
backend's auto-increment ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .keys import backend_of, ident_of, kind_of  # noqa: F401 (importable from here too)

# Actions of a plan. `delete` is deliberately absent: the engine never destroys.
CREATE, UPDATE, DISABLE, ARCHIVE, NOOP = "create", "update", "disable", "archive", "noop"
ACTIONS = (CREATE, UPDATE, DISABLE, ARCHIVE, NOOP)
RETIRING = (DISABLE, ARCHIVE)

# Lifecycle states a driver reports for what it observes.
ACTIVE, DISABLED, ARCHIVED = "active", "disabled", "archived"

# Shown instead of any secret attribute's value in plans, journals and diffs.
MASK = "********"


def observed_state(active: bool, retire: str) -> str:
    """ACTIVE, or the state a retirement (`retire`: DISABLE or ARCHIVE) leaves."""
    if active:
        return ACTIVE
    return DISABLED if retire == DISABLE else ARCHIVED


@dataclass(frozen=True)
class Resource:
    """A resource as the inventory wants it."""

    key: str
    attrs: dict[str, Any] = field(default_factory=dict, hash=False)
    # Codes of the members this resource belongs to (a person's account: all their members).
    members: frozenset[str] = frozenset()
    # Keys that must exist before this one is created or updated.
    depends_on: tuple[str, ...] = ()
    # Attributes whose values never appear in a plan or a journal (they are masked).
    secret_attrs: frozenset[str] = frozenset()
    # Attributes set at creation only: a seed that people may then edit (e.g. page content).
    create_only: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def backend(self) -> str:
        return backend_of(self.key)

    @property
    def ident(self) -> str:
        return ident_of(self.key)


@dataclass(frozen=True)
class Observed:
    """A resource as a backend holds it."""

    key: str
    attrs: dict[str, Any] = field(default_factory=dict, hash=False)
    state: str = ACTIVE  # active | disabled | archived
    members: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def backend(self) -> str:
        return backend_of(self.key)

    @property
    def ident(self) -> str:
        return ident_of(self.key)


@dataclass
class Change:
    """One action on one resource, with the values before and after (secrets masked).

    `desired` carries the full desired attributes for the driver (secrets included, in
    memory only); `before`/`after` carry only what changes, for people and the journal.
    """

    key: str
    action: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    desired: Resource | None = None
    observed: Observed | None = None
    members: frozenset[str] = frozenset()
    depends_on: tuple[str, ...] = ()
    level: int = 0  # dependency depth, set when the plan is ordered

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def backend(self) -> str:
        return backend_of(self.key)

    @property
    def ident(self) -> str:
        return ident_of(self.key)

    def to_payload(self) -> dict[str, Any]:
        """The change as a task message carries it (JSON)."""
        d, o = self.desired, self.observed
        return {
            "key": self.key, "action": self.action, "before": self.before, "after": self.after,
            "members": sorted(self.members), "depends_on": list(self.depends_on),
            "desired": None if d is None else {
                "attrs": d.attrs, "members": sorted(d.members), "depends_on": list(d.depends_on),
                "secret_attrs": sorted(d.secret_attrs), "create_only": sorted(d.create_only)},
            "observed": None if o is None else {
                "attrs": o.attrs, "state": o.state, "members": sorted(o.members)},
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Change:
        d, o = p["desired"], p["observed"]
        desired = None if d is None else Resource(
            p["key"], d["attrs"], frozenset(d["members"]), tuple(d["depends_on"]),
            frozenset(d["secret_attrs"]), frozenset(d["create_only"]))
        observed = None if o is None else Observed(
            p["key"], o["attrs"], o["state"], frozenset(o["members"]))
        return cls(p["key"], p["action"], p["before"], p["after"], desired, observed,
                   frozenset(p["members"]), tuple(p["depends_on"]))

    def public(self) -> dict[str, Any]:
        """The change as a program reads it (`plan --json`): no secret, no object."""
        return {"key": self.key, "kind": self.kind, "action": self.action,
                "before": self.before, "after": self.after}


@dataclass
class Plan:
    changes: list[Change]  # every resource, noop included, in apply order
    observed_count: int = 0  # resources that exist in the backends (any state)
    only: tuple[str, ...] = ()

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != NOOP]

    @property
    def empty(self) -> bool:
        return not self.pending

    def summary(self) -> dict[str, int]:
        counts = {a: 0 for a in ACTIONS}
        for c in self.changes:
            counts[c.action] += 1
        return counts

    def destructive_share(self) -> float:
        """Disabled or archived resources, as a share of those that exist today."""
        retiring = sum(1 for c in self.changes if c.action in RETIRING)
        return retiring / self.observed_count if self.observed_count else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"changes": [c.public() for c in self.pending], "summary": self.summary()}
