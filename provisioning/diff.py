"""Plan = diff(desired, observed): what to create, update, disable or archive, in what order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .drivers import EVERYTHING, Driver, ProvisioningError, Scope, retire_action
from .resources import (
    ACTIVE,
    CREATE,
    MASK,
    NOOP,
    RETIRING,
    UPDATE,
    Change,
    Observed,
    Plan,
    Resource,
)


def masked(attrs: Mapping, secret: Iterable[str]) -> dict:
    secret = set(secret)
    return {k: (MASK if k in secret else v) for k, v in attrs.items()}


def diff_one(res: Resource, obs: Observed | None) -> Change:
    """The change that makes `obs` match `res` (noop when nothing differs)."""
    if obs is None:
        return Change(res.key, CREATE, {}, masked(res.attrs, res.secret_attrs), res, None,
                      res.members, res.depends_on)
    before, after = {}, {}
    for name, value in res.attrs.items():
        if name in res.create_only:
            continue
        if obs.attrs.get(name) != value:
            before[name], after[name] = obs.attrs.get(name), value
    if obs.state != ACTIVE:
        before["state"], after["state"] = obs.state, ACTIVE
    action = UPDATE if after else NOOP
    return Change(res.key, action, masked(before, res.secret_attrs),
                  masked(after, res.secret_attrs), res, obs, res.members, res.depends_on)


def diff(desired: Mapping[str, Resource], observed: Mapping[str, Observed],
         drivers: Mapping[str, Driver], scope: Scope = EVERYTHING) -> Plan:
    """Compare, attribute by attribute, and order the changes for apply.

    Under `--only`, a resource is in scope when one of its members is selected; something the
    inventory no longer wants is retired only if the backend says which member it belonged to.
    """
    changes: list[Change] = []
    for key, res in desired.items():
        if scope.covers(res.members):
            changes.append(diff_one(res, observed.get(key)))
    observed_in_scope = 0
    for key, obs in observed.items():
        in_scope = scope.covers(obs.members) if scope.members is not None else True
        if not in_scope:
            continue
        if obs.state == ACTIVE:
            observed_in_scope += 1
        if key in desired:
            continue
        if obs.state == ACTIVE:
            action = retire_action(drivers[obs.backend], obs.kind)
            changes.append(Change(key, action, {"state": ACTIVE}, {"state": _state_of(action)},
                                  None, obs, obs.members))
        else:
            changes.append(Change(key, NOOP, observed=obs, members=obs.members))
    return Plan(order(changes, list(drivers)), observed_in_scope,
                tuple(sorted(scope.members or ())))


def _state_of(action: str) -> str:
    return {"disable": "disabled", "archive": "archived"}[action]


def order(changes: list[Change], backends: list[str]) -> list[Change]:
    """Creates and updates in dependency order (ties: backend order, then key); retirements
    after them, in reverse, so that what depends on a thing is retired before it."""
    rank = {b: i for i, b in enumerate(backends)}

    def tie(c: Change) -> tuple:
        return (rank.get(c.backend, len(rank)), c.key)

    forward = [c for c in changes if c.action not in RETIRING]
    retiring = sorted((c for c in changes if c.action in RETIRING), key=tie, reverse=True)
    by_key = {c.key: c for c in forward}
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = defaultdict(list)
    for c in forward:
        deps = [d for d in set(c.depends_on) if d in by_key and d != c.key]
        waiting[c.key] = len(deps)
        for d in deps:
            dependents[d].append(c.key)
    # Kahn's algorithm, level by level so that the order is stable and readable.
    level = sorted((c for c in forward if waiting[c.key] == 0), key=tie)
    ordered: list[Change] = []
    depth = 0
    while level:
        for c in level:
            c.level = depth
        ordered.extend(level)
        depth += 1
        nxt = []
        for c in level:
            for k in dependents[c.key]:
                waiting[k] -= 1
                if waiting[k] == 0:
                    nxt.append(by_key[k])
        level = sorted(nxt, key=tie)
    if len(ordered) != len(forward):
        stuck = sorted(k for k, n in waiting.items() if n > 0)[:5]
        raise ProvisioningError(f"resources depend on each other in a cycle: {', '.join(stuck)}")
    for c in retiring:
        c.level = depth
    return ordered + retiring
