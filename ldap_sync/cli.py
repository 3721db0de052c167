"""`mutualis passwd-link UID`: print a new activation link for an account."""

from __future__ import annotations

import argparse
import sys

from mutualis.cli_support import ensure_database
from provisioning.drivers import ProvisioningError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "passwd-link", help="print a new single-use link to set an account's password "
        "(earlier links stop working)")
    p.add_argument("uid", help="the account's uid")
    p.add_argument("--file", help="take the directory from this inventory's ldap backend "
                   "(default: MUTUALIS_LDAP, or the embedded directory)")
    p.add_argument("--mail", action="store_true",
                   help="mail the link to the person's address instead of printing it")
    p.set_defaults(handler=cmd_passwd_link)


def _config(args: argparse.Namespace) -> dict | None:
    if not getattr(args, "file", None):
        return None
    from provisioning.backends import resolve_backend
    from provisioning.loader import load_inventory

    inventory = load_inventory(args.file)
    if "ldap" not in inventory.backends:
        raise ProvisioningError(f"{args.file}: the inventory declares no ldap backend")
    return resolve_backend(inventory.backends["ldap"])


def cmd_passwd_link(args: argparse.Namespace) -> int:
    from .services import issue_activation_link

    ensure_database()
    try:
        link = issue_activation_link(args.uid, _config(args))
    except ProvisioningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.mail:
        print(link)
        return 0
    from portal.welcome import send_welcome_mails
    from provisioning import people

    person = people.person(args.uid, disabled_too=True)
    address = person.email if person is not None else ""
    if not address or not send_welcome_mails({args.uid: link}):
        print(f"error: the link for {args.uid} could not be mailed"
              + ("" if address else ": the registry knows no address for this account")
              + "; run the command without --mail to print it", file=sys.stderr)
        return 1
    print(f"Activation link mailed to {address}.")
    return 0
