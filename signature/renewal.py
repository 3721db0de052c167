"""Renewal of archive timestamps, so that B-LTA signatures stay verifiable for decades.

A PAdES B-LTA signature is validated through its chain of document timestamps (ETSI EN
319 142-1, § 5.5; EN 319 102-1, § 5.6.3): each document timestamp proves that the file, the
signatures and the validation data before it existed at its time. That proof holds only while
the last timestamp itself can be validated, that is while its timestamp authority's
certificate (and the certificates above it) have not expired and its algorithms are still
strong. Before that happens, the last timestamp's own validation data (certificates, CRLs or
OCSP responses) is added to the document security store (DSS, with its VRI entry) and a new
document timestamp is laid over everything, in an incremental update: earlier signatures and
timestamps are untouched.

- `needs_renewal` says, without any network access, whether a PDF needs it: its last document
  timestamp's certificates expire within the horizon (or already have), its algorithms are
  weak, or a B-LT signature has no document timestamp over it yet;
- `renew` checks that the last timestamp is still intact and trusted, then adds its
  validation data and a new document timestamp (pyHanko's
  `PdfTimeStamper.async_update_archival_timestamp_chain`);
- `renew_documents` does it for the signed documents of the parapheur's finished folders:
  the renewed PDF is stored as a new file the document then points to, the previous file stays
  in storage, and the audit trail records both names and hashes. No model field is needed:
  the PDF itself says when its last timestamp was made, and the audit trail says when it was
  renewed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    PathBuildingError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.policy_decl import DEFAULT_WEAK_HASH_ALGOS

from .errors import SignatureError, causes
from .sign import TSA_TIMEOUT
from .verify import _dss, _level  # the levels must be judged as the verification report does

logger = logging.getLogger(__name__)

HORIZON_DAYS = 365
# Digests pyHanko no longer accepts (its default policy), and the smallest RSA modulus still
# accepted (ANSSI RGS B1). A timestamp that uses them is reported, but pyHanko then refuses
# to validate it, so it can no longer be renewed: renewal has to happen before an algorithm
# is withdrawn, which needs a policy of dates this module does not have yet.
WEAK_DIGESTS = DEFAULT_WEAK_HASH_ALGOS
MIN_RSA_BITS = 2048
RENEWED = "archive_timestamp_renewed"  # the audit trail's action


@dataclass(frozen=True)
class RenewalNeed:
    """Whether a PDF's archive timestamp must be renewed, and why (one sentence). True in a
    boolean context when it must."""

    needed: bool
    reason: str
    # When the last document timestamp stops being verifiable: the first expiry in its
    # authority's chain (None when there is no document timestamp).
    valid_until: datetime | None = None

    def __bool__(self) -> bool:
        return self.needed


def _cn(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


def _chain(cert: asn1_x509.Certificate, pool: Iterable[asn1_x509.Certificate]
           ) -> list[asn1_x509.Certificate]:
    """`cert` and the issuers found in `pool`, by name, up to a self-signed one."""
    by_subject: dict[bytes, asn1_x509.Certificate] = {}
    for candidate in pool:
        by_subject.setdefault(candidate.subject.dump(), candidate)
    chain = [cert]
    while len(chain) < 10 and chain[-1].self_signed == "no":
        issuer = by_subject.get(chain[-1].issuer.dump())
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
    return chain


def _weakness(ts: EmbeddedPdfSignature) -> str:
    imprint = ts.external_md_algorithm
    digest = ts.signer_info["digest_algorithm"]["algorithm"].native
    for name in (imprint, digest):
        if name in WEAK_DIGESTS:
            return f"uses the weak digest algorithm {name.upper()}"
    key = ts.signer_cert.public_key
    if key.algorithm == "rsa" and key.bit_size < MIN_RSA_BITS:
        return f"is signed with a {key.bit_size}-bit RSA key, now too short"
    return ""


def _read(pdf_bytes: bytes) -> tuple[PdfFileReader, list[EmbeddedPdfSignature]]:
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        return reader, list(reader.embedded_signatures)
    except Exception as exc:
        raise SignatureError(f"the file is not a readable PDF ({exc})") from None


def needs_renewal(pdf_bytes: bytes, trust_roots: Sequence[asn1_x509.Certificate],
                  horizon_days: int = HORIZON_DAYS, now: datetime | None = None) -> RenewalNeed:
    """Whether the PDF's archive timestamp must be renewed within `horizon_days` (offline).

    `trust_roots` complete the timestamp authority's chain when the file does not carry its
    root: the first certificate of the chain to expire sets the deadline."""
    now = now or datetime.now(UTC)
    reader, signatures = _read(pdf_bytes)
    regular = [s for s in signatures if s.sig_object_type != "/DocTimeStamp"]
    doc_timestamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    if not regular:
        return RenewalNeed(False, "no signature: nothing to keep verifiable")
    dss = _dss(reader)
    levels = [_level(s, reader, dss, doc_timestamps) for s in regular]
    uncovered = [s.field_name for s, level in zip(regular, levels, strict=True)
                 if level == "B-LT"]
    if not doc_timestamps:
        if uncovered:
            return RenewalNeed(True, f"signature {uncovered[0]} is B-LT and no archive "
                                     "timestamp covers it yet")
        return RenewalNeed(False, f"no archive timestamp to renew (level "
                                  f"{', '.join(sorted(set(levels)))})")
    last = doc_timestamps[-1]
    pool = [*last.other_embedded_certs, *(dss.load_certs() if dss else ()), *trust_roots]
    chain = _chain(last.signer_cert, pool)
    first = min(chain, key=lambda c: c.not_valid_after)
    until = first.not_valid_after
    when = last.self_reported_timestamp
    what = f"the archive timestamp {last.field_name}" + (f" of {when:%Y-%m-%d}" if when else "")
    weak = _weakness(last)
    if weak:
        return RenewalNeed(True, f"{what} {weak}", until)
    if until <= now:
        return RenewalNeed(True, f"{what} relies on the certificate {_cn(first)}, which "
                                 f"expired on {until:%Y-%m-%d}", until)
    if until - now <= timedelta(days=horizon_days):
        days = (until - now).days
        return RenewalNeed(True, f"{what} relies on the certificate {_cn(first)}, which "
                                 f"expires on {until:%Y-%m-%d} (in {days} days, within the "
                                 f"{horizon_days}-day horizon)", until)
    if uncovered:
        return RenewalNeed(True, f"signature {uncovered[0]} is B-LT and no archive timestamp "
                                 "covers it yet", until)
    return RenewalNeed(False, f"{what} stays verifiable until {until:%Y-%m-%d}", until)


# --------------------------------------------------------------------------- renewing

def validation_context(trust_roots: Sequence[asn1_x509.Certificate]) -> ValidationContext:
    """The context a renewal validates the last timestamp with and takes its validation data
    from: the trust anchors, fetching CRLs and OCSP responses, refusing what it cannot check
    (hard-fail)."""
    return ValidationContext(trust_roots=list(trust_roots), allow_fetching=True,
                             revocation_mode="hard-fail")


def _explain(exc: BaseException, tsa: str) -> str:
    seen = causes(exc)
    for cause in seen:
        if isinstance(cause, SignatureError):
            return str(cause)
        if isinstance(cause, TimestampRequestError):
            return f"the timestamp authority {tsa} did not answer"
        if isinstance(cause, RevokedError):
            return "the timestamp authority's certificate is revoked: renewal refused"
        if isinstance(cause, ExpiredError):
            return "the timestamp authority's certificate has expired: renewal refused"
        if isinstance(cause, InsufficientRevinfoError):
            return ("cannot check whether the timestamp authority's certificate is revoked "
                    "(its CRL or OCSP responder does not answer): renewal refused")
        if isinstance(cause, PathBuildingError):
            return ("the timestamp authority's certificate does not chain up to a trusted "
                    "root: renewal refused")
    root = seen[-1]
    detail = f"{type(root).__name__}: {root}" if str(root) else type(root).__name__
    return f"renewal failed ({detail})"


def _tsa_name(timestamper: TimeStamper) -> str:
    return str(getattr(timestamper, "url", "") or type(timestamper).__name__)


async def _check_renewable(reader: PdfFileReader, context: ValidationContext) -> None:
    """Refuse to stamp over what no longer holds: the last document timestamp must be intact,
    trusted and followed only by allowed changes; without one, the signatures must be intact.
    """
    timestamps = reader.embedded_timestamp_signatures
    if timestamps:
        last = timestamps[-1]
        status = await async_validate_pdf_timestamp(last, validation_context=context)
        if not (status.intact and status.valid):
            raise SignatureError(f"the archive timestamp {last.field_name} is broken (the "
                                 "file changed since): renewal refused")
        if status.modification_level == ModificationLevel.OTHER:
            raise SignatureError(f"the file was changed after the archive timestamp "
                                 f"{last.field_name} in ways a timestamp does not allow: "
                                 "renewal refused")
        if not status.trusted:
            cert = status.signing_cert
            problem = status.trust_problem_indic
            if cert is not None and cert.not_valid_after <= datetime.now(UTC):
                reason = "its authority's certificate has expired: it is too late to renew it"
            elif problem is not None and problem.name == "CRYPTO_CONSTRAINTS_FAILURE":
                reason = "its algorithms are no longer accepted: it is too late to renew it"
            else:
                reason = "it can no longer be validated" + (
                    f" ({problem.name})" if problem is not None else "")
            raise SignatureError(f"the archive timestamp {last.field_name} is not trusted: "
                                 f"{reason}")
        return
    signatures = reader.embedded_regular_signatures
    if not signatures:
        raise SignatureError("the document has no signature: nothing to keep verifiable")
    for sig in signatures:
        status = await async_validate_pdf_signature(sig, signer_validation_context=context)
        if not (status.intact and status.valid) or (
                status.modification_level == ModificationLevel.OTHER):
            raise SignatureError(f"signature {sig.field_name} is not intact: renewal refused")


async def async_renew(pdf_bytes: bytes, timestamper: TimeStamper,
                      context: ValidationContext) -> bytes:
    """`renew` within a running event loop (the context's network resources stay open)."""
    reader, _ = _read(pdf_bytes)
    try:
        # pyHanko validates the last timestamp too, but goes on when it is not trusted or was
        # followed by disallowed changes: check that first.
        await _check_renewable(reader, context)
        out = io.BytesIO()
        await PdfTimeStamper(timestamper).async_update_archival_timestamp_chain(
            reader, context, in_place=False, output=out)
    except Exception as exc:
        raise SignatureError(_explain(exc, _tsa_name(timestamper))) from exc
    return out.getvalue()


def renew(pdf_bytes: bytes, timestamper: TimeStamper, validation_context: ValidationContext
          ) -> bytes:
    """The PDF with the last document timestamp's validation data (DSS, VRI) and a new
    document timestamp appended in an incremental update; earlier revisions are unchanged.

    The last timestamp (or, without one, each signature) is validated first with
    `validation_context`: a broken, expired or revoked one is refused in one sentence. The
    context's network resources are released at the end, as pyHanko's synchronous calls do;
    it stays usable."""

    async def run() -> bytes:
        try:
            return await async_renew(pdf_bytes, timestamper, validation_context)
        finally:
            await validation_context.aclose()

    return asyncio.run(run())


def tsa_timestamper(url: str, user: str = "", password: str = "",
                    session: LazySession | None = None) -> HTTPTimeStamper:
    """The installation's timestamp authority (RFC 3161 over HTTP)."""
    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT, auth=(user, password) if user else None,
                           session=session)


async def _renew_all(items: Sequence[bytes], tsa: dict, roots: list,
                     concurrency: int) -> list[bytes | SignatureError]:
    """Renew each PDF with one TSA client and one validation context (CRLs fetched once)."""
    http = LazySession()
    timestamper = tsa_timestamper(session=http, **tsa)
    context = validation_context(roots)
    gate = asyncio.Semaphore(concurrency)

    async def one(data: bytes) -> bytes | SignatureError:
        async with gate:
            try:
                return await async_renew(data, timestamper, context)
            except SignatureError as exc:
                return exc

    try:
        return list(await asyncio.gather(*(one(data) for data in items)))
    finally:
        await http.close()
        await context.aclose()


# --------------------------------------------------------------------------- the parapheur

@dataclass
class DocumentRenewal:
    """What happened to one document that needed renewal."""

    document_id: int
    folder_reference: str
    name: str
    need: RenewalNeed
    status: str  # "renewed", "would_renew" (dry run) or "failed"
    error: str = ""
    file: str = ""  # the new file (renewed) or the current one
    previous_file: str = ""
    valid_until: datetime | None = None  # of the new archive timestamp


@dataclass
class RenewalRun:
    checked: int = 0
    items: list[DocumentRenewal] = field(default_factory=list)

    @property
    def failed(self) -> list[DocumentRenewal]:
        return [i for i in self.items if i.status == "failed"]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _store_new_version(doc, data: bytes) -> str:
    """Save `data` as a new file of `doc` (never over the current one) and point to it."""
    storage, current = doc.file.storage, doc.file.name
    target = doc.file.field.generate_filename(doc, doc.name)
    name = storage.get_available_name(target, max_length=doc.file.field.max_length)
    if name == current:  # a storage that overwrites would lose the previous version
        raise SignatureError(f"the storage would overwrite {current}: renewal refused")
    from django.core.files.base import ContentFile

    doc.file.name = storage.save(name, ContentFile(data), max_length=doc.file.field.max_length)
    return doc.file.name


def renew_documents(horizon_days: int = HORIZON_DAYS, dry_run: bool = False,
                    now: datetime | None = None, batch: int = 50,
                    concurrency: int = 8) -> RenewalRun:
    """Check the main documents of every finished folder, and renew the archive timestamps
    that need it (see the module's docstring). A document that fails is reported and left
    as it was; the others go on."""
    from django.db import transaction

    from mutualis import conf

    from . import audit
    from .models import Document, Folder
    from .pki.embedded import tsa_url
    from .pki.keys import configured_trust_roots

    roots = configured_trust_roots()
    tsa = {"url": tsa_url(),
           "user": conf.MUTUALIS_TSA_USER or "",
           "password": conf.MUTUALIS_TSA_PASSWORD or ""}
    if not dry_run and not tsa["url"]:
        raise SignatureError("renewing archive timestamps needs a timestamp authority: set "
                             "MUTUALIS_TSA_URL")
    if not dry_run and not roots:
        raise SignatureError("renewing archive timestamps needs the trust anchors of the "
                             "timestamp authorities: set MUTUALIS_SIGNATURE_TRUST_ROOTS")
    now = now or datetime.now(UTC)
    run = RenewalRun()
    ids = list(Document.objects.filter(folder__status=Folder.DONE, kind=Document.MAIN)
               .order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        docs = (Document.objects.filter(pk__in=ids[start:start + batch])
                .select_related("folder__member").order_by("pk"))
        pending: list[tuple[Document, bytes, DocumentRenewal]] = []
        for doc in docs:
            run.checked += 1
            item = DocumentRenewal(doc.pk, doc.folder.reference, doc.name,
                                   RenewalNeed(False, ""), "failed", file=doc.file.name)
            try:
                with doc.file.open("rb") as f:
                    data = f.read()
                item.need = needs_renewal(data, roots, horizon_days, now)
            except OSError as exc:
                item.error = f"cannot read {doc.file.name} ({exc.strerror or exc})"
                run.items.append(item)
                continue
            except SignatureError as exc:
                item.error = str(exc)
                run.items.append(item)
                continue
            if not item.need:
                continue
            run.items.append(item)
            if dry_run:
                item.status = "would_renew"
            else:
                pending.append((doc, data, item))
        if not pending:
            continue
        results = asyncio.run(_renew_all([data for _, data, _ in pending], tsa, roots,
                                         concurrency))
        for (doc, _data, item), result in zip(pending, results, strict=True):
            if isinstance(result, SignatureError):
                item.error = str(result)
                continue
            after = needs_renewal(result, roots, horizon_days, now)
            if after:
                # Renewing with an authority whose own certificate expires within the horizon
                # would have to be done again at every run: keep the file as it is.
                item.error = (f"the new timestamp would not last either ({after.reason}): use "
                              "a timestamp authority with a newer certificate")
                continue
            try:
                with transaction.atomic():
                    before, previous = doc.sha256, doc.file.name
                    item.file = _store_new_version(doc, result)
                    doc.sha256 = _sha256(result)
                    doc.save(update_fields=["file", "sha256"])
                    audit.record(doc.folder.member, RENEWED, "system", doc.folder,
                                 document=doc.name, reason=item.need.reason, before=before,
                                 after=doc.sha256, previous_file=previous, file=item.file,
                                 valid_until=after.valid_until)
            except (OSError, SignatureError) as exc:
                item.error = f"cannot store the renewed file ({exc})"
                continue
            item.status, item.previous_file, item.valid_until = (
                "renewed", previous, after.valid_until)
            logger.info("renewed the archive timestamp of %s %s", item.folder_reference,
                        item.name)
    return run


__all__ = ["HORIZON_DAYS", "DocumentRenewal", "RenewalNeed", "RenewalRun", "async_renew",
           "needs_renewal", "renew", "renew_documents", "tsa_timestamper",
           "validation_context"]
