"""Engine figures with the in-memory driver (no network, no server: the engine's own cost).

- plan time for 1,000 members x 30 people (target under 2 s on a 2-core machine);
- engine overhead per change: apply of the same plan through the engine (batches, Celery
  tasks run eagerly, journal in SQLite) minus the driver's own time, per change.

Run: .venv/bin/python benchmarks/bench_engine.py [MEMBERS] [PEOPLE]
"""

from __future__ import annotations

import sys
import time

from _django import start, timing  # noqa: E402 (benchmarks/_django.py)

start("engine")

from django.core.management import call_command  # noqa: E402

from provisioning.engine import apply_plan, make_plan  # noqa: E402
from tests.factories import make_inventory  # noqa: E402
from tests.provisioning.memory_driver import MemoryDriver  # noqa: E402

TimedDriver = timing(MemoryDriver)


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    inv = make_inventory(members=members, people=people, shared=5)
    build = time.perf_counter() - t
    driver = TimedDriver()

    t = time.perf_counter()
    plan = make_plan(inv, [driver])
    first_plan = time.perf_counter() - t
    n = len(plan.pending)

    t, cpu = time.perf_counter(), time.process_time()
    result = apply_plan(plan, [driver], inventory=inv)
    apply_total, apply_cpu = time.perf_counter() - t, time.process_time() - cpu
    assert result.status == "succeeded", result.errors

    t, cpu = time.perf_counter(), time.process_time()
    noop_plan = make_plan(inv, [driver])
    noop_time, noop_cpu = time.perf_counter() - t, time.process_time() - cpu
    assert noop_plan.empty

    overhead = (apply_total - TimedDriver.inside) / n
    print(f"inventory: {members} members x {people} people = {len(inv.people)} people "
          f"(built in {build:.2f} s)")
    print(f"plan (all to create): {n} changes in {first_plan:.2f} s")
    print(f"plan (no-op, everything exists): {len(noop_plan.changes)} resources in "
          f"{noop_time:.2f} s, CPU {noop_cpu:.2f} s   [target < 2 s]")
    print(f"apply: {n} changes in {apply_total:.2f} s, driver {TimedDriver.inside:.2f} s; "
          f"engine overhead {overhead * 1e6:.0f} us per change "
          f"(batches, eager Celery tasks, journal in SQLite)")
    # CPU time of every thread of this process: what the engine costs, whatever the load of
    # the machine (the memory driver's own time is CPU time too).
    print(f"apply CPU time: {apply_cpu:.2f} s; engine overhead "
          f"{(apply_cpu - TimedDriver.inside) / n * 1e6:.0f} us of CPU per change")


if __name__ == "__main__":
    main()
