"""Whether a certificate may still sign: one that is revoked (as its last check found) or
expired is refused with a sentence that names it and says since when. The parapheur asks
before opening a key (`workflow.signing_keys.signer_for`); the PES signer asks the same."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from django.utils import timezone
from django.utils.translation import gettext as _

from . import reading
from .models import REVOKED, MemberCertificate


def _date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def _named(holder: str, serial: str, issuer: str) -> str:
    return _("Le certificat de %(holder)s (numéro de série %(serial)s, émis par %(issuer)s)") % {
        "holder": holder, "serial": serial, "issuer": issuer}


def _sentence(name: str, revoked_at: datetime | None, not_after: datetime,
              not_before: datetime, now: datetime) -> str | None:
    if revoked_at is not None:
        return _("%(name)s est révoqué depuis le %(date)s : il ne peut plus signer ; demandez-en "
                 "un nouveau à l'autorité de certification.") % {
            "name": name, "date": _date(revoked_at)}
    if not_after <= now:
        return _("%(name)s a expiré le %(date)s : il ne peut plus signer ; demandez-en un "
                 "nouveau à l'autorité de certification.") % {
            "name": name, "date": _date(not_after)}
    if not_before > now:
        return _("%(name)s ne sera valide qu'à partir du %(date)s : il ne peut pas encore "
                 "signer.") % {"name": name, "date": _date(not_before)}
    return None


def refusal(certificate: MemberCertificate, now: datetime | None = None) -> str | None:
    """Why this registered certificate may not sign, or None when it may."""
    now = now or timezone.now()
    revoked = certificate.revoked_at if certificate.status == REVOKED else None
    if revoked is None and certificate.status == REVOKED:
        revoked = certificate.checked_at
    return _sentence(_named(certificate.holder_name, certificate.serial,
                            certificate.issuer_name), revoked, certificate.not_after,
                     certificate.not_before, now)


def refusal_for(certificate: x509.Certificate, now: datetime | None = None) -> str | None:
    """The same for any certificate: the register's word when it is registered, else its own
    dates."""
    record = MemberCertificate.objects.filter(sha256=reading.fingerprint(certificate)).first()
    if record is not None:
        return refusal(record, now)
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    issuer = certificate.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    name = _named(str(names[0].value) if names else certificate.subject.rfc4514_string(),
                  format(certificate.serial_number, "x"),
                  str(issuer[0].value) if issuer else certificate.issuer.rfc4514_string())
    return _sentence(name, None, certificate.not_valid_after_utc,
                     certificate.not_valid_before_utc, now or timezone.now())


def refusal_for_pem(pem: str, now: datetime | None = None) -> str | None:
    return refusal_for(x509.load_pem_x509_certificate(pem.encode()), now)
