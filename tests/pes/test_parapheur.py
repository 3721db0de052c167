"""A PES flux through the parapheur: submitted on the member's « PES » circuit, its
bordereaux shown in French on the signer's page and the staff's, signed by the official with
their parapheur key as the member's settings say, and the signed flux (what the transmission
sends) verified by both verifiers."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from lxml import etree

from pes import services
from pes.models import FLUX, PesFlux, PesSettings
from pes.verify import NS, verify_flux, xmlsec_verify
from signature import workflow
from signature.errors import SignatureError
from signature.models import Folder
from tests.signature.pki import PASSWORD

from .generate import make_flux

PW = PASSWORD.decode()
SPACE = "/espace-elus/parapheur/"


def login(client, person) -> None:
    user, _ = User.objects.get_or_create(username=person.uid)
    client.force_login(user)


@pytest.fixture
def pes_folder(pes_registry) -> Folder:
    return services.submit_flux(pes_registry.secretaire, pes_registry.alpha,
                                "PESALR2_novembre.xml", make_flux())


def test_a_submitted_flux_is_a_folder_on_the_pes_circuit(pes_folder):
    item = PesFlux.objects.get(folder=pes_folder)
    assert pes_folder.folder_type == "PES" and pes_folder.circuit.name == "Mandats et titres"
    assert pes_folder.title == ("Flux PES COMMUNE D'ALPHAVILLE — BUDGET PRINCIPAL du "
                                "20/11/2026 (3 bordereaux)")
    assert (item.siren, item.attachments, len(item.bordereaux)) == ("217901010", 6, 3)
    assert pes_folder.documents.get().name == "PESALR2_novembre.xml"


def test_a_flux_that_cannot_be_read_stores_nothing(pes_registry):
    before = Folder.objects.count()
    with pytest.raises(SignatureError, match="n'a pas d'élément Exer"):
        services.submit_flux(pes_registry.secretaire, pes_registry.alpha, "x.xml",
                             make_flux().replace(b'<Exer V="2026"/>', b"", 1))
    assert Folder.objects.count() == before


def test_the_signer_reads_the_bordereaux_in_french_signs_and_the_flux_verifies(
        client, pes_folder, pes_registry, roots, root_pem):
    login(client, pes_registry.maire)
    url = f"{SPACE}dossiers/{pes_folder.pk}/"
    page = html.unescape(client.get(url).content.decode())
    assert "Flux PES : 3 bordereaux" in page
    for words in ("Mandats", "Titres", "Exercice", "N° de bordereau", "Montant HT",
                  "89\u202f990,00\u00a0€", "3\u202f751,20\u00a0€", "17/11/2026",
                  "93\u202f832,20\u00a0€", "Collectivité (SIREN) 217901010",
                  "en qualité d'ordonnateur"):
        assert words in page, words
    with pytest.raises(SignatureError, match="n'est pas encore signé"):
        services.signed_bytes(pes_folder)
    answer = client.post(url, {"action": "sign", "passphrase": PW, "on_behalf": "smaire"})
    assert answer.status_code == 302
    assert Folder.objects.get(pk=pes_folder.pk).status == Folder.DONE
    signed = services.signed_bytes(pes_folder)
    result = verify_flux(signed, roots)
    assert result.ok and len(result.reports) == 3 and not result.unsigned
    assert all(r.ok for r in xmlsec_verify(signed, [root_pem]))
    page = html.unescape(client.get(url).content.decode())
    assert "Signé en XAdES (politique de signature Hélios de la DGFiP), chaque bordereau" in page
    # the document served is the signed flux
    doc = pes_folder.documents.get()
    assert client.get(f"{url}documents/{doc.pk}/").getvalue() == signed


def test_the_members_settings_sign_the_whole_flux(pes_folder, pes_registry, roots):
    PesSettings.objects.create(member=pes_registry.alpha, mode=FLUX, city="Alphaville-sur-Boutonne",
                               postal_code="79101")
    workflow.sign(pes_folder, pes_registry.maire, PW)
    signed = services.signed_bytes(pes_folder)
    root = etree.fromstring(signed)
    assert [s.getparent() for s in root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature")
            ] == [root]
    assert root.findtext(".//xades:City", namespaces=NS) == "Alphaville-sur-Boutonne"
    assert verify_flux(signed, roots).ok
    assert PesFlux.objects.get(folder=pes_folder).signed_mode == FLUX


def test_a_revoked_key_signs_nothing_and_says_since_when(client, pes_registry, identities):
    reg = pes_registry
    workflow.install_key(identities.revoked.pkcs12(), PASSWORD, person=reg.maire)
    folder = services.submit_flux(reg.secretaire, reg.alpha, "flux.xml", make_flux())
    original = folder.documents.get().sha256
    login(client, reg.maire)
    url = f"{SPACE}dossiers/{folder.pk}/"
    page = html.unescape(client.post(url, {"action": "sign", "passphrase": PW,
                                           "on_behalf": "smaire"}, follow=True)
                         .content.decode())
    assert "Le certificat de signature de Révoqué Dupont" in page
    assert "est révoqué depuis le" in page and "rien n'a été signé" in page
    folder.refresh_from_db()
    assert folder.status == Folder.IN_PROGRESS and folder.documents.get().sha256 == original


def test_the_staff_see_the_bordereaux_in_the_admin(client, pes_folder, pes_registry):
    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    login(client, pes_registry.secretaire)
    page = html.unescape(client.get(f"/admin/parapheur/dossiers/{pes_folder.pk}/")
                         .content.decode())
    assert "Flux PES : 3 bordereaux" in page and "89\u202f990,00\u00a0€" in page


def test_a_pdf_folder_is_signed_as_before(pes_registry):
    from tests.factories import make_pdf

    reg = pes_registry
    workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté", [
        workflow.StepSpec("signature", [reg.maire])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Arrêté", "Arrêté",
                             [("a.pdf", make_pdf("Arrêté"))])
    pes = services.submit_flux(reg.secretaire, reg.alpha, "flux.xml", make_flux())
    results = workflow.act_batch(reg.maire, [folder, pes], "sign", PW)
    assert [r.ok for r in results] == [True, True]
    assert folder.documents.get().file.open("rb").read(5) == b"%PDF-"
    assert services.signed_bytes(pes).count(b"<ds:SignatureValue>") == 3
