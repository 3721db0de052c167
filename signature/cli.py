"""`mutualis signature ...`: sign and verify PDFs, install signing keys, give the demo's
officials demo credentials, check and export the audit trail, retry a folder's seal, renew the
archive timestamps of signed documents.

`verify` exits 0 only when every signature of the file is intact and trusted; `renew` exits 0
only when every document that needed it was renewed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from mutualis.cli_support import ensure_database

from .errors import SignatureError


def register(subparsers) -> None:
    parser = subparsers.add_parser("signature", help="sign and verify PDFs (PAdES), signing "
                                   "keys and the parapheur's audit trail")
    sub = parser.add_subparsers(dest="signature_command", required=True, metavar="ACTION")

    p = sub.add_parser("sign", help="sign a PDF with a PKCS#12 key (PAdES, visible stamp)")
    p.add_argument("input", metavar="IN.pdf")
    p.add_argument("output", metavar="OUT.pdf")
    p.add_argument("--p12", required=True, metavar="FILE", help="the signer's PKCS#12")
    p.add_argument("--password-env", required=True, metavar="VAR",
                   help="the environment variable holding the PKCS#12's password")
    p.add_argument("--level", default="B-B", choices=["B-B", "B-T", "B-LT", "B-LTA"])
    p.add_argument("--tsa", metavar="URL", help="timestamp authority (needed from B-T on)")
    p.add_argument("--reason", default="", metavar="TEXT")
    p.add_argument("--location", default="", metavar="TEXT")
    p.add_argument("--role", default="", metavar="TEXT", help="the signer's role, on the stamp")
    p.add_argument("--organisation", default="", metavar="TEXT",
                   help="the signer's member (commune, EPCI), on the stamp")
    p.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                   help="trust anchor to validate the signer's certificate before signing "
                   "(default: the root in the PKCS#12)")
    p.set_defaults(handler=cmd_sign)

    p = sub.add_parser("verify", help="check a PDF's signatures; exit 0 only if every "
                       "signature is intact and trusted")
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                   help="trust anchor (repeat); MUTUALIS_SIGNATURE_TRUST_ROOTS are added")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per "
                   "signature")
    p.add_argument("--offline", action="store_true",
                   help="use only the revocation data embedded in the file")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("import-key", help="store a PKCS#12 (encrypted at rest) as a person's "
                       "signing key or a member's seal")
    p.add_argument("file", metavar="FILE.p12")
    owner = p.add_mutually_exclusive_group(required=True)
    owner.add_argument("--person", metavar="UID")
    owner.add_argument("--seal", metavar="CODE", help="a member's server seal")
    p.add_argument("--password-env", required=True, metavar="VAR")
    p.set_defaults(handler=cmd_import_key)

    p = sub.add_parser("demo-credentials", help="give every official of a member subscribing "
                       "to the parapheur who has no signing key a credential of the demo's "
                       "certification authority (`mutualis services start` runs it)")
    p.add_argument("--organisation", default="", metavar="NAME",
                   help="the O of the certificates (default: the demo root's)")
    p.set_defaults(handler=cmd_demo_credentials)

    p = sub.add_parser("audit", help="check or export a member's audit trail")
    p.add_argument("member", metavar="CODE")
    p.add_argument("--verify", action="store_true", help="check the hash chain")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--folder", type=int, metavar="ID", help="only this folder's entries")
    p.set_defaults(handler=cmd_audit)

    p = sub.add_parser("seal", help="seal a folder waiting for its member's seal")
    p.add_argument("folder", type=int, metavar="ID")
    p.set_defaults(handler=cmd_seal)

    p = sub.add_parser("renew", help="renew the archive timestamps (PAdES B-LTA) of the signed "
                       "documents of finished folders before they stop being verifiable")
    p.add_argument("--horizon-days", type=int, default=None, metavar="N",
                   help="renew when the last archive timestamp's certificates expire within N "
                   "days (default 365)")
    p.add_argument("--dry-run", action="store_true", help="list what needs renewal, change "
                   "nothing")
    p.set_defaults(handler=cmd_renew)


def _quiet() -> None:
    """pyHanko logs every failed check with a traceback; the reports say it in one line."""
    for name in ("pyhanko", "pyhanko_certvalidator", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SignatureError(f"{path}: cannot read the {what} ({exc.strerror})") from None


def _password(var: str) -> bytes:
    value = os.environ.get(var)
    if value is None:
        raise SignatureError(f"the environment variable {var} (the key's password) is not set")
    return value.encode()


def cmd_sign(args: argparse.Namespace) -> int:
    from .pki.keys import load_certificates, signer_from_pkcs12
    from .sign import SigningOptions, SigningSession, signer_name
    from .stamp import StampText

    _quiet()
    data = _read(args.input, "PDF")
    signer = signer_from_pkcs12(_read(args.p12, "PKCS#12"), _password(args.password_env))
    options = SigningOptions(level=args.level, tsa_url=args.tsa or "", reason=args.reason,
                             location=args.location,
                             trust_roots=tuple(load_certificates(args.trust)))
    text = StampText(signer=signer_name(signer), role=args.role, member=args.organisation,
                     place=args.location)
    signed = SigningSession(signer, options).sign(data, text)
    try:
        Path(args.output).write_bytes(signed)
    except OSError as exc:
        raise SignatureError(f"{args.output}: cannot write the signed PDF "
                             f"({exc.strerror})") from None
    print(f"{args.output}: signed by {signer_name(signer)} at level {args.level}.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .pki.keys import configured_trust_roots, load_certificates
    from .verify import all_ok, verify_pdf

    _quiet()
    roots = load_certificates(args.trust) + configured_trust_roots()
    reports = verify_pdf(_read(args.file, "PDF"), roots, online=not args.offline)
    if args.json:
        print(json.dumps([r.as_json() for r in reports], ensure_ascii=False, indent=2))
    elif not reports:
        print(f"{args.file}: no signature.", file=sys.stderr)
    for r in [] if args.json else reports:
        verdict = "OK" if r.ok else "FAILED"
        when = r.signing_time.isoformat(timespec="seconds") if r.signing_time else "unknown"
        print(f"{verdict:6} {r.field}: {r.kind} by {r.signer}, {when} ({r.time_source}), "
              f"level {r.level or '-'}, intact {'yes' if r.intact else 'NO'}, trusted "
              f"{'yes' if r.trusted else 'NO'}, covers {r.coverage} ({r.modifications})")
        for problem in r.problems:
            print(f"       {problem}")
    return 0 if all_ok(reports) else 1


def cmd_import_key(args: argparse.Namespace) -> int:
    from provisioning import people

    from .workflow import install_key

    ensure_database()
    data, password = _read(args.file, "PKCS#12"), _password(args.password_env)
    if args.person:
        person = people.person(args.person, disabled_too=True)
        if person is None:
            raise SignatureError(f"no person with uid {args.person} in the registry")
        key = install_key(data, password, person=person)
    else:
        member = people.member(args.seal.upper(), archived_too=True)
        if member is None:
            raise SignatureError(f"no member {args.seal} in the registry")
        key = install_key(data, password, member=member)
    print(f"Installed the {key.kind} key {key.subject} (valid until {key.not_after:%Y-%m-%d}).")
    return 0


def cmd_demo_credentials(args: argparse.Namespace) -> int:
    from .demo_pki import issue_demo_credentials

    ensure_database()
    issued = issue_demo_credentials(organisation=args.organisation)
    print(f"{issued} demo signing credential{'s' if issued != 1 else ''} issued (officials "
          "who had one keep it); they sign with no password.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from provisioning import people

    from . import audit
    from .models import Folder

    ensure_database()
    member = people.member(args.member.upper(), archived_too=True)
    if member is None:
        raise SignatureError(f"no member {args.member} in the registry")
    if args.verify:
        check = audit.verify_chain(member)
        print(check.sentence(), file=sys.stdout if check.ok else sys.stderr)
        return 0 if check.ok else 1
    folder = Folder.objects.filter(pk=args.folder, member=member).first() if args.folder else None
    if args.folder and folder is None:
        raise SignatureError(f"member {member.code} has no folder {args.folder}")
    export = audit.export_csv if args.format == "csv" else audit.export_json
    sys.stdout.write(export(member, folder))
    return 0


def cmd_seal(args: argparse.Namespace) -> int:
    from .models import Folder
    from .workflow import run_seal

    ensure_database()
    _quiet()
    folder = Folder.objects.filter(pk=args.folder).first()
    if folder is None:
        raise SignatureError(f"no folder {args.folder}")
    if not run_seal(folder):
        raise SignatureError(f"folder {folder.reference} was not sealed: "
                             f"{folder.blocked_reason or 'it does not wait for a seal'}")
    print(f"Folder {folder.reference} sealed.")
    return 0


def cmd_renew(args: argparse.Namespace) -> int:
    from .renewal import HORIZON_DAYS, renew_documents

    horizon = HORIZON_DAYS if args.horizon_days is None else args.horizon_days
    if horizon < 0:
        raise SignatureError(f"--horizon-days must be zero or more, not {horizon}")
    ensure_database()
    _quiet()
    run = renew_documents(horizon_days=horizon, dry_run=args.dry_run)
    labels = {"renewed": "RENEWED", "would_renew": "TO RENEW", "failed": "FAILED"}
    for item in run.items:
        line = f"{labels[item.status]:8} {item.folder_reference} {item.name}"
        if item.status == "failed":
            print(f"error: {line}: {item.error}", file=sys.stderr)
            continue
        print(f"{line}: {item.need.reason}")
        if item.status == "renewed":
            until = (f", verifiable until {item.valid_until:%Y-%m-%d}" if item.valid_until
                     else "")
            print(f"         now {item.file} (previous version kept: {item.previous_file})"
                  f"{until}")
    due = sum(1 for i in run.items if i.need)
    done = sum(1 for i in run.items if i.status == "renewed")
    summary = f"{run.checked} signed documents checked, {due} needing renewal"
    summary += (" (dry run: nothing changed)." if args.dry_run
                else f", {done} renewed, {len(run.failed)} failed.")
    print(summary)
    return 1 if run.failed else 0
