"""The members' certificates: the syndicate admin, the registration authority of its members,
reads the parapheur's keys into the register, imports the RGS authentication certificate of
Melle's secrétaire (a PEM file, issued by the demo's certification authority and expiring in
60 days), records the check of his identity, sees the expiry badge in the register filtered
on what expires within 90 days, and downloads the prefilled renewal request (PDF)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from signature.demo_pki import demo_pki

from .browsing import visitor
from .people import SECRETAIRE

PASSWORD = "le registre des certificats du syndicat"
HOLDER = "Thomas L'Huillier"  # as the directory names him (his certificate: "Thomas Lhuillier")


def _certificate(demo, folder) -> tuple[str, str]:
    """A PEM certificate of the demo's authority for the secrétaire, valid 60 more days."""
    directory = json.loads((demo.var / "services.json").read_text())["tsa"]["directory"]
    authority = demo_pki(directory)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Melle"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "Thomas Lhuillier")]))
        .issuer_name(authority.root.subject)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=300)).not_valid_after(now + timedelta(days=60))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                     False), critical=True)
        .sign(authority.root_key, hashes.SHA256()))
    path = folder / "thomas-lhuillier-rgs.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path), format(certificate.serial_number, "x")


def test_the_syndicate_registers_a_certificate_and_prepares_its_renewal(demo, chromium,
                                                                        tmp_path):
    admin = visitor(chromium, "certificates")
    page = admin.page
    link = demo.cli("admin-link", "registre").strip().splitlines()[-1]
    admin.goto(link, "choose the password")
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    admin.look("admin dashboard")

    # The register, from the admin's menu; the parapheur's keys read into it.
    page.get_by_role("link", name="Certificats", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/certificats/$"))
    admin.look("register")
    page.get_by_role("link", name="Lire les clés du parapheur").click()
    page.wait_for_url(re.compile(r"/admin/certificats/parapheur/$"))
    admin.look("read the parapheur's keys")
    page.get_by_role("button", name="Lire les clés du parapheur").click()
    page.wait_for_url(re.compile(r"/admin/certificats/$"))
    admin.look("parapheur's keys registered")
    assert "certificat(s) du parapheur ajouté(s) au registre" in admin.text()
    assert "jamais vérifié" not in admin.text().lower()  # checked as they were read
    admin.goto(demo.url + "/admin/certificats/?q=Gaborit", "search the maire")
    assert "Sylvain Gaborit" in admin.text()  # Melle's maire and his demo credential
    page.get_by_role("link", name="Certificats", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/certificats/$"))

    # Import the secrétaire's RGS certificate.
    path, serial = _certificate(demo, tmp_path)
    page.get_by_role("link", name="Importer un certificat").click()
    page.wait_for_url(re.compile(r"/admin/certificats/importer/$"))
    admin.look("import form")
    page.get_by_label("Collectivité").select_option(label="Melle (79174)")
    page.get_by_label("Nature du certificat").select_option(
        label="authentification RGS (télétransmission, Hélios)")
    page.get_by_label("Identifiant du titulaire dans l'annuaire").fill(SECRETAIRE["uid"])
    page.get_by_label("Fichier du certificat (PEM, DER ou PKCS#12)").set_input_files(path)
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url(re.compile(r"/admin/certificats/\d+/$"))
    admin.look("certificate imported")
    certificate_url = page.url
    state = page.locator("#certificate-state").inner_text().lower()  # tags are in capitals
    assert re.search(r"expire dans (59|60) jours", state), state
    assert "vérifié" in state, admin.text()  # the demo's authority is trusted
    assert serial in admin.text() and "Melle" in admin.text()

    # The registration authority's record of the identity check.
    page.get_by_role("link", name="Enregistrer une vérification d'identité").click()
    page.wait_for_url(re.compile(r"/identite/$"))
    admin.look("identity check form")
    page.get_by_label("Vérifiée par").fill("Agnès Registre, syndicat")
    page.get_by_label("Pièces présentées").fill("Carte nationale d'identité n° 0412345678")
    page.get_by_role("button", name="Enregistrer la vérification").click()
    page.wait_for_url(certificate_url)
    admin.look("identity check recorded")
    checks = page.locator("#identity-checks").inner_text()
    assert "Carte nationale d'identité n° 0412345678" in checks

    # The register, filtered on what expires within 90 days: the badge.
    admin.goto(demo.url + "/admin/certificats/?expiring=90", "expiring within 90 days")
    row = page.get_by_role("row").filter(has_text=HOLDER)
    assert re.search(r"expire dans (59|60) jours", row.inner_text().lower()), row.inner_text()
    assert "Sylvain Gaborit" not in admin.text()  # his demo credential lasts three years
    row.get_by_role("link", name=HOLDER).click()
    page.wait_for_url(certificate_url)

    # The renewal request, prefilled.
    with page.expect_download() as download:
        page.get_by_role("link", name="Demande de renouvellement (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"demande-renouvellement-79174-{serial}.pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(saved.read_bytes())).pages).split())
    for expected in ("Demande de renouvellement de certificat", HOLDER, "Melle", "SIREN",
                     serial, "Autorité de certification de DÉMONSTRATION Mutualis",
                     "Agnès Registre, syndicat", "Carte nationale d'identité n° 0412345678"):
        assert expected in text, (expected, text[:1500])
    admin.assert_accessible()
