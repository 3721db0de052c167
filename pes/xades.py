"""XAdES-EPES signatures of PES_Aller flux, enveloped, with `signxml` extended (not forked).

`HeliosSigner` is signxml's `XAdESSigner` with what Hélios asks and signxml lacks:
- SignaturePolicyIdentifier with its SigPolicyQualifiers/SPURI (signxml writes no qualifier);
- SignatureProductionPlace (City, PostalCode, CountryName: signxml leaves a stub);
- SigningCertificate with CertDigest and IssuerSerial of the signing certificate alone
  (signxml writes SigningCertificateV2 without IssuerSerial, or both elements, which its own
  verifier then refuses);
- SignerRole/ClaimedRoles « Ordonnateur » (signxml's, given the role).

`sign_flux` signs each bordereau (a Signature as the last child of each `Bordereau`, its
Reference to the bordereau's Id) or the whole flux (a Signature as the last child of
`PES_Aller`, referencing its Id), as S²LOW's Hélios module does. Canonical XML 1.0 (inclusive),
SHA-256, ECDSA or RSA by the key; the file's encoding (often ISO-8859-1) is kept.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.util import ds_tag, namespaces, xades_tag
from signxml.xades import XAdESSignaturePolicy, XAdESSigner

from .flux import bordereau_elements, load
from .policy import HELIOS, ORDONNATEUR, Policy

C14N = CanonicalizationMethod.CANONICAL_XML_1_0
BORDEREAU, FLUX = "bordereau", "flux"


@dataclass(frozen=True)
class ProductionPlace:
    city: str = ""
    postal_code: str = ""
    country: str = "France"


class HeliosSigner(XAdESSigner):
    """signxml's XAdES signer with the Hélios policy's properties (see the module)."""

    def __init__(self, key_is_ec: bool, place: ProductionPlace, role: str = ORDONNATEUR,
                 policy: Policy = HELIOS) -> None:
        super().__init__(
            signature_policy=XAdESSignaturePolicy(
                Identifier=policy.identifier, Description=policy.description,
                DigestMethod=DigestAlgorithm(policy.digest_method), DigestValue=policy.digest),
            claimed_roles=[role],
            signature_algorithm=(SignatureMethod.ECDSA_SHA256 if key_is_ec
                                 else SignatureMethod.RSA_SHA256),
            digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=C14N)
        self.policy = policy
        self.place = place

    def add_signing_certificate(self, signed_signature_properties, sig_root, signing_settings):
        certificate = signing_settings.cert_chain[0]
        element = etree.SubElement(signed_signature_properties, xades_tag("SigningCertificate"),
                                   nsmap=self.namespaces)
        cert = etree.SubElement(element, xades_tag("Cert"), nsmap=self.namespaces)
        digest = etree.SubElement(cert, xades_tag("CertDigest"), nsmap=self.namespaces)
        etree.SubElement(digest, ds_tag("DigestMethod"), nsmap=self.namespaces,
                         Algorithm=self.digest_alg.value)
        value = etree.SubElement(digest, ds_tag("DigestValue"), nsmap=self.namespaces)
        value.text = _b64(self._get_digest(_der(certificate), algorithm=self.digest_alg))
        issuer_serial = etree.SubElement(cert, xades_tag("IssuerSerial"), nsmap=self.namespaces)
        etree.SubElement(issuer_serial, ds_tag("X509IssuerName"),
                         nsmap=self.namespaces).text = certificate.issuer.rfc4514_string()
        etree.SubElement(issuer_serial, ds_tag("X509SerialNumber"),
                         nsmap=self.namespaces).text = str(certificate.serial_number)

    def add_signature_policy_identifier(self, signed_signature_properties, sig_root,
                                        signing_settings):
        super().add_signature_policy_identifier(signed_signature_properties, sig_root,
                                                signing_settings)
        policy_id = signed_signature_properties.find(
            f"{xades_tag('SignaturePolicyIdentifier')}/{xades_tag('SignaturePolicyId')}")
        qualifiers = etree.SubElement(policy_id, xades_tag("SigPolicyQualifiers"),
                                      nsmap=self.namespaces)
        qualifier = etree.SubElement(qualifiers, xades_tag("SigPolicyQualifier"),
                                     nsmap=self.namespaces)
        etree.SubElement(qualifier, xades_tag("SPURI"), nsmap=self.namespaces).text = (
            self.policy.uri)

    def add_signature_production_place(self, signed_signature_properties, sig_root,
                                       signing_settings):
        place = etree.SubElement(signed_signature_properties,
                                 xades_tag("SignatureProductionPlace"), nsmap=self.namespaces)
        for name, value in (("City", self.place.city), ("PostalCode", self.place.postal_code),
                            ("CountryName", self.place.country)):
            if value:
                etree.SubElement(place, xades_tag(name), nsmap=self.namespaces).text = value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def _new_id(prefix: str, taken: set[str]) -> str:
    while True:
        candidate = f"{prefix}{secrets.token_hex(4).upper()}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def sign_flux(data: bytes, key, chain: list[x509.Certificate], *, mode: str = BORDEREAU,
              place: ProductionPlace = ProductionPlace(), role: str = ORDONNATEUR) -> bytes:
    """The flux with an enveloped XAdES-EPES signature on each bordereau (`mode` BORDEREAU)
    or on the whole flux (FLUX); `chain` starts with the signing certificate."""
    tree = load(data)
    encoding = tree.docinfo.encoding or "UTF-8"
    root = tree.getroot()
    taken = {v for v in root.xpath("//@Id")}
    signer = HeliosSigner(isinstance(key, ec.EllipticCurvePrivateKey), place, role)
    if mode == FLUX:
        targets = [root]
    else:
        targets = [element for _kind, element in bordereau_elements(root)]
    ids = []
    for element in targets:
        if not element.get("Id"):
            element.set("Id", _new_id("PES" if element is root else "BORD", taken))
        ids.append(element.get("Id"))
    for target_id in ids:
        # signxml puts the signature where its placeholder is, and signs a copy of the tree.
        target = root if target_id == root.get("Id") else root.xpath(
            "//*[@Id=$id]", id=target_id)[0]
        etree.SubElement(target, ds_tag("Signature"), Id="placeholder",
                         nsmap={"ds": namespaces.ds})
        root = signer.sign(root, key=key, cert=chain, reference_uri=f"#{target_id}",
                           always_add_key_value=False)
    return etree.tostring(root, xml_declaration=True, encoding=encoding)
