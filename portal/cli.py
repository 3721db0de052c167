"""`mutualis admin-link [USERNAME]`: a single-use link for a syndicate admin to choose their
password (the account is created, as a superuser, when it does not exist)."""

from __future__ import annotations

import argparse

from mutualis.cli_support import ensure_database, out


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "admin-link", help="print a single-use link for a syndicate admin to choose their "
        "password (creates the admin account when it does not exist)")
    p.add_argument("username", nargs="?", default="admin")
    p.add_argument("--email", default="")
    p.set_defaults(handler=cmd_admin_link)


def cmd_admin_link(args: argparse.Namespace) -> int:
    from .admin_account import issue_admin_link

    ensure_database()
    link, created = issue_admin_link(args.username, args.email)
    if created:
        out.print(f"Created the syndicate admin account {args.username}.")
    out.print(link)
    return 0
