"""`mutualis actes-classification CODE [FILE]`, `mutualis actes-export CODE [--register]`,
`mutualis actes-refresh [CODE]` and `mutualis actes-verify CODE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mutualis.cli_support import ensure_database, err, out


def register(subparsers) -> None:
    p = subparsers.add_parser("actes-classification",
                              help="import the prefecture's classification file of a member")
    p.add_argument("code", help="the member's code (INSEE or SIREN)")
    p.add_argument("file", type=Path, nargs="?",
                   help="the RetourClassification XML file; without it, fetched from the tiers "
                        "de télétransmission")
    p.set_defaults(handler=cmd_classification)
    p = subparsers.add_parser("actes-export",
                              help="the member's délibérations as SCDL CSV, on stdout")
    p.add_argument("code")
    p.add_argument("--register", action="store_true",
                   help="the publication register instead of the délibérations")
    p.set_defaults(handler=cmd_export)
    p = subparsers.add_parser("actes-refresh",
                              help="ask the tiers de télétransmission what became of the acts")
    p.add_argument("code", nargs="?", help="only this member")
    p.set_defaults(handler=cmd_refresh)
    p = subparsers.add_parser("actes-verify",
                              help="check the publication register's chain and the texts' hashes")
    p.add_argument("code")
    p.set_defaults(handler=cmd_verify)


def _member(code: str):
    from provisioning import people
    from provisioning.drivers import ProvisioningError

    member = people.member(code.upper(), archived_too=True)
    if member is None:
        raise ProvisioningError(f"no member with code {code} in the registry")
    return member


def _refused(exc) -> int:
    for message in exc.messages:
        err.print(f"error: {message}")
    return 1


def cmd_classification(args: argparse.Namespace) -> int:
    from .services import ActRefused, import_classification
    from .transmission import fetch_classification

    ensure_database()
    member = _member(args.code)
    try:
        c = (import_classification(member, args.file.read_bytes()) if args.file
             else fetch_classification(member))
    except ActRefused as exc:
        return _refused(exc)
    out.print(f"classification of {c.version_date}: {c.matters.count()} matters")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .opendata import export_register, export_scdl
    from .services import ActRefused

    ensure_database()
    member = _member(args.code)
    try:
        content = export_register(member) if args.register else export_scdl(member)
    except ActRefused as exc:
        return _refused(exc)
    sys.stdout.buffer.write(content)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from .transmission import refresh_pending

    ensure_database()
    changed = refresh_pending(_member(args.code) if args.code else None)
    out.print(f"{changed} acts changed state")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .services import verify_register

    ensure_database()
    problems = verify_register(_member(args.code))
    for problem in problems:
        err.print(f"error: {problem}")
    if not problems:
        out.print("the publication register holds")
    return 1 if problems else 0
