"""XAdES-EPES signatures of PES flux with the test PKI: per bordereau and whole, the Hélios
policy's properties present and right, both verifiers (ours and xmlsec1) accepting them and
both catching one altered byte, and the certificates that may not sign refused with their
date."""

from __future__ import annotations

import re
from datetime import date

import pytest
from cryptography import x509
from lxml import etree

from pes import policy, xades
from pes.certificates import check_can_sign
from pes.flux import PES_NAMESPACE
from pes.verify import NS, verify_flux, xmlsec_verify
from signature.errors import SignatureError

from .generate import make_flux

PLACE = xades.ProductionPlace("Alphaville", "79101")


def _sign(identity, mode=xades.BORDEREAU, data=None) -> bytes:
    return xades.sign_flux(data or make_flux(), identity.key,
                           [identity.certificate], mode=mode, place=PLACE)


def _xmlsec_ok(data: bytes, root_pem) -> list[bool]:
    return [r.ok for r in xmlsec_verify(data, [root_pem])]


def test_each_bordereau_is_signed_and_both_verifiers_accept(identities, roots, root_pem):
    signed = _sign(identities.maire)
    root = etree.fromstring(signed)
    assert signed.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    bordereaux = root.findall("*/Bordereau")
    assert len(bordereaux) == 3
    for bordereau in bordereaux:
        signature = bordereau[-1]
        assert signature.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
        reference = signature.find("ds:SignedInfo/ds:Reference", NS)
        assert reference.get("URI") == "#" + bordereau.get("Id")
        transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/*", NS)]
        assert transforms[0] == "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    result = verify_flux(signed, roots, online=True)
    assert result.ok, [r.problems for r in result.reports]
    assert [r.target for r in result.reports] == [
        "bordereau de mandats n° 72 (2026)", "bordereau de mandats n° 73 (2026)",
        "bordereau de titres n° 12 (2026)"]
    assert {r.signer for r in result.reports} == {"Sylvie Maire"}
    assert _xmlsec_ok(signed, root_pem) == [True, True, True]


def test_the_whole_flux_is_signed_once(identities, roots, root_pem):
    signed = _sign(identities.maire, xades.FLUX)
    root = etree.fromstring(signed)
    signatures = root.findall(".//ds:Signature", NS)
    assert len(signatures) == 1 and signatures[0].getparent() is root
    assert signatures[0].find("ds:SignedInfo/ds:Reference", NS).get("URI") == "#" + root.get("Id")
    result = verify_flux(signed, roots)
    assert result.ok and [r.target for r in result.reports] == ["flux entier"]
    assert _xmlsec_ok(signed, root_pem) == [True]


def test_the_helios_policy_properties_are_present_and_right(identities):
    root = etree.fromstring(_sign(identities.maire))
    props = root.find(".//xades:SignedSignatureProperties", NS)
    policy_id = props.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", NS)
    assert policy_id.findtext("xades:SigPolicyId/xades:Identifier", namespaces=NS) == (
        "urn:oid:1.2.250.1.131.1.5.18.21.1.7")
    assert policy_id.find("xades:SigPolicyHash/ds:DigestMethod", NS).get("Algorithm") == (
        "http://www.w3.org/2001/04/xmlenc#sha256")
    assert policy_id.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=NS) == (
        "roF9+cfRHNPtVJolhdqfIqGMVuUXX8aR4rpiquf0u5E=")
    assert policy_id.findtext("xades:SigPolicyQualifiers/xades:SigPolicyQualifier/xades:SPURI",
                              namespaces=NS) == policy.HELIOS.uri
    assert props.findtext("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole",
                          namespaces=NS).lower() == "ordonnateur"
    place = props.find("xades:SignatureProductionPlace", NS)
    assert [(etree.QName(p).localname, p.text) for p in place] == [
        ("City", "Alphaville"), ("PostalCode", "79101"), ("CountryName", "France")]
    cert = props.find("xades:SigningCertificate/xades:Cert", NS)
    assert cert.findtext("xades:IssuerSerial/ds:X509SerialNumber", namespaces=NS) == str(
        identities.maire.certificate.serial_number)
    assert "CN=Autorité racine de test" in cert.findtext(
        "xades:IssuerSerial/ds:X509IssuerName", namespaces=NS)
    assert props.find("xades:SigningCertificateV2", NS) is None
    assert date.fromisoformat(props.findtext("xades:SigningTime", namespaces=NS)[:10])


def _flip(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and data.count(old) == 1
    return data.replace(old, new)


@pytest.mark.parametrize("old, new, broken", [
    (b'<MtBordHT V="89990.00"/>', b'<MtBordHT V="89990.01"/>', 1),  # an amount, bordereau 73
    (b'<IdPce V="12002"/>', b'<IdPce V="12003"/>', 2),  # a pièce of the titres' bordereau
])
def test_one_altered_byte_in_a_bordereau_is_caught_by_both(identities, roots, root_pem, old,
                                                           new, broken):
    signed = _sign(identities.maire)
    tampered = _flip(signed, old, new)
    result = verify_flux(tampered, roots)
    assert [r.intact for r in result.reports] == [i != broken for i in range(3)]
    assert "le contenu signé a été modifié" in result.reports[broken].problems[0]
    assert not result.ok
    assert _xmlsec_ok(tampered, root_pem) == [i != broken for i in range(3)]


def test_one_altered_byte_in_the_signed_properties_or_the_flux_is_caught_by_both(
        identities, roots, root_pem):
    signed = _sign(identities.maire, xades.FLUX)
    for old, new in ((b"<xades:City>Alphaville<", b"<xades:City>Alphavillf<"),
                     (b'<IdPost V="079000"/>', b'<IdPost V="079001"/>')):
        tampered = _flip(signed, old, new)
        assert not verify_flux(tampered, roots).reports[0].intact
        assert _xmlsec_ok(tampered, root_pem) == [False]
    value = re.search(rb"<ds:SignatureValue>(.)", signed)
    byte = value.group(1)
    tampered = signed[:value.start(1)] + (b"B" if byte != b"B" else b"C") + signed[value.end(1):]
    assert not verify_flux(tampered, roots).reports[0].intact
    assert _xmlsec_ok(tampered, root_pem) == [False]


def test_a_wrong_policy_is_ours_to_catch_the_core_still_holds(identities, roots, root_pem):
    """xmlsec1 checks the XML-DSig core only; the policy is the XAdES layer our verifier adds."""
    wrong = policy.Policy(policy.HELIOS.identifier, policy.HELIOS.description,
                          policy.SHA256, "AAAA" + policy.HELIOS.digest[4:], policy.HELIOS.uri)
    signer = xades.HeliosSigner(True, PLACE, policy=wrong)
    tree = etree.fromstring(make_flux())
    etree.SubElement(tree, "{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder")
    tree.set("Id", "PESTEST")
    signed = etree.tostring(signer.sign(tree, key=identities.maire.key,
                                        cert=[identities.maire.certificate],
                                        reference_uri="#PESTEST", always_add_key_value=False))
    report = verify_flux(signed, roots).reports[0]
    assert report.intact and report.trusted and not report.properties
    assert report.problems == ["l'empreinte de la politique de signature Hélios est fausse"]
    assert _xmlsec_ok(signed, root_pem) == [True]
    assert etree.fromstring(signed).tag == f"{{{PES_NAMESPACE}}}PES_Aller"


def test_our_verifier_finds_a_revoked_signer(identities, roots, pki):
    signed = _sign(identities.revoked)  # signed behind the parapheur's back
    report = verify_flux(signed, roots).reports[0]
    assert report.intact and not report.trusted
    assert re.search(r"le certificat du signataire est révoqué depuis le \d\d/\d\d/\d{4}",
                     report.problems[-1])


def test_a_revoked_certificate_is_refused_saying_since_when(identities, roots):
    revoked = identities.revoked
    with pytest.raises(SignatureError) as caught:
        check_can_sign(revoked.certificate, revoked.chain, roots)
    message = str(caught.value)
    assert message.startswith("Le certificat de signature de Révoqué Dupont (n° de série ")
    assert re.search(r"est révoqué depuis le \d\d/\d\d/\d{4} : rien n'a été signé", message)


def test_an_expired_certificate_is_refused_saying_since_when(pki, roots):
    expired = pki.issue("Ancien Maire", "Alphaville", days=0)
    day = expired.certificate.not_valid_after_utc.strftime("%d/%m/%Y")
    with pytest.raises(SignatureError) as caught:
        check_can_sign(expired.certificate, expired.chain, roots)
    assert "Le certificat de signature de Ancien Maire" in str(caught.value)
    assert f"a expiré le {day} : rien n'a été signé" in str(caught.value)


def test_a_certificate_of_another_authority_is_refused(identities, roots):
    from tests.signature.pki import start_pki

    other = start_pki()
    try:
        stranger = other.issue("Inconnu", "Ailleurs")
        with pytest.raises(SignatureError, match="n'est pas émis par une autorité reconnue"):
            check_can_sign(stranger.certificate, stranger.chain, roots)
        assert check_can_sign(identities.maire.certificate, identities.maire.chain,
                              roots) is None
    finally:
        other.stop()
    assert isinstance(identities.maire.certificate, x509.Certificate)
