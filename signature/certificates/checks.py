"""Checking a registered certificate with pyHanko's certificate validator: its chain up to the
installation's trust anchors (MUTUALIS_SIGNATURE_TRUST_ROOTS), its revocation (the CRLs and
OCSP responders its certificate names, fetched; hard-fail: a revocation that cannot be checked
is not taken as valid), its key usage for its kind, and its certification policy
(MUTUALIS_CERTIFICATE_POLICIES, per kind, when the syndicate sets it). Each check is stored
with the date it was made; the certificate keeps the last one."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
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
from pyhanko_certvalidator.policy_decl import PKIXValidationParams

from mutualis import conf

from ..errors import SignatureError, causes
from ..pki.keys import configured_trust_roots
from .models import (
    EXPIRED,
    INVALID,
    NOT_YET_VALID,
    POLICY,
    REVOKED,
    RGS_AUTH,
    SEAL,
    UNTRUSTED,
    UNVERIFIABLE,
    VALID,
    CertificateCheck,
    MemberCertificate,
)

logger = logging.getLogger(__name__)
# What each kind of certificate must allow (RGS authentication: digital signature of the TLS
# handshake; an official's signature: non-repudiation; a seal: digital signature).
USAGES = {RGS_AUTH: {"digital_signature"}, SEAL: {"digital_signature"}}
DEFAULT_USAGE = {"non_repudiation"}


def reason_label(reason: str | None) -> str:
    """A revocation reason (RFC 5280 CRLReason), in French."""
    return str({
        "key_compromise": _("compromission de la clé"),
        "ca_compromise": _("compromission de l'autorité"),
        "affiliation_changed": _("changement d'affiliation"),
        "superseded": _("remplacé"), "cessation_of_operation": _("cessation d'activité"),
        "certificate_hold": _("suspendu"), "privilege_withdrawn": _("privilège retiré"),
        "aa_compromise": _("compromission de l'autorité d'attribut"),
    }.get(reason or "", _("non précisé")))


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def expected_policies(kind: str) -> list[str]:
    return list((conf.MUTUALIS_CERTIFICATE_POLICIES or {}).get(kind, ()))


def _date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def _chain(record: MemberCertificate) -> list[asn1_x509.Certificate]:
    if not record.chain:
        return []
    return [_asn1(c) for c in x509.load_pem_x509_certificates(record.chain.encode())]


async def _validate(record: MemberCertificate, chain: list[asn1_x509.Certificate],
                    context: ValidationContext) -> tuple[str, str, datetime | None]:
    certificate = x509.load_pem_x509_certificate(record.certificate.encode())
    policies = expected_policies(record.kind)
    params = (PKIXValidationParams(user_initial_policy_set=frozenset(policies),
                                   initial_explicit_policy=True) if policies else None)
    validator = CertificateValidator(_asn1(certificate), intermediate_certs=chain,
                                     validation_context=context, pkix_params=params)
    try:
        await validator.async_validate_usage(USAGES.get(record.kind, DEFAULT_USAGE))
    except Exception as exc:  # mapped below, cause by cause
        return _explain(exc, record, policies)
    return VALID, _("Chaîne, révocation et usage vérifiés."), None


async def _validate_all(records: list[MemberCertificate], roots, now: datetime) -> dict:
    """One validation context for the batch: each CRL and OCSP answer is fetched once."""
    chains = {r.pk: _chain(r) for r in records}
    context = ValidationContext(trust_roots=roots, allow_fetching=True,
                                revocation_mode="hard-fail", moment=now,
                                other_certs=[c for chain in chains.values() for c in chain])
    try:
        return {r.pk: await _validate(r, chains[r.pk], context) for r in records}
    finally:
        await context.aclose()


def _explain(exc: BaseException, record: MemberCertificate,
             policies: list[str]) -> tuple[str, str, datetime | None]:
    for cause in causes(exc):
        if isinstance(cause, RevokedError):
            when = cause.revocation_dt
            return REVOKED, _("Révoqué le %(date)s (motif : %(reason)s).") % {
                "date": _date(when), "reason": reason_label(cause.reason.native)}, when
        if isinstance(cause, ExpiredError):
            return EXPIRED, _("Expiré le %(date)s.") % {"date": _date(record.not_after)}, None
        if isinstance(cause, NotYetValidError):
            return NOT_YET_VALID, _("Valide seulement à partir du %(date)s.") % {
                "date": _date(record.not_before)}, None
        if isinstance(cause, InsufficientRevinfoError):
            return UNVERIFIABLE, _("La liste de révocation ou le répondeur OCSP de l'autorité "
                                   "ne répond pas : la révocation n'a pas pu être vérifiée."), None
        if isinstance(cause, PathBuildingError):
            return UNTRUSTED, _("Ce certificat n'est pas émis par une autorité de certification "
                                "reconnue par le syndicat."), None
        if isinstance(cause, InvalidCertificateError):
            return INVALID, _("L'usage de la clé de ce certificat ne convient pas à sa nature "
                              "(%(kind)s).") % {"kind": record.get_kind_display()}, None
        if isinstance(cause, PathValidationError) and policies:
            return POLICY, _policy_sentence(record, policies), None
    logger.warning("certificate %s: unexpected validation error", record.pk, exc_info=exc)
    return UNVERIFIABLE, _("La vérification n'a pas abouti (erreur inattendue, détaillée dans "
                           "le journal du serveur)."), None


def _policy_sentence(record: MemberCertificate, policies: list[str]) -> str:
    return _("Politique de certification attendue : %(expected)s ; ce certificat porte : "
             "%(found)s.") % {"expected": ", ".join(policies),
                              "found": ", ".join(record.policy_oids) or _("aucune")}


def _precheck(record: MemberCertificate, now: datetime):
    """What needs no authority: an expired certificate, a policy it does not carry."""
    policies = expected_policies(record.kind)
    if record.not_after <= now:
        return EXPIRED, _("Expiré le %(date)s.") % {"date": _date(record.not_after)}, None
    if policies and not set(policies) & set(record.policy_oids):
        return POLICY, _policy_sentence(record, policies), None
    return None


def _store(record: MemberCertificate, result, now: datetime) -> CertificateCheck:
    status, detail, revoked = result
    with transaction.atomic():
        check = CertificateCheck.objects.create(certificate=record, checked_at=now,
                                                status=status, detail=detail,
                                                revoked_at=revoked)
        record.status, record.status_detail, record.checked_at = status, detail, now
        if revoked is not None:
            record.revoked_at = revoked
        record.save(update_fields=["status", "status_detail", "checked_at", "revoked_at"])
    return check


def check_certificates(records: list[MemberCertificate], now: datetime | None = None
                       ) -> list[CertificateCheck]:
    """Validate the certificates now (or at `now`), store each result and return them."""
    now = now or timezone.now()
    results = {}
    pending = []
    for record in records:
        found = _precheck(record, now)
        if found is None:
            pending.append(record)
        else:
            results[record.pk] = found
    if pending:
        try:
            roots = configured_trust_roots()
        except SignatureError as exc:  # unreadable trust anchors
            roots, problem = [], str(exc)
        else:
            problem = _("Aucune autorité de confiance n'est configurée sur ce serveur "
                        "(MUTUALIS_SIGNATURE_TRUST_ROOTS) : la chaîne ne peut pas être "
                        "vérifiée.")
        if roots:
            results.update(asyncio.run(_validate_all(pending, roots, now)))
        else:
            results.update({r.pk: (UNTRUSTED, problem, None) for r in pending})
    return [_store(record, results[record.pk], now) for record in records]


def check_certificate(record: MemberCertificate, now: datetime | None = None
                      ) -> CertificateCheck:
    """Validate one certificate (see `check_certificates`)."""
    return check_certificates([record], now)[0]
