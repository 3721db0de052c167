"""Nextcloud driver figures, against the Nextcloud emulator (a test double, not Nextcloud):

1. provisioning 100 members' Nextcloud resources (5 people each; extranet, agenda and
   convocation: groups, accounts, memberships, group folders) through the engine: plan,
   apply, then the no-op plan that proves convergence;
2. the HTTP requests one observe makes for 10 and for 100 members, by route: they grow with
   collections and pages, not with resources.

    .venv/bin/python benchmarks/bench_nextcloud.py [MEMBERS] [PEOPLE]

The emulator runs in a process of its own (`python -m tests.doubles.nextcloud_emulator`) on
loopback, so the times include its own work, as they would a server's. Runs on a throwaway
SQLite journal; prints its figures, asserts only convergence.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
from _django import ROOT, start  # noqa: E402 (benchmarks/_django.py)

start("nextcloud")

from django.core.management import call_command  # noqa: E402

from nextcloud_bridge.driver import NextcloudDriver  # noqa: E402
from provisioning.drivers import EVERYTHING  # noqa: E402
from provisioning.engine import apply_plan, make_plan  # noqa: E402
from tests.factories import make_inventory  # noqa: E402

SERVICES = ("extranet", "agenda", "convocation")
ADMIN = ("admin", "bench-admin-secret")


def inventory(members: int, people: int):
    inv = make_inventory(members=members, people=people, shared=2)
    return replace(inv, members=tuple(replace(m, services=SERVICES) for m in inv.members))


def settings_of(url: str) -> dict:
    return {"url": url, "user": ADMIN[0], "password": ADMIN[1], "timeout": 30}


class Stats:
    """The emulator's request counters, over its test-only HTTP endpoints."""

    def __init__(self, url: str):
        self.url = url

    def reset(self) -> None:
        httpx.post(f"{self.url}/__emulator__/stats/reset").raise_for_status()

    def read(self) -> dict:
        return httpx.get(f"{self.url}/__emulator__/stats").json()


@contextmanager
def emulator() -> Iterator[tuple[str, Stats]]:
    with tempfile.TemporaryDirectory(prefix="bench-nc-") as tmp, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.doubles.nextcloud_emulator", "--port", str(port),
             "--admin", ":".join(ADMIN), "--data-dir", str(Path(tmp) / "data")],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None and "listening" in proc.stdout.readline()
            url = f"http://127.0.0.1:{port}"
            yield url, Stats(url)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def provision(members: int, people: int) -> None:
    with emulator() as (url, stats):
        driver = NextcloudDriver(settings_of(url))
        inv = inventory(members, people)
        t = time.perf_counter()
        plan = make_plan(inv, [driver])
        plan_time = time.perf_counter() - t
        n = len(plan.pending)
        stats.reset()
        t = time.perf_counter()
        result = apply_plan(plan, [driver], inventory=inv)
        apply_time = time.perf_counter() - t
        apply_requests = stats.read()["total"]
        assert result.status == "succeeded", list(result.errors.items())[:3]
        t = time.perf_counter()
        again = make_plan(inv, [driver])
        noop_time = time.perf_counter() - t
        assert again.empty, [c.key for c in again.pending][:5]
        driver.close()
    kinds: dict[str, int] = {}
    for c in plan.pending:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    print(f"provisioning {members} members x {people} people ({len(inv.people)} people):")
    print(f"  plan (nothing there yet): {n} changes in {plan_time:.2f} s  "
          + ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in sorted(kinds.items())))
    print(f"  apply through the engine: {apply_time:.2f} s, {apply_requests} HTTP requests, "
          f"{n / apply_time:.0f} changes/s, {apply_requests / apply_time:.0f} requests/s")
    print(f"  plan again (no-op, proves convergence): {noop_time:.2f} s")


def observe_requests(members: int, people: int) -> tuple[int, int, dict[str, int]]:
    """(resources observed, requests made, requests per route) for one observe."""
    with emulator() as (url, stats):
        driver = NextcloudDriver(settings_of(url))
        inv = inventory(members, people)
        plan = make_plan(inv, [driver])
        for level in sorted({c.level for c in plan.pending}):  # straight, no journal
            assert all(o.ok for o in driver.apply([c for c in plan.pending if c.level == level]))
        stats.reset()
        observed = list(driver.observe(EVERYTHING))
        counts = stats.read()
        driver.close()
    routes = {f"{r['method']} {r['pattern']}": r["count"] for r in counts["requests"]}
    return len(observed), counts["total"], routes


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    call_command("migrate", "provisioning", verbosity=0)
    provision(members, people)
    print("HTTP requests made by one observe (capabilities already read):")
    for n in (10, members):
        resources, total, routes = observe_requests(n, people)
        detail = ", ".join(f"{route} x{count}" for route, count in sorted(routes.items()))
        print(f"  {n:>4} members: {resources:>5} resources observed with {total} requests "
              f"({detail})")
    print("  (users/details and groups/details are read in pages of 500)")


if __name__ == "__main__":
    main()
