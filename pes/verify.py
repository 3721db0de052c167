"""Verifying a signed PES_Aller: one report per XAdES signature, by two verifiers.

Ours (`verify_flux`): the XML-DSig core with signxml (every reference's digest, the signature
value), then the XAdES-EPES properties (the signing certificate's digest and IssuerSerial, the
Hélios policy's identifier and digest, the claimed role, the production place, the signing
time) and the certificate's chain and revocation with pyHanko's certificate validator, as
`signature.verify` does for PDFs (CRLs and OCSP fetched when `online`, soft-fail).

Independently, Debian's `xmlsec1` (`xmlsec_verify`) checks the XML-DSig core of each signature
(references, signature value, the certificate's chain to the trusted roots): a flux both
accept was not altered by one byte.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import logging
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext as _
from lxml import etree
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from signxml.exceptions import InvalidSignature as SignxmlInvalid
from signxml.util import add_pem_header, namespaces
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from .flux import DEPENSE, PES_NAMESPACE, bordereau_elements, load
from .policy import KNOWN, ORDONNATEUR

logger = logging.getLogger(__name__)
NS = {"ds": namespaces.ds, "xades": namespaces.xades}


@dataclass
class SignatureReport:
    signature_id: str
    target: str  # what it covers, in French: « bordereau de mandats n° 72 (2026) », « flux »
    intact: bool  # the XML-DSig core holds
    properties: bool  # the XAdES-EPES properties are there and right
    trusted: bool  # the certificate chains to a trusted root and is not revoked
    signer: str = ""
    signing_time: datetime | None = None
    policy: str = ""
    role: str = ""
    place: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.properties and self.trusted


class _Verifier(XAdESVerifier):
    """signxml's XAdES verifier; the certificate's dates are left to the certificate
    validator (which knows when it was revoked), not refused by signxml at today's date."""

    def _check_cert_validity(self, cert, cert_source):
        return None


def _signatures(root: etree._Element) -> list[tuple[etree._Element, str, str]]:
    """(signature, signxml location, what it covers) of every signature of the flux."""
    covers = {}
    for kind, element in bordereau_elements(root):
        block = element.find("BlocBordereau")
        what = (_("bordereau de mandats n° %(n)s (%(year)s)") if kind == DEPENSE
                else _("bordereau de titres n° %(n)s (%(year)s)"))
        covers[element] = what % {"n": _value(block, "IdBord"), "year": _value(block, "Exer")}
    found = []
    for signature in root.iter(f"{{{namespaces.ds}}}Signature"):
        parent = signature.getparent()
        if parent is root:
            found.append((signature, "./", _("flux entier")))
        elif parent in covers and parent.get("Id"):
            found.append((signature, f".//*[@Id='{parent.get('Id')}']/", covers[parent]))
        else:
            found.append((signature, "", _("élément %(name)s") % {
                "name": etree.QName(parent).localname}))
    return found


def _value(parent, name: str) -> str:
    node = parent.find(name) if parent is not None else None
    return node.get("V", "") if node is not None else ""


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(add_pem_header(c.text.strip()))
            for c in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]


def _properties(signature: etree._Element, certificate: x509.Certificate,
                report: SignatureReport) -> None:
    """The Hélios policy's properties, each problem a French clause in `report.problems`."""
    props = signature.find(".//xades:SignedProperties/xades:SignedSignatureProperties", NS)
    problems = []
    if props is None:
        report.problems.append(_("les propriétés signées XAdES manquent"))
        report.properties = False
        return
    when = props.findtext("xades:SigningTime", namespaces=NS)
    try:
        report.signing_time = datetime.fromisoformat(when) if when else None
    except ValueError:
        report.signing_time = None
    if report.signing_time is None:
        problems.append(_("l'heure de signature (SigningTime) manque"))
    cert = props.find("xades:SigningCertificate/xades:Cert", NS)
    if cert is None:
        cert = props.find("xades:SigningCertificateV2/xades:Cert", NS)
    if cert is None:
        problems.append(_("le certificat signataire (SigningCertificate) n'est pas désigné"))
    else:
        method = cert.find("xades:CertDigest/ds:DigestMethod", NS).get("Algorithm", "")
        digest = cert.findtext("xades:CertDigest/ds:DigestValue", namespaces=NS) or ""
        algorithm = {"http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
                     "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
                     "http://www.w3.org/2001/04/xmlenc#sha512": "sha512"}.get(method)
        der = certificate.public_bytes(Encoding.DER)
        if algorithm is None or base64.b64decode(digest) != hashlib.new(algorithm, der).digest():
            problems.append(_("l'empreinte du certificat signataire ne correspond pas au "
                              "certificat joint"))
        serial = cert.findtext("xades:IssuerSerial/ds:X509SerialNumber", namespaces=NS)
        if serial is not None and serial.strip() != str(certificate.serial_number):
            problems.append(_("le numéro de série du certificat signataire ne correspond pas"))
    policy_id = props.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", NS)
    if policy_id is None:
        problems.append(_("la politique de signature Hélios n'est pas désignée (signature "
                          "XAdES-BES, pas EPES)"))
    else:
        identifier = (policy_id.findtext("xades:SigPolicyId/xades:Identifier", namespaces=NS)
                      or "").strip()
        report.policy = identifier
        known = KNOWN.get(identifier)
        method = policy_id.find("xades:SigPolicyHash/ds:DigestMethod", NS)
        digest = policy_id.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=NS) or ""
        if known is None:
            problems.append(_("la politique de signature « %(id)s » n'est pas celle d'Hélios")
                            % {"id": identifier})
        elif (method is None or method.get("Algorithm") != known.digest_method
              or digest.strip() != known.digest):
            problems.append(_("l'empreinte de la politique de signature Hélios est fausse"))
    roles = [r.text or "" for r in props.iterfind(
        "xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", NS)]
    report.role = ", ".join(roles)
    if not any(r.strip().lower() == ORDONNATEUR.lower() for r in roles):
        problems.append(_("le rôle déclaré du signataire n'est pas « ordonnateur »"))
    place = props.find("xades:SignatureProductionPlace", NS)
    if place is not None:
        report.place = " ".join(p.text or "" for p in place)
    if not report.place.strip():
        problems.append(_("le lieu de signature (SignatureProductionPlace) manque"))
    report.problems.extend(problems)
    report.properties = not problems


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


async def _trust(certificate: x509.Certificate, others: list[x509.Certificate],
                 roots: list[asn1_x509.Certificate], online: bool) -> str | None:
    """None when the certificate chains to a root and is not revoked, else why not."""
    context = ValidationContext(trust_roots=roots, allow_fetching=online,
                                revocation_mode="soft-fail")
    validator = CertificateValidator(_asn1(certificate),
                                     intermediate_certs=[_asn1(c) for c in others],
                                     validation_context=context)
    try:
        await validator.async_validate_usage({"non_repudiation"})
    except RevokedError as exc:
        return _("le certificat du signataire est révoqué depuis le %(date)s") % {
            "date": exc.revocation_dt.strftime("%d/%m/%Y")}
    except ExpiredError as exc:
        return _("le certificat du signataire a expiré le %(date)s") % {
            "date": exc.expired_dt.strftime("%d/%m/%Y")}
    except PathBuildingError:
        return _("le certificat du signataire n'est pas émis par une autorité reconnue par "
                 "le syndicat")
    except PathValidationError:
        return _("le certificat du signataire n'est pas reconnu comme fiable")
    except Exception as exc:  # e.g. a usage the certificate lacks
        logger.info("certificate not validated: %r", exc)
        return _("le certificat du signataire ne permet pas de signer")
    finally:
        await context.aclose()
    return None


async def _trust_all(chains: list[list[x509.Certificate]], roots, online: bool
                     ) -> list[str | None]:
    """Why each chain is not trusted (None: trusted), a certificate validated once."""
    seen: dict[bytes, str | None] = {}
    out = []
    for chain in chains:
        if not chain:
            out.append(_("la signature ne porte pas le certificat du signataire"))
            continue
        der = chain[0].public_bytes(Encoding.DER)
        if der not in seen:
            seen[der] = await _trust(chain[0], chain[1:], roots, online)
        out.append(seen[der])
    return out


def run(coroutine):
    """Run a coroutine to its end, also from a thread whose event loop is running (a
    Playwright script, an async view): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _report(data: bytes, signature: etree._Element, location: str, target: str
            ) -> tuple[SignatureReport, list[x509.Certificate]]:
    """The report of the core and the properties; the certificates the signature carries."""
    report = SignatureReport(signature_id=signature.get("Id", ""), target=target,
                             intact=False, properties=False, trusted=False)
    try:
        certificates = _certificates(signature)
    except (ValueError, AttributeError):
        certificates = []
    if not certificates:
        report.problems.append(_("la signature ne porte pas le certificat du signataire"))
        return report, []
    certificate = certificates[0]
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    report.signer = str(names[0].value) if names else certificate.subject.rfc4514_string()
    if not location:
        report.problems.append(_("la signature ne porte ni sur un bordereau ni sur le flux"))
        return report, certificates
    try:
        _Verifier().verify(
            data, x509_cert=certificate, expect_config=XAdESSignatureConfiguration(
                location=location, expect_references=True))
        report.intact = True
    except (SignxmlInvalid, etree.LxmlError, ValueError) as exc:
        logger.info("XML signature %s not intact: %s", report.signature_id, exc)
        report.problems.append(_("le contenu signé a été modifié ou la signature est "
                                 "invalide"))
    _properties(signature, certificate, report)
    return report, certificates


@dataclass
class FluxVerification:
    reports: list[SignatureReport]
    unsigned: list[str]  # bordereaux no signature covers (when the flux is not signed whole)

    @property
    def ok(self) -> bool:
        return bool(self.reports) and all(r.ok for r in self.reports) and not self.unsigned


def verify_flux(data: bytes, trust_roots: list[asn1_x509.Certificate],
                online: bool = True) -> FluxVerification:
    """Every signature of the flux checked (see the module), and the bordereaux left
    unsigned."""
    root = load(data).getroot()
    found = _signatures(root)
    checked = [_report(data, sig, location, target) for sig, location, target in found]
    reasons = run(_trust_all([c for _r, c in checked], list(trust_roots), online))
    reports = []
    for (report, _certs), why in zip(checked, reasons, strict=True):
        report.trusted = why is None
        if why:
            report.problems.append(why)
        reports.append(report)
    whole = any(sig.getparent() is root for sig, _, _ in found)
    unsigned = [] if whole else [
        element.get("Id") or _value(element.find("BlocBordereau"), "IdBord")
        for _kind, element in bordereau_elements(root)
        if element.find(f"{{{namespaces.ds}}}Signature") is None]
    return FluxVerification(reports, unsigned)


# --------------------------------------------------------------------------- xmlsec1

def _id_attributes() -> list[str]:
    """The elements whose Id attribute a Reference names (xmlsec1 needs to be told)."""
    return ["--id-attr:Id", "Bordereau",
            "--id-attr:Id", f"{PES_NAMESPACE}:PES_Aller",
            "--id-attr:Id", f"{namespaces.xades}:SignedProperties",
            "--id-attr:Id", f"{namespaces.ds}:KeyInfo",
            "--id-attr:Id", f"{namespaces.ds}:Signature"]


@dataclass(frozen=True)
class XmlsecResult:
    signature_id: str
    ok: bool
    output: str


def xmlsec_verify(data: bytes, trusted_pem: list[Path | str],
                  timeout: float = 120) -> list[XmlsecResult]:
    """`xmlsec1 --verify` on each signature of the flux (by its Id), trusting the roots
    given (PEM files)."""
    root = load(data).getroot()
    ids = [s.get("Id", "") for s in root.iter(f"{{{namespaces.ds}}}Signature")]
    results = []
    with tempfile.TemporaryDirectory(prefix="pes-xmlsec-") as directory:
        path = Path(directory) / "flux.xml"
        path.write_bytes(data)
        trust = [arg for pem in trusted_pem for arg in ("--trusted-pem", str(pem))]
        for signature_id in ids:
            done = subprocess.run(
                ["xmlsec1", "--verify", *trust, *_id_attributes(), "--node-id", signature_id,
                 str(path)], capture_output=True, text=True, timeout=timeout)
            results.append(XmlsecResult(signature_id, done.returncode == 0,
                                        (done.stdout + done.stderr).strip()))
    return results
