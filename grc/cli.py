"""`mutualis grc-reminders [--at WHEN]` and `mutualis grc-retention [--at WHEN]`: the GRC's
periodic tasks, for cron where no Celery beat runs (and to see what a date would do)."""

from __future__ import annotations

import argparse
from datetime import datetime

from mutualis.cli_support import ensure_database, err, out


def register(subparsers) -> None:
    for name, help_text, handler in (
            ("grc-reminders", "remind and escalate the citizen requests waiting too long",
             cmd_reminders),
            ("grc-retention", "anonymise the citizen requests past their retention delay",
             cmd_retention)):
        p = subparsers.add_parser(name, help=help_text)
        p.add_argument("--at", help="as if it were this date (ISO 8601, e.g. 2027-12-31)")
        p.set_defaults(handler=handler)


def _at(args: argparse.Namespace) -> str | None:
    if not args.at:
        return None
    from django.utils import timezone

    try:
        when = datetime.fromisoformat(args.at)
    except ValueError:
        err.print(f"error: --at {args.at!r} is not a date such as 2027-12-31")
        raise SystemExit(2) from None
    return (when if when.tzinfo else timezone.make_aware(when)).isoformat()


def cmd_reminders(args: argparse.Namespace) -> int:
    from .tasks import reminders

    ensure_database()
    done = reminders(_at(args))
    out.print(f"{done['reminded']} requests reminded, {done['escalated']} escalated")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from .tasks import retention

    ensure_database()
    out.print(f"{retention(_at(args))} requests anonymised")
    return 0
