"""Whether a certificate can sign, checked when a key is installed: a certificate that could
not sign is refused then, with one sentence, rather than at the official's first signature."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from ..errors import SignatureError

PERSONAL_USAGE, SEAL_USAGE = "non_repudiation", "digital_signature"


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def check_signing_certificate(certificate: x509.Certificate,
                              chain: Sequence[x509.Certificate], usage: str,
                              trust_roots: Sequence[asn1_x509.Certificate] = (),
                              now: datetime | None = None) -> None:
    """Refuse a certificate that is expired or not yet valid, that is an authority's, whose key
    usage does not allow `usage` (non-repudiation for a person, digital signature for a
    seal), or, when trust roots are given, that no trusted authority issued."""
    now = now or datetime.now(UTC)
    if certificate.not_valid_after_utc <= now:
        raise SignatureError(_("Ce certificat a expiré le %(date)s : il ne peut plus signer ; "
                               "demandez-en un nouveau à l'autorité qui l'a émis.")
                             % {"date": certificate.not_valid_after_utc.strftime("%d/%m/%Y")})
    if certificate.not_valid_before_utc > now:
        raise SignatureError(_("Ce certificat ne sera valide qu'à partir du %(date)s : "
                               "installez-le ce jour-là.")
                             % {"date": certificate.not_valid_before_utc.strftime("%d/%m/%Y")})
    key_usage = _key_usage(certificate)
    allowed = key_usage is not None and (
        key_usage.content_commitment if usage == PERSONAL_USAGE else key_usage.digital_signature)
    if _is_ca(certificate) or not allowed:
        raise SignatureError(_("Ce certificat n'est pas un certificat de signature (son usage "
                               "ne permet pas de signer des documents) : demandez un "
                               "certificat de signature à l'autorité qui l'a émis."))
    if not trust_roots:
        return
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,
                                revocation_mode="soft-fail")
    validator = CertificateValidator(_asn1(certificate),
                                     intermediate_certs=[_asn1(c) for c in chain],
                                     validation_context=context)
    try:
        asyncio.run(validator.async_validate_path())
    except (PathBuildingError, PathValidationError):
        raise SignatureError(_("Ce certificat n'est pas émis par une autorité de "
                               "certification reconnue par le syndicat : il ne pourrait pas "
                               "signer.")) from None
