"""The demo's certification and timestamp authorities: made once and kept, a real RFC 3161
server in a process of its own whose tokens verify against the demo root, used when no
MUTUALIS_TSA_URL is set; every official of a member subscribing to the parapheur gets a demo
credential, signs with it in the browser's pages without a password, and pdfsig (NSS
trusting the demo root alone) finds the signature valid and trusted."""

from __future__ import annotations

import io
import json
import os
import stat

import httpx
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

from convocation.timestamp import HttpAuthority, configured_authority, timestamp, verify
from mutualis.cli import main
from provisioning.models import RegistryMember
from signature import workflow
from signature.demo_pki import (
    DEMO_ROOT_CN,
    DEMO_TSA_CN,
    DemoPKIError,
    demo_pki,
    is_demo_certificate,
    issue_demo_credentials,
)
from signature.models import SIGNATURE, Folder, SigningKey
from signature.pki import keys
from signature.pki.embedded import embedded_trust_roots, tsa_url
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.factories import add_person, make_pdf

from .conftest import login, pdfsig

ORGANISATION = "Syndicat mixte Pays Mellois Numérique"


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(certificate.signature_hash_algorithm))
        else:
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       padding.PKCS1v15(), certificate.signature_hash_algorithm)
    except Exception:
        return False
    return True


def test_the_demo_pki_is_made_once_and_kept(tmp_path):
    directory = tmp_path / "pki"
    pki = demo_pki(directory, ORGANISATION)
    private = [directory / "racine-demo.key", directory / "horodatage-demo.key"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in private)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700

    root = pki.root
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEMO_ROOT_CN
    assert "DÉMONSTRATION" in DEMO_ROOT_CN and "ne pas utiliser en production" in (
        root.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value)
    assert pki.organisation == ORGANISATION
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    tsa = pki.tsa
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert tsa.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEMO_TSA_CN
    assert tsa.issuer == root.subject and _signed_by(tsa, root)

    # Kept: a second start reads the same authorities, whatever it is given
    again = demo_pki(directory, "Un autre syndicat")
    assert again.root == root and again.tsa == tsa and again.organisation == ORGANISATION

    key, person = pki.issue("Sylvie", "Maire", "sylvie.maire@alphaville.fr")
    assert isinstance(key.curve, ec.SECP256R1) and _signed_by(person, root)
    usage = person.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert person.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Sylvie Maire"
    assert person.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.RFC822Name) == [
        "sylvie.maire@alphaville.fr"]
    assert is_demo_certificate(person) and is_demo_certificate(tsa)

    (directory / "horodatage-demo.pem").unlink()
    with pytest.raises(DemoPKIError, match="horodatage-demo.key and horodatage-demo.pem"):
        demo_pki(directory)


def test_the_demo_tsa_is_a_real_rfc3161_server(demo_tsa):
    assert demo_tsa.process.poll() is None and demo_tsa.process.pid != os.getpid()
    info = demo_tsa.settings()
    assert json.loads(json.dumps(info)) == info
    assert info["url"] == demo_tsa.url and info["url"].startswith("http://127.0.0.1:")
    root = x509.load_pem_x509_certificate(open(info["ca_certificate"], "rb").read())

    manifest = b"Convocation du conseil municipal du 12 mars"
    token = timestamp(manifest, HttpAuthority(demo_tsa.url))
    check = verify(token.der, manifest, [_asn1(root)])
    assert check.ok and check.intact and check.trusted
    assert not verify(token.der, manifest + b".", [_asn1(root)]).intact
    # another root does not vouch for it
    other = demo_pki(demo_tsa.directory.parent / "autre-pki").root
    assert not verify(token.der, manifest, [_asn1(other)]).trusted

    about = httpx.get(demo_tsa.url)
    assert about.status_code == 200 and "DÉMONSTRATION" in about.text
    assert httpx.get(demo_tsa.url + "racine-demo.pem").content == open(
        info["ca_certificate"], "rb").read()
    wrong_type = httpx.post(demo_tsa.url, content=b"x", headers={"Content-Type": "text/plain"})
    garbage = httpx.post(demo_tsa.url, content=b"\x30\x03\x02\x01\x01",
                         headers={"Content-Type": "application/timestamp-query"})
    assert (wrong_type.status_code, garbage.status_code) == (415, 400)
    assert demo_tsa.process.poll() is None  # a bad query does not bring it down


def test_without_a_tsa_url_the_embedded_authority_is_used(demo_services, settings):
    assert tsa_url() == demo_services["url"]
    assert configured_authority() == HttpAuthority(demo_services["url"])
    assert embedded_trust_roots() == [demo_services["ca_certificate"]]
    demo_root = x509.load_pem_x509_certificate(open(demo_services["ca_certificate"],
                                                    "rb").read())
    assert [r.dump() for r in keys.configured_trust_roots()] == [_asn1(demo_root).dump()]
    assert workflow.signing_options({"non_repudiation"}, "", "").level == "B-T"

    settings.MUTUALIS_TSA_URL = "https://horodatage.example.fr/tsa"
    assert tsa_url() == "https://horodatage.example.fr/tsa" and embedded_trust_roots() == []
    assert configured_authority().url == "https://horodatage.example.fr/tsa"

    settings.MUTUALIS_TSA_URL = ""
    (settings.VAR_DIR / "services.json").unlink()
    assert tsa_url() == "" and configured_authority() is None and embedded_trust_roots() == []


def _signature_token(signed: bytes):
    """The signature timestamp token of the PDF's first signature, and the signature value it
    covers."""
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    info = signature.signer_info
    [attribute] = [a for a in info["unsigned_attrs"]
                   if a["type"].native == "signature_time_stamp_token"]
    return attribute["values"][0].dump(), info["signature"].native


def test_officials_get_demo_credentials_and_sign_with_them(db, demo_services, demo_nssdb, client,
                                                           tmp_path, roots):
    alpha = RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                          slug="alphaville", hostname="alphaville.localhost",
                                          services=["extranet", "parapheur"])
    charlie = RegistryMember.objects.create(code="79103", name="Charlieville", kind="commune",
                                            slug="charlieville", hostname="charlie.localhost",
                                            services=["website", "extranet"])
    maire = add_person(alpha, "smaire", "Sylvie", "Maire", ["maire"])
    add_person(alpha, "aadjointe", "Anne", "Adjointe", ["adjoint"])
    secretaire = add_person(alpha, "zsecretaire", "Zoé", "Secrétaire", ["secretaire-de-mairie"])
    elsewhere = add_person(charlie, "cmaire", "Claude", "Maire", ["maire"])
    gone = add_person(alpha, "pparti", "Pierre", "Parti", ["conseiller-municipal"])
    gone.active = False
    gone.save()
    keyed = add_person(alpha, "iconseil", "Inès", "Conseil", ["conseiller-municipal"])
    pki = demo_pki(demo_services["directory"])
    own_key, own_certificate = pki.issue("Inès", "Conseil", "iconseil@example.fr")
    own = workflow.install_key(keys.make_pkcs12(own_key, own_certificate, [pki.root], b"secret"),
                               b"secret", person=keyed)

    assert issue_demo_credentials() == 2
    assert issue_demo_credentials() == 0  # idempotent
    holders = set(SigningKey.objects.filter(active=True).values_list("person__uid", flat=True))
    assert holders == {"smaire", "aadjointe", "iconseil"}
    assert workflow.active_key(keyed) == own  # a credential already there is kept
    for nobody in (secretaire, elsewhere, gone):
        assert workflow.active_key(nobody) is None
    key = workflow.active_key(maire)
    assert not workflow.asks_secret(key) and bytes(key.pkcs12).startswith(b"gAAAA")
    assert "Sylvie Maire" in key.subject and DEMO_ROOT_CN in key.issuer

    workflow.define_circuit(alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [maire])])
    folder = workflow.submit(secretaire, alpha, "Budget primitif 2026", "Délibération",
                             [("budget.pdf", make_pdf("Budget primitif 2026"))])
    login(client, maire)
    page = client.get(f"/espace-elus/parapheur/dossiers/{folder.pk}/").content.decode()
    assert 'name="passphrase"' not in page
    assert "Votre certificat de démonstration signe sans mot de passe." in page
    response = client.post(f"/espace-elus/parapheur/dossiers/{folder.pk}/",
                           {"action": "sign", "on_behalf": maire.uid})
    assert response.status_code == 302
    assert Folder.objects.get(pk=folder.pk).status == Folder.DONE

    with folder.documents.get(kind="main").file.open("rb") as f:
        signed = f.read()
    path = tmp_path / "budget-signe.pdf"
    path.write_bytes(signed)
    code, output = pdfsig(demo_nssdb, path)
    assert code == 0, output
    assert "Signature Validation: Signature is Valid." in output, output
    assert "Certificate Validation: Certificate is Trusted." in output, output
    assert "Sylvie Maire" in output
    [report] = verify_pdf(signed, keys.configured_trust_roots())
    assert report.ok and report.level == "B-T" and report.time_source == "timestamp"
    [untrusted] = verify_pdf(signed, roots)  # another syndicate's roots only
    assert untrusted.intact and not untrusted.trusted
    assert untrusted.problems == ["le certificat du signataire n'est pas émis par une autorité "
                                  "reconnue par le syndicat"]
    # The signature's timestamp token came from the demo TSA and verifies against its root
    token, covered = _signature_token(signed)
    demo_root = x509.load_pem_x509_certificate(open(demo_services["ca_certificate"],
                                                    "rb").read())
    assert verify(token, covered, [_asn1(demo_root)]).ok

    mine = client.get("/espace-elus/parapheur/mon-certificat/").content.decode()
    assert "certificat de démonstration" in mine and "Sylvie Maire" in mine
    assert DEMO_ROOT_CN in mine and key.not_after.strftime("%d/%m/%Y") in mine
    assert "aucun mot de passe à saisir" in mine


def test_the_demo_credentials_command(demo_services, capsys, db):
    alpha = RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                          slug="alphaville", hostname="alphaville.localhost",
                                          services=["extranet", "parapheur"])
    add_person(alpha, "smaire", "Sylvie", "Maire", ["maire"])
    assert main(["signature", "demo-credentials"]) == 0
    assert capsys.readouterr().out.startswith("1 demo signing credential issued")
    assert main(["signature", "demo-credentials"]) == 0
    assert capsys.readouterr().out.startswith("0 demo signing credentials issued")


def test_without_the_demo_services_the_command_says_what_to_do(parapheur_settings, capsys, db):
    assert main(["signature", "demo-credentials"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: Aucune autorité de certification de démonstration n'est démarrée : lancez "
        "d'abord « mutualis services start ».")


def test_a_certificate_of_another_authority_is_not_a_demo_one(pki):
    assert not is_demo_certificate(pki.root)


def test_credentials_of_a_former_demo_pki_are_reissued(db, demo_services, settings, tmp_path,
                                                       pki, identities, root_pem):
    alpha = RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                          slug="alphaville", hostname="alphaville.localhost",
                                          services=["extranet", "parapheur"])
    maire = add_person(alpha, "smaire", "Sylvie", "Maire", ["maire"])
    real = add_person(alpha, "padjoint", "Paul", "Adjoint", ["adjoint"])
    former = demo_pki(tmp_path / "ancienne-pki")  # a var/pki/ since removed
    settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = [str(former.root_path), str(root_pem)]
    real_key = workflow.install_key(identities.adjoint.pkcs12(), b"mot-de-passe-de-test",
                                    person=real)
    assert issue_demo_credentials(tmp_path / "ancienne-pki") == 1
    stale = workflow.active_key(maire)

    settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = []  # the demo again, on its new PKI
    assert issue_demo_credentials() == 1
    fresh = workflow.active_key(maire)
    assert fresh != stale and not SigningKey.objects.get(pk=stale.pk).active
    current = x509.load_pem_x509_certificate(open(demo_services["ca_certificate"], "rb").read())
    x509.load_pem_x509_certificate(fresh.certificate.encode()).verify_directly_issued_by(current)
    assert workflow.active_key(real) == real_key  # a real credential is never replaced
    assert issue_demo_credentials() == 0
