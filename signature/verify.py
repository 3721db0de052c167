"""Verification of a PDF's signatures: one report per signature and per document timestamp.

Per signature: whether it is intact (the signed bytes are unchanged, the cryptography holds,
and what was added after it is allowed), whether it is trusted (its certificate chains up to a
trust anchor and is not revoked), who signed, when (the timestamp's time when there is one),
the PAdES level it reaches, and what it covers. Revocation data embedded in the document (its
DSS) is used first; `online=True` also fetches CRLs and OCSP responses. A B-LTA signature is
also validated through its document timestamp chain (ETSI EN 319 102-1, § 5.6.3) with the
embedded data only, so that it stays trusted after its certificate expires.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from .errors import SignatureError

logger = logging.getLogger(__name__)

COVERAGE_LABELS = {
    "entire_file": "tout le fichier",
    "entire_revision": "la version signée du fichier",
    "contiguous_block_from_start": "le début du fichier seulement",
    "unclear": "une partie indéterminée du fichier",
}
MODIFICATION_LABELS = {
    "none": "aucune modification depuis",
    "lta_updates": "ajouts de données de validation et d'horodatages depuis",
    "form_filling": "remplissage de formulaire ou signatures depuis",
    "annotations": "annotations ajoutées depuis",
    "other": "modifications non autorisées depuis",
}


@dataclass
class SignatureReport:
    """What a person (or a program, through `as_json`) learns about one signature."""

    field: str
    kind: str  # "signature" or "timestamp" (a document timestamp)
    intact: bool
    trusted: bool
    signer: str
    signer_subject: str
    issuer: str
    signing_time: datetime | None
    time_source: str  # "timestamp", "signer" (the signer's own clock) or ""
    level: str  # B-B, B-T, B-LT, B-LTA; "PKCS#7" for a non-PAdES signature; "" for timestamps
    coverage: str
    modifications: str
    reason: str = ""
    location: str = ""
    revision: int = 0
    lta_validated: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted

    def as_json(self) -> dict:
        data = asdict(self)
        data["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        return data

    def coverage_label(self) -> str:
        text = COVERAGE_LABELS.get(self.coverage, self.coverage)
        if self.coverage == "entire_revision" and self.modifications:
            text += f" ({MODIFICATION_LABELS.get(self.modifications, self.modifications)})"
        return text


# Why a signer's certificate is not trusted (pyHanko's AdES indications), as a person reads it.
UNTRUSTED = {
    "NO_CERTIFICATE_CHAIN_FOUND": gettext_lazy("le certificat du signataire n'est pas émis par une "
                                    "autorité reconnue par le syndicat"),
    "REVOKED_NO_POE": gettext_lazy("le certificat du signataire est révoqué"),
    "REVOKED_CA_NO_POE": gettext_lazy("le certificat de l'autorité du signataire est révoqué"),
    "EXPIRED": gettext_lazy("le certificat du signataire avait expiré"),
    "OUT_OF_BOUNDS_NO_POE": gettext_lazy("le certificat du signataire avait expiré"),
    "OUT_OF_BOUNDS_NOT_REVOKED": gettext_lazy("le certificat du signataire avait expiré"),
    "NOT_YET_VALID": gettext_lazy("le certificat du signataire n'était pas encore valide"),
    "TRY_LATER": gettext_lazy("la révocation du certificat du signataire n'a pas pu être vérifiée"),
}


def _untrusted(indication) -> str:
    found = UNTRUSTED.get(getattr(indication, "name", ""))
    return str(found) if found else _("le certificat du signataire n'est pas reconnu comme "
                                      "fiable")


def _enum_name(value) -> str:
    return value.name.lower() if value is not None else ""


def _cn(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return ""
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


def _text(sig: EmbeddedPdfSignature, key: str) -> str:
    value = sig.sig_object.get(key)
    return str(value) if value is not None else ""


def _revision_of(reader: PdfFileReader, key: str) -> int | None:
    """The revision that last changed the catalogue entry `key` (None when absent)."""
    raw = reader.root.raw_get(key) if key in reader.root else None
    if raw is None:
        return None
    if isinstance(raw, generic.IndirectObject):
        return reader.xrefs.get_last_change(raw.reference)
    return reader.xrefs.get_last_change(reader.root_ref.reference)


def _dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _has_signature_timestamp(sig: EmbeddedPdfSignature) -> bool:
    unsigned = sig.signer_info["unsigned_attrs"]
    if not unsigned:
        return False
    return any(a["type"].native == "signature_time_stamp_token" for a in unsigned)


def _level(sig: EmbeddedPdfSignature, reader: PdfFileReader,
           dss: DocumentSecurityStore | None, doc_timestamps: list[EmbeddedPdfSignature]) -> str:
    if _text(sig, "/SubFilter") != "/ETSI.CAdES.detached":
        return "PKCS#7"
    if not _has_signature_timestamp(sig):
        return "B-B"
    dss_revision = _revision_of(reader, "/DSS")
    if (dss is None or not (dss.crls or dss.ocsps) or dss_revision is None
            or dss_revision < sig.signed_revision):
        return "B-T"
    if any(ts.signed_revision > sig.signed_revision for ts in doc_timestamps):
        return "B-LTA"
    return "B-LT"


def _lta_spec(roots: list[asn1_x509.Certificate]) -> PdfSignatureValidationSpec:
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("hard-fail"))),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))


async def _verify(data: bytes, roots: list[asn1_x509.Certificate],
                  online: bool) -> list[SignatureReport]:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        logger.info("not a readable PDF: %s", exc)
        raise SignatureError(_("Ce fichier n'est pas un PDF lisible.")) from None
    dss = _dss(reader)
    doc_timestamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    kwargs = {"trust_roots": roots, "allow_fetching": online, "revocation_mode": "soft-fail"}
    reports = []
    for sig in signatures:
        context = (dss.as_validation_context(kwargs) if dss is not None
                   else ValidationContext(**kwargs))
        try:
            reports.append(await _report(sig, reader, dss, doc_timestamps, context, roots))
        except Exception as exc:  # a signature pyHanko cannot even parse is a broken one
            logger.info("signature %s could not be validated: %r", sig.field_name, exc)
            reports.append(SignatureReport(
                field=sig.field_name, kind="signature", intact=False, trusted=False, signer="",
                signer_subject="", issuer="", signing_time=None, time_source="", level="",
                coverage="", modifications="", problems=[_("signature illisible")]))
        finally:
            await context.aclose()
    return reports


async def _report(sig: EmbeddedPdfSignature, reader: PdfFileReader,
                  dss: DocumentSecurityStore | None, doc_timestamps: list,
                  context: ValidationContext, roots: list) -> SignatureReport:
    problems: list[str] = []
    if sig.sig_object_type == "/DocTimeStamp":
        ts_status = await async_validate_pdf_timestamp(sig, validation_context=context)
        intact = ts_status.intact and ts_status.valid
        return SignatureReport(
            field=sig.field_name, kind="timestamp", intact=intact, trusted=ts_status.trusted,
            signer=_cn(ts_status.signing_cert), signer_subject=ts_status.signing_cert.subject
            .human_friendly, issuer=ts_status.signing_cert.issuer.human_friendly,
            signing_time=ts_status.timestamp, time_source="timestamp", level="",
            coverage=_enum_name(ts_status.coverage),
            modifications=_enum_name(ts_status.modification_level),
            revision=sig.signed_revision,
            problems=[] if intact and ts_status.trusted else [_("horodatage non valide")])
    status = await async_validate_pdf_signature(sig, signer_validation_context=context)
    level = _level(sig, reader, dss, doc_timestamps)
    intact = bool(status.intact and status.valid)
    if not status.intact:
        problems.append(_("le contenu signé a été modifié"))
    elif not status.valid:
        problems.append(_("la signature cryptographique est invalide"))
    modifications = _enum_name(status.modification_level)
    if modifications == "other" or status.docmdp_ok is False:
        intact = False
        problems.append(_("des modifications non autorisées ont été faites après la "
                          "signature"))
    trusted = bool(status.trusted)
    lta = False
    if level == "B-LTA" and roots:
        result = await ades_lta_validation(sig, _lta_spec(roots))
        lta = result.ades_subindic.status.name == "PASSED"
        trusted = trusted or (lta and intact)
    if not trusted:
        problems.append(_untrusted(status.trust_problem_indic))
    ts = status.timestamp_validity
    when, source = ((ts.timestamp, "timestamp") if ts is not None
                    else (status.signer_reported_dt, "signer" if status.signer_reported_dt
                          else ""))
    cert = status.signing_cert
    return SignatureReport(
        field=sig.field_name, kind="signature", intact=intact, trusted=trusted,
        signer=_cn(cert), signer_subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly, signing_time=when, time_source=source, level=level,
        coverage=_enum_name(status.coverage), modifications=modifications,
        reason=_text(sig, "/Reason"), location=_text(sig, "/Location"),
        revision=sig.signed_revision, lta_validated=lta, problems=problems)


def verify_pdf(data: bytes, trust_roots: list[asn1_x509.Certificate],
               online: bool = True) -> list[SignatureReport]:
    """A report per signature and document timestamp, in the order they were applied."""
    return asyncio.run(_verify(data, list(trust_roots), online))


def all_ok(reports: list[SignatureReport]) -> bool:
    return bool(reports) and all(r.ok for r in reports)


__all__ = ["SignatureReport", "all_ok", "verify_pdf"]
