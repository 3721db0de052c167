"""Mail driver benchmark: the apply of mail for 1,000 people across 30 members, and its share
of the directory's whole apply.

    .venv/bin/python benchmarks/bench_mail_driver.py [--people 1000] [--members 30]

On a throwaway slapd (with the mail schemas): the LDAP driver applies the accounts and groups
(timed), then the mail driver the domains, mailboxes, shared mailboxes and lists (timed, one
thread, one connection), then a no-op plan of both (timed; it must be empty). No Postfix or
Dovecot is needed: the driver only writes the directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--members", type=int, default=30)
    args = parser.parse_args()

    from ldap_sync.driver import LdapDriver
    from ldap_sync.server import start_slapd
    from mail_service.driver import MailDriver
    from provisioning.engine import make_plan
    from provisioning.inventory import MemberMail
    from tests.ldap_sync import builder as B

    base = B.many(args.people, members=args.members)
    members = tuple(dataclasses.replace(m, services=(*m.services, "messagerie"), mail=MemberMail(
        domain=f"{m.slug}.mail.test", quota_kb=1024 * 1024,
        shared=(("mairie", ()), ("secretariat", ())))) for m in base.members)
    inv = dataclasses.replace(base, members=members)
    with tempfile.TemporaryDirectory() as tmp:
        slapd = start_slapd(Path(tmp) / "ldap")
        try:
            ldap_driver = LdapDriver({**slapd.settings(), "issue_tokens": False})
            mail = MailDriver(slapd.settings())
            plan = make_plan(inv, [ldap_driver, mail])
            by = {b: [c for c in plan.pending if c.backend == b] for b in ("ldap", "mail")}
            t0 = time.perf_counter()
            assert all(o.ok for o in ldap_driver.apply(by["ldap"]))
            t1 = time.perf_counter()
            outcomes = mail.apply(by["mail"])
            t2 = time.perf_counter()
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:3]
            again = make_plan(inv, [ldap_driver, mail])
            t3 = time.perf_counter()
            assert again.empty, again.pending[:3]
            ldap_s, mail_s = t1 - t0, t2 - t1
            print(f"{args.people} people, {args.members} members: "
                  f"ldap apply {len(by['ldap'])} changes in {ldap_s:.2f} s; "
                  f"mail apply {len(by['mail'])} changes in {mail_s:.2f} s "
                  f"({len(by['mail']) / mail_s:.0f} changes/s, "
                  f"{mail_s / (ldap_s + mail_s):.0%} of the directory's apply); "
                  f"no-op plan of both {t3 - t2:.2f} s")
            ldap_driver.close()
            mail.close()
        finally:
            slapd.stop()


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    django.setup()
    main()
