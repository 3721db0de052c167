"""PAdES signatures with pyHanko: B-B, and B-T, B-LT, B-LTA with a timestamp authority.

- B-B: a CAdES-detached signature (ETSI.CAdES.detached) with the signing certificate
  attribute;
- B-T: plus a signature timestamp from the TSA (RFC 3161);
- B-LT: plus the validation data (certificates, CRLs or OCSP responses of the signer's and
  the TSA's chains) in the document security store (DSS);
- B-LTA: plus a document timestamp covering all of it.

Before signing, when trust anchors are known (the installation's, or the root that comes with
the signer's chain), the signer's certificate is validated with revocation checking: an
expired, revoked or unverifiable certificate is refused, with one sentence saying why.

A `SigningSession` signs many documents with one key: the key is loaded once, the TSA client,
its certificate's validation data and the signer's CRL are fetched once, and the documents'
timestamp requests overlap on one event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

from . import stamp as stamps
from .errors import SignatureError, causes
from .pki.keys import chain_roots

logger = logging.getLogger(__name__)
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
TSA_TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class SigningOptions:
    """How to sign: the PAdES level, the TSA, what the signature says, whom to trust."""

    level: str = "B-B"
    tsa_url: str = ""
    reason: str = ""
    location: str = ""
    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    # Key usages the signer's certificate must allow: non-repudiation for a person, digital
    # signature for a member's seal.
    key_usage: frozenset[str] = field(default_factory=lambda: frozenset({"non_repudiation"}))
    check_certificate: bool = True

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise SignatureError(_("Le niveau de signature « %(level)s » est inconnu : "
                                   "choisissez %(levels)s.")
                                 % {"level": self.level, "levels": ", ".join(LEVELS)})
        if self.level != "B-B" and not self.tsa_url:
            raise SignatureError(_("Le niveau %(level)s demande une autorité d'horodatage "
                                   "(son adresse, MUTUALIS_TSA_URL).") % {"level": self.level})


def signer_name(signer: signers.Signer) -> str:
    cert = signer.signing_cert
    if cert is None:
        return _("le signataire")
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


def _explain(exc: BaseException, who: str, tsa_url: str) -> str:
    """One French sentence for what went wrong, from the innermost cause that says something;
    an unexpected cause is logged for the operators, never shown."""
    seen = causes(exc)
    for cause in seen:
        if isinstance(cause, RevokedError):
            return _("Le certificat du signataire (%(who)s) est révoqué : la signature est "
                     "refusée.") % {"who": who}
        if isinstance(cause, ExpiredError):
            return _("Le certificat du signataire (%(who)s) a expiré : la signature est "
                     "refusée ; demandez-en un nouveau à votre DGS ou au syndicat.") % {
                "who": who}
        if isinstance(cause, NotYetValidError):
            return _("Le certificat du signataire (%(who)s) n'est pas encore valide : la "
                     "signature est refusée.") % {"who": who}
        if isinstance(cause, InsufficientRevinfoError):
            return _("La révocation du certificat du signataire (%(who)s) ne peut pas être "
                     "vérifiée (sa liste de révocation ou son répondeur OCSP ne répond pas) : "
                     "la signature est refusée.") % {"who": who}
        if isinstance(cause, PathBuildingError):
            return _("Le certificat du signataire (%(who)s) n'est pas émis par une autorité de "
                     "certification reconnue par le syndicat : la signature est refusée.") % {
                "who": who}
        if isinstance(cause, InvalidCertificateError):
            return _("Le certificat du signataire (%(who)s) ne permet pas de signer des "
                     "documents : la signature est refusée.") % {"who": who}
        if isinstance(cause, TimestampRequestError):
            return _("L'autorité d'horodatage %(url)s n'a pas répondu : rien n'a été signé ; "
                     "réessayez dans quelques minutes.") % {"url": tsa_url}
        if isinstance(cause, PdfError):
            return _("Le document n'est pas un PDF qui puisse être signé.")
    logger.error("signing failed", exc_info=exc)
    return _("La signature n'a pas abouti à cause d'une erreur inattendue : rien n'a été signé ; "
             "le syndicat en trouvera le détail dans le journal du serveur.")


class SigningSession:
    """One signer for many documents (see the module's docstring)."""

    def __init__(self, signer: signers.Signer, options: SigningOptions):
        self.signer = signer
        self.options = options
        self.who = signer_name(signer)
        self.trust_roots = list(options.trust_roots) or chain_roots(signer)
        if options.level in ("B-LT", "B-LTA") and not self.trust_roots:
            raise SignatureError(_("Le niveau %(level)s demande le certificat racine de la "
                                   "chaîne du signataire (%(who)s), comme ancre de confiance.")
                                 % {"level": options.level, "who": self.who})

    def sign(self, data: bytes, text: stamps.StampText | None = None) -> bytes:
        return self.sign_many([(data, text)])[0]

    def sign_many(self, documents: Sequence[tuple[bytes, stamps.StampText | None]],
                  concurrency: int = 8) -> list[bytes]:
        """Sign each (PDF, stamp text) pair; all or nothing: the first failure raises."""
        return asyncio.run(self._sign_all(documents, concurrency))

    async def _sign_all(self, documents, concurrency: int) -> list[bytes]:
        context = self._validation_context()
        http = LazySession()
        timestamper = (HTTPTimeStamper(self.options.tsa_url, timeout=TSA_TIMEOUT, session=http)
                       if self.options.level != "B-B" else None)
        # B-LT and B-LTA embed the validation data the context gathers: every document needs
        # it. Below, the signer's certificate is validated once for the whole batch.
        per_document = context if self.options.level in ("B-LT", "B-LTA") else None
        gate = asyncio.Semaphore(concurrency)
        reserved: list[int] = []

        async def one(data: bytes, text: stamps.StampText | None) -> bytes:
            async with gate:
                signed = await self._sign_one(data, text, per_document, timestamper,
                                              reserved[0] if reserved else None)
            if not reserved:
                reserved.append(_reserved_size(signed))
            return signed

        try:
            if context is not None:
                await self._check_signer(context)
            if not documents:
                return []
            # The first document measures the room its signature needs; the others reuse it
            # instead of each making a trial signature.
            first = await one(*documents[0])
            async with asyncio.TaskGroup() as group:  # the first failure cancels the others
                rest = [group.create_task(one(d, t)) for d, t in documents[1:]]
            return [first, *(task.result() for task in rest)]
        except SignatureError:
            raise
        except ExceptionGroup as group:
            exc = group.exceptions[0]
            if isinstance(exc, SignatureError):
                raise exc from None
            raise SignatureError(_explain(exc, self.who, self.options.tsa_url)) from exc
        except Exception as exc:
            raise SignatureError(_explain(exc, self.who, self.options.tsa_url)) from exc
        finally:
            await http.close()
            if context is not None:
                await context.aclose()

    async def _check_signer(self, context: ValidationContext) -> None:
        validator = CertificateValidator(self.signer.signing_cert,
                                         intermediate_certs=list(self.signer.cert_registry or ()),
                                         validation_context=context)
        await validator.async_validate_usage(set(self.options.key_usage))

    def _validation_context(self) -> ValidationContext | None:
        if not (self.options.check_certificate and self.trust_roots):
            return None
        return ValidationContext(trust_roots=self.trust_roots, allow_fetching=True,
                                 revocation_mode="hard-fail",
                                 other_certs=list(self.signer.cert_registry or ()))

    async def _sign_one(self, data: bytes, text: stamps.StampText | None,
                        context: ValidationContext | None, timestamper,
                        reserved: int | None) -> bytes:
        level = self.options.level
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        except (PdfError, ValueError) as exc:
            logger.info("not a PDF that can be signed: %s", exc)
            raise SignatureError(_("Le document n'est pas un PDF qui puisse être signé.")) from None
        existing = [name for name, _, _ in fields.enumerate_sig_fields(writer)]
        index = sum(1 for _ in writer.prev.embedded_regular_signatures)
        name = next(f"Signature{n}" for n in range(index + 1, index + 1000)
                    if f"Signature{n}" not in existing)
        field_spec = None
        if text is not None:
            page, box = stamps.place(writer.prev, index)
            field_spec = fields.SigFieldSpec(name, box=box, on_page=page)
        meta = signers.PdfSignatureMetadata(
            field_name=name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=self.options.reason or None, location=self.options.location or None,
            validation_context=context, signer_key_usage=set(self.options.key_usage),
            embed_validation_info=level in ("B-LT", "B-LTA"), use_pades_lta=level == "B-LTA")
        pdf_signer = signers.PdfSigner(meta, signer=self.signer, timestamper=timestamper,
                                       stamp_style=stamps.STYLE, new_field_spec=field_spec)
        params = {"stamp": text.text(datetime.now(UTC))} if text is not None else None
        out = await pdf_signer.async_sign_pdf(writer, appearance_text_params=params,
                                              bytes_reserved=reserved)
        return out.getvalue()


def _reserved_size(signed: bytes) -> int:
    """The room reserved for the last signature's CMS in a signed PDF, in hexadecimal digits
    (as pyHanko's `bytes_reserved` counts it)."""
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    _, start, end, _ = (int(v) for v in reader.embedded_signatures[-1].byte_range)
    if reader.embedded_signatures[-1].sig_object_type == "/DocTimeStamp":
        sig = reader.embedded_regular_signatures[-1]
        _, start, end, _ = (int(v) for v in sig.byte_range)
    size = end - start - 2  # without the < >
    return size + size % 2


def sign_pdf(data: bytes, signer: signers.Signer, options: SigningOptions,
             text: stamps.StampText | None = None) -> bytes:
    """Sign one PDF (see `SigningSession` for many)."""
    return SigningSession(signer, options).sign(data, text)

