"""Refusing to sign a PES with a certificate that cannot: expired, not yet valid, revoked, or
issued by no authority the syndicate trusts, with one sentence that says which certificate
and since when.

The same validation as the parapheur's PAdES signing (`signature.sign`: pyHanko's certificate
validator, revocation hard-fail, the non-repudiation usage), with the dates in the sentence:
the revocation date comes from the CRL or OCSP answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from signature.errors import SignatureError

from .verify import run


def describe(certificate: x509.Certificate) -> str:
    """« de Sylvie Maire (n° 6f, émis par Autorité racine de test) »."""
    def cn(name: x509.Name) -> str:
        found = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(found[0].value) if found else name.rfc4514_string()

    return _("%(holder)s (n° de série %(serial)s, émis par %(issuer)s)") % {
        "holder": cn(certificate.subject), "serial": format(certificate.serial_number, "x"),
        "issuer": cn(certificate.issuer)}


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _day(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y")


async def _validate(certificate: x509.Certificate, chain: list[x509.Certificate],
                    roots: list[asn1_x509.Certificate]) -> None:
    context = ValidationContext(trust_roots=roots, allow_fetching=True,
                                revocation_mode="hard-fail",
                                other_certs=[_asn1(c) for c in chain])
    try:
        await CertificateValidator(_asn1(certificate), validation_context=context
                                   ).async_validate_usage({"non_repudiation"})
    finally:
        await context.aclose()


def check_can_sign(certificate: x509.Certificate, chain: list[x509.Certificate],
                   roots: list[asn1_x509.Certificate], now: datetime | None = None) -> None:
    """Raise a `SignatureError` saying which certificate cannot sign and since when."""
    now = now or datetime.now(UTC)
    who = describe(certificate)
    if certificate.not_valid_after_utc <= now:
        raise SignatureError(_("Le certificat de signature de %(who)s a expiré le %(date)s : "
                               "rien n'a été signé ; demandez-en un nouveau à votre DGS ou au "
                               "syndicat.") % {"who": who,
                                               "date": _day(certificate.not_valid_after_utc)})
    if certificate.not_valid_before_utc > now:
        raise SignatureError(_("Le certificat de signature de %(who)s n'est valide qu'à partir "
                               "du %(date)s : rien n'a été signé.")
                             % {"who": who, "date": _day(certificate.not_valid_before_utc)})
    if not roots:
        return
    try:
        run(_validate(certificate, chain, roots))
    except RevokedError as exc:
        raise SignatureError(_("Le certificat de signature de %(who)s est révoqué depuis le "
                               "%(date)s : rien n'a été signé ; demandez-en un nouveau à votre "
                               "DGS ou au syndicat.")
                             % {"who": who, "date": _day(exc.revocation_dt)}) from None
    except ExpiredError as exc:  # a certificate of its chain
        raise SignatureError(_("La chaîne du certificat de signature de %(who)s a expiré le "
                               "%(date)s : rien n'a été signé.")
                             % {"who": who, "date": _day(exc.expired_dt)}) from None
    except NotYetValidError:
        raise SignatureError(_("La chaîne du certificat de signature de %(who)s n'est pas "
                               "encore valide : rien n'a été signé.") % {"who": who}) from None
    except InsufficientRevinfoError:
        raise SignatureError(_("La révocation du certificat de signature de %(who)s ne peut pas "
                               "être vérifiée (sa liste de révocation ne répond pas) : rien "
                               "n'a été signé ; réessayez plus tard.") % {"who": who}) from None
    except InvalidCertificateError:
        raise SignatureError(_("Le certificat de %(who)s ne permet pas de signer des documents : "
                               "rien n'a été signé.") % {"who": who}) from None
    except (PathBuildingError, PathValidationError):  # no path, or one that does not hold
        raise SignatureError(_("Le certificat de signature de %(who)s n'est pas émis par une "
                               "autorité reconnue par le syndicat : rien n'a été signé.")
                             % {"who": who}) from None
