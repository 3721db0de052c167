"""Shared mail benchmark: delivery rate through our Postfix on LDAP maps vs on hash maps.

    .venv/bin/python benchmarks/bench_mail.py [--messages 1000] [--people 50] [--rounds 2]

The same Postfix and Dovecot (mail_service/) deliver `--messages` messages from outside (the
MX port, four SMTP connections in parallel) to `--people` mailboxes, once with the maps read
live from slapd and once with the same answers in hash tables, `--rounds` times each,
alternating; the rate is messages / (first send → last message in a Maildir), the best
round of each kept. Then the LDAP searches per delivered message, read from slapd's stats
log. Target (issue 16): LDAP maps >= 80% of the hash-map rate. Dovecot's
user lookups go to slapd in both runs: only Postfix's maps differ.

Runs on throwaway servers (root: under /tmp, which the `mail` user can reach); prints its
figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOMAIN = "melle.test"
MEMBER = "79174"
CONNECTIONS = 4


def populate(slapd, people: int) -> list[tuple[str, str]]:
    """A member domain and `people` mailboxes; returns their (uid, address)."""
    import ldap

    from ldap_sync.layout import Layout
    from mail_service import schema

    layout = Layout(slapd.base_dn)
    conn = ldap.initialize(slapd.url)
    conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)

    def add(dn, attrs):
        merged: dict[str, list[bytes]] = {}
        for name, values in attrs:
            merged.setdefault(name, []).extend(v.encode() for v in values)
        conn.add_s(dn, list(merged.items()))

    add(layout.member_dn(MEMBER), [("objectClass", ["organizationalUnit"]), ("ou", [MEMBER])]
        + schema.domain_mods(DOMAIN))
    found = []
    for n in range(people):
        uid, address = f"p{n:05d}", f"prenom{n}.nom@{DOMAIN}"
        add(layout.account_dn(uid), [("objectClass", ["inetOrgPerson"]), ("uid", [uid]),
                                     ("cn", [uid]), ("sn", [uid]),
                                     ("mail", [f"{uid}@contact.example"])]
            + schema.mailbox_mods([address], address, None))
        found.append((uid, address))
    conn.unbind_s()
    return found


def static_maps(people: list[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """What the LDAP maps answer, as hash tables."""
    return {"ldap-domains.cf": {DOMAIN: DOMAIN},
            "ldap-mailboxes.cf": {a: a for _, a in people},
            "ldap-aliases.cf": {a: a for _, a in people},
            "ldap-senders.cf": {a: u for u, a in people}}


def delivered(dovecot, people: list[tuple[str, str]]) -> int:
    total = 0
    for uid, _ in people:
        new = dovecot.maildir(uid) / "new"
        if new.exists():
            total += len(os.listdir(new))
    return total


def run(work: Path, name: str, slapd, access, tls, people, messages: int,
        static: dict | None) -> float:
    from mail_service.dovecot import start_dovecot
    from mail_service.postfix import configure_postfix

    directory = work / name
    postfix = configure_postfix(directory / "postfix", access, tls, static_maps=static)
    dovecot = start_dovecot(directory / "dovecot", access, tls, postfix.sockets,
                            slow_failures=False)
    try:
        postfix.start()
        before = delivered(dovecot, people)
        errors: list[BaseException] = []

        def send(part: int) -> None:
            try:
                with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=30) as smtp:
                    for i in range(part, messages, CONNECTIONS):
                        _, to = people[i % len(people)]
                        msg = EmailMessage()
                        msg["From"], msg["To"] = "expediteur@example.org", to
                        msg["Subject"] = f"Message {i}"
                        msg.set_content("Bonjour.\n" * 20)
                        smtp.send_message(msg)
            except BaseException as e:  # reported below
                errors.append(e)

        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(k,)) for k in range(CONNECTIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        deadline = time.monotonic() + 300
        while delivered(dovecot, people) - before < messages:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: {delivered(dovecot, people) - before} of "
                                   f"{messages} delivered after 300 s; see {postfix.log}")
            time.sleep(0.05)
        return messages / (time.perf_counter() - started)
    finally:
        postfix.stop()
        dovecot.stop()
        shutil.rmtree(directory, ignore_errors=True)


def count_queries(work: Path, slapd, access, tls, people, messages: int) -> dict[str, float]:
    """LDAP searches per delivered message, by who asked: slapd run again with its `stats`
    log (-d 256, one SRCH line per search) while `messages` go through the LDAP maps."""
    import subprocess

    from ldap_sync.server import _binary

    slapd.stop()
    log = work / "slapd-stats.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([_binary("slapd"), "-h", slapd.url + "/", "-F",
                                    str(slapd.workdir / "config"), "-d", "256"],
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        run(work, "counted", slapd, access, tls, people, messages, None)
    finally:
        process.terminate()
        process.wait()
    filters = [line.split('filter="', 1)[1] for line in
               log.read_text(errors="replace").splitlines()
               if " SRCH " in line and 'filter="' in line]
    kinds = {"domains": lambda f: "associatedDomain=" in f,
             "senders": lambda f: "inetOrgPerson" in f,
             "mailboxes": lambda f: ("mailRoutingAddress=" in f and "uid=" not in f
                                     and "inetOrgPerson" not in f),
             "aliases": lambda f: ("mailLocalAddress=" in f and "mailRoutingAddress=" not in f
                                   and "inetOrgPerson" not in f),
             "Dovecot's user lookups": lambda f: "uid=" in f}
    counts = {name: sum(1 for f in filters if test(f)) / messages
              for name, test in kinds.items()}
    counts["all"] = len(filters) / messages
    slapd.start()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from ldap_sync.server import start_slapd
    from mail_service.directory import ensure_reader, reader_password
    from mail_service.tls import demo_certificate

    work = Path(tempfile.mkdtemp(prefix="mutualis-bench-mail-"))
    os.chmod(work, 0o711)
    slapd = start_slapd(work / "ldap")
    try:
        access = ensure_reader(slapd.settings(), reader_password(work / "reader.secret"))
        tls = demo_certificate(work / "tls", "mail.mutualis.test")
        people = populate(slapd, args.people)
        rates: dict[str, list[float]] = {"hash": [], "ldap": []}
        for r in range(args.rounds):
            for name in ("hash", "ldap"):
                rate = run(work, f"{name}{r}", slapd, access, tls, people, args.messages,
                           static_maps(people) if name == "hash" else None)
                rates[name].append(rate)
                print(f"round {r + 1}, {name} maps: {rate:.0f} messages/s", flush=True)
        best = {name: max(values) for name, values in rates.items()}
        share = best["ldap"] / best["hash"]
        print(f"\n{args.messages} messages to {args.people} mailboxes, "
              f"{CONNECTIONS} connections, best of {args.rounds}:")
        print(f"  hash maps: {best['hash']:.0f} messages/s")
        print(f"  LDAP maps: {best['ldap']:.0f} messages/s ({share:.0%} of hash; "
              f"target >= 80%: {'met' if share >= 0.8 else 'NOT met'})")
        counts = count_queries(work, slapd, access, tls, people, min(args.messages, 200))
        print("  LDAP searches per delivered message: " + ", ".join(
            f"{name} {value:.1f}" for name, value in counts.items()))
        return 0
    finally:
        slapd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
