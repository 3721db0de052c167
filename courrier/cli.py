"""`mutualis courrier-intake [--only mail|chorus|folders]` and `mutualis courrier-reminders
[--at WHEN]`: the register's periodic work, for cron where no Celery beat runs."""

from __future__ import annotations

import argparse
from datetime import datetime

from mutualis.cli_support import ensure_database, err, out

SOURCES = ("mail", "chorus", "folders")


def register(subparsers) -> None:
    p = subparsers.add_parser("courrier-intake", help="record what came by the courrier@ "
                              "mailboxes, Chorus Pro and the watched folders")
    p.add_argument("--only", choices=SOURCES, action="append",
                   help="only this source (repeatable)")
    p.set_defaults(handler=cmd_intake)
    p = subparsers.add_parser("courrier-reminders",
                              help="remind and escalate the items past their due date")
    p.add_argument("--at", help="as if it were this date (ISO 8601, e.g. 2027-12-31)")
    p.set_defaults(handler=cmd_reminders)


def cmd_intake(args: argparse.Namespace) -> int:
    from . import chorus, folders, mailbox

    ensure_database()
    wanted = args.only or SOURCES
    if "mail" in wanted:
        done = mailbox.fetch_all()
        out.print(f"mail: {done['recorded']} recorded, {done['refused']} refused "
                  f"({done['members']} mailboxes read, {done['failed']} not)")
    if "chorus" in wanted:
        done = chorus.import_all()
        sent = done["statuses"]
        out.print(f"chorus: {done['recorded']} recorded, {done['refused']} refused; "
                  f"statuses {sent['sent']} sent, {sent['failed']} failed, "
                  f"{sent['waiting']} waiting")
    if "folders" in wanted:
        done = folders.scan_all()
        out.print(f"folders: {done['recorded']} recorded, {done['refused']} refused, "
                  f"{done['failed']} not read")
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from . import reminders

    ensure_database()
    now = None
    if args.at:
        try:
            now = datetime.fromisoformat(args.at)
        except ValueError:
            err.print(f"error: --at {args.at!r} is not a date such as 2027-12-31")
            return 2
        now = now if now.tzinfo else timezone.make_aware(now)
    done = reminders.run(now)
    out.print(f"{done['reminded']} items reminded, {done['escalated']} escalated")
    return 0
