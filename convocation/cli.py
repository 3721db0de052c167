"""`mutualis convocation-reminders` and `mutualis convocation-savings CODE [--year YEAR]`."""

from __future__ import annotations

import argparse
from datetime import date

from mutualis.cli_support import ensure_database, out


def register(subparsers) -> None:
    p = subparsers.add_parser("convocation-reminders",
                              help="remind members who have not opened their convocation")
    p.set_defaults(handler=cmd_reminders)
    p = subparsers.add_parser("convocation-savings",
                              help="paper dossiers avoided in a year, and what they cost")
    p.add_argument("code", help="the member's code (INSEE or SIREN)")
    p.add_argument("--year", type=int, default=date.today().year)
    p.set_defaults(handler=cmd_savings)


def cmd_reminders(args: argparse.Namespace) -> int:
    from .tasks import send_reminders

    ensure_database()
    out.print(f"{send_reminders()} reminders sent.")
    return 0


def cmd_savings(args: argparse.Namespace) -> int:
    from .reports import yearly_savings

    ensure_database()
    s = yearly_savings(args.code, args.year)
    out.print(f"{args.code} in {s.year}: {s.dossiers} paper dossiers avoided × "
              f"{s.cost_per_dossier} € = {s.total} €")
    return 0
