"""Registry driver figures (temp SQLite, one process, eager Celery tasks through the engine):

- first apply of N members x M people (everything to create): total time through the engine
  (batches, eager tasks, journal), time spent inside the registry driver, changes per second;
- no-op plan (everything exists): time to observe and diff;
- a second apply that updates every person (a new phone number) and retires 5% of the members
  (archived with their assemblies, seats disabled, their people disabled): same figures;
- after each apply, a re-plan that must be empty (checked, not timed).

Run: .venv/bin/python benchmarks/bench_registry.py [MEMBERS] [PEOPLE]
(defaults: 1000 members x 30 people, about 35,000 changes.)
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from _django import start, timing  # noqa: E402 (benchmarks/_django.py)

start("registry")

from django.core.management import call_command  # noqa: E402

from provisioning.engine import apply_plan, make_plan  # noqa: E402
from provisioning.inventory import Inventory  # noqa: E402
from provisioning.registry import RegistryDriver  # noqa: E402
from tests.factories import make_inventory  # noqa: E402

TimedRegistry = timing(RegistryDriver)


def apply_and_check(inv: Inventory, label: str) -> None:
    driver = TimedRegistry()
    plan = make_plan(inv, [driver])
    n = len(plan.pending)
    summary = {a: k for a, k in plan.summary().items() if k and a != "noop"}
    TimedRegistry.inside = 0.0
    t = time.perf_counter()
    result = apply_plan(plan, [driver], inventory=inv, allow_destroy=True)
    total = time.perf_counter() - t
    if result.errors:
        raise SystemExit(f"apply failed: {next(iter(result.errors.items()))}")
    inside = TimedRegistry.inside
    print(f"{label}: {n} changes {summary}")
    print(f"  apply through the engine: {total:.2f} s, {n / total:,.0f} changes/s")
    print(f"  inside the registry driver: {inside:.2f} s, {n / inside:,.0f} changes/s")
    again = make_plan(inv, [RegistryDriver()])
    assert again.empty, f"re-plan not empty: {len(again.pending)} changes"


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    call_command("migrate", verbosity=0)
    inv = make_inventory(members=members, people=people, shared=5)
    print(f"inventory: {members} members x {people} people = {len(inv.people)} people")

    apply_and_check(inv, "first apply (create)")

    t = time.perf_counter()
    noop = make_plan(inv, [RegistryDriver()])
    noop_time = time.perf_counter() - t
    assert noop.empty
    print(f"no-op plan: {len(noop.changes)} resources in {noop_time:.2f} s")

    leaving = {m.code for m in inv.members[2::20]}  # 5% of the members (never 0 or 1: shared)
    people2 = tuple(replace(p, phone=f"05 49 {i // 100 % 100:02d} {i % 100:02d} 00")
                    for i, p in enumerate(inv.people)
                    if not {s.member for s in p.seats} & leaving)
    inv2 = replace(inv, members=tuple(m for m in inv.members if m.code not in leaving),
                   people=people2)
    apply_and_check(inv2, "second apply (update every person, retire 5% of the members)")


if __name__ == "__main__":
    main()
