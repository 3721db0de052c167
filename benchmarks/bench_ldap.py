"""LDAP driver benchmark: apply rate against raw python-ldap, and a no-op plan at scale.

    .venv/bin/python benchmarks/bench_ldap.py [--accounts 10000] [--noop 25000]

1. 10,000 new accounts applied through the driver (in the engine's batches of 500, activation
   tokens included), side by side with a raw python-ldap asynchronous add loop of the same
   entries with the same window, each into a fresh slapd. Target: driver >= 80% of raw.
2. A no-op plan (observe + compile + diff) over 25,000 accounts and their groups.
   Target: < 5 s.

Runs on throwaway slapd servers and a throwaway SQLite database; prints its figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var: Path) -> None:
    os.environ["MUTUALIS_VAR_DIR"] = str(var)  # a throwaway SQLite database
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "ldap_sync", verbosity=0, interactive=False)


def chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def raw_add(settings: dict, entries: list[tuple[str, list]], window: int) -> float:
    """The floor: python-ldap's asynchronous adds, `window` in flight, nothing else."""
    import ldap

    conn = ldap.initialize(settings["url"])
    conn.simple_bind_s(settings["bind_dn"], settings["bind_password"])
    started = time.perf_counter()
    inflight: list[int] = []
    head = 0
    for dn, entry in entries:
        inflight.append(conn.add_ext(dn, entry))
        if len(inflight) - head >= window:
            conn.result3(inflight[head])
            head += 1
    for msgid in inflight[head:]:
        conn.result3(msgid)
    elapsed = time.perf_counter() - started
    conn.unbind_s()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--noop", type=int, default=25_000)
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ldap-") as tmp:
        tmp = Path(tmp)
        setup_django(tmp / "var")
        from ldap_sync import entries as E
        from ldap_sync.driver import DEFAULT_WINDOW, LdapDriver
        from ldap_sync.layout import Layout
        from ldap_sync.server import start_slapd
        from provisioning.engine import BATCH_SIZE, make_plan
        from tests.ldap_sync.builder import many

        # -- 1. apply rate, driver vs raw -------------------------------------------------
        inv = many(args.accounts, members=args.members)
        raw_server = start_slapd(tmp / "raw")
        drv_server = start_slapd(tmp / "driver")
        try:
            driver = LdapDriver(drv_server.settings())
            plan = make_plan(inv, [driver])
            accounts = [c for c in plan.pending if c.kind == E.ACCOUNT]
            layout = Layout(raw_server.base_dn)
            raw_entries = [(layout.account_dn(c.ident), E.account_entry(c.ident, c.desired.attrs))
                           for c in accounts]

            raw_s = raw_add(raw_server.settings(), raw_entries, DEFAULT_WINDOW)
            started = time.perf_counter()
            failed = 0
            for batch in chunks(accounts, BATCH_SIZE):
                failed += sum(not o.ok for o in driver.apply(batch))
            drv_s = time.perf_counter() - started
            rest = [c for c in plan.pending if c.kind != E.ACCOUNT]
            started = time.perf_counter()
            for batch in chunks(rest, BATCH_SIZE):
                failed += sum(not o.ok for o in driver.apply(batch))
            groups_s = time.perf_counter() - started
            from ldap_sync.models import ActivationToken

            tokens = ActivationToken.objects.count()
            driver.close()
        finally:
            raw_server.stop()
            drv_server.stop()
        n = len(accounts)
        print(f"apply {n} new accounts (window {DEFAULT_WINDOW}, batches of {BATCH_SIZE}):")
        print(f"  raw python-ldap async adds : {raw_s:6.2f} s  {n / raw_s:8.0f} accounts/s")
        print(f"  LdapDriver.apply           : {drv_s:6.2f} s  {n / drv_s:8.0f} accounts/s"
              f"  ({tokens} activation tokens stored)")
        print(f"  driver / raw               : {raw_s / drv_s:6.1%}  (target >= 80%)")
        print(f"  then {len(rest)} member branches and groups: {groups_s:.2f} s;"
              f" failed changes: {failed}")

        # -- 2. no-op plan at scale --------------------------------------------------------
        big = many(args.noop, members=max(args.members, args.noop // 100), prefix="q")
        server = start_slapd(tmp / "noop")
        try:
            driver = LdapDriver({**server.settings(), "issue_tokens": False})
            plan = make_plan(big, [driver])
            started = time.perf_counter()
            for batch in chunks(plan.pending, BATCH_SIZE * 4):
                driver.apply(batch)
            fill_s = time.perf_counter() - started
            from provisioning.drivers import EVERYTHING

            started = time.perf_counter()
            seen = list(driver.observe(EVERYTHING))
            observe_s = time.perf_counter() - started
            started = time.perf_counter()
            noop = make_plan(big, [driver])
            plan_s = time.perf_counter() - started
            driver.close()
        finally:
            server.stop()
        print(f"no-op plan over {args.noop} accounts ({len(seen)} entries observed, "
              f"directory filled in {fill_s:.1f} s):")
        print(f"  observe alone (one paged search): {observe_s:5.2f} s")
        print(f"  make_plan (compile + observe + diff): {plan_s:5.2f} s  "
              f"{args.noop / plan_s:8.0f} accounts/s  pending: {len(noop.pending)}"
              f"  (target < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
