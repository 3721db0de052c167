"""The register of the certificates the syndicate manages for its members: RGS authentication
certificates (the tiers de télétransmission, Hélios), officials' signing certificates (the
parapheur) and seals; imported from files (PEM, DER, PKCS#12), from PKCS#11 tokens, or read
from the parapheur's keys; checked with pyHanko's validator (chain, revocation, policy);
reminders before expiry; the syndicate's registration-authority records; a prefilled renewal
request.

The pieces: `models`, `reading` (files and tokens), `register` (imports), `checks`,
`reminders`, `refusals` (what may no longer sign), `renewal_request` (the PDF), and the staff
pages (`views`, at /admin/certificats/). Other code uses the functions below; they import
lazily, as this package is imported while the app registry loads (signature/models.py).
"""

from __future__ import annotations


def refusal(certificate) -> str | None:
    """Why a certificate may not sign (revoked or expired: which one and since when), or None.
    `certificate` is a registered `MemberCertificate`, a `cryptography` certificate or a PEM
    string (looked up in the register, else judged on its own dates)."""
    from cryptography import x509

    from . import refusals
    from .models import MemberCertificate

    if isinstance(certificate, MemberCertificate):
        return refusals.refusal(certificate)
    if isinstance(certificate, x509.Certificate):
        return refusals.refusal_for(certificate)
    return refusals.refusal_for_pem(certificate)


def import_file(*args, **kwargs):
    from .register import import_file as run

    return run(*args, **kwargs)


def import_token(*args, **kwargs):
    from .register import import_token as run

    return run(*args, **kwargs)


def read_parapheur_keys(*args, **kwargs):
    from .register import read_parapheur_keys as run

    return run(*args, **kwargs)


def check_certificate(*args, **kwargs):
    from .checks import check_certificate as run

    return run(*args, **kwargs)


def send_reminders(*args, **kwargs):
    from .reminders import send_reminders as run

    return run(*args, **kwargs)


__all__ = ["check_certificate", "import_file", "import_token", "read_parapheur_keys",
           "refusal", "send_reminders"]
