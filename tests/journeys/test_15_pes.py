"""Mandats and titres for the Trésor public: Melle's DGS makes the « PES » circuit and deposits
the accounting software's PES_Aller in the admin (/admin/pes/deposer/; one of its mandats pays
an invoice of Melle's courrier register, and the folder links to it), the maire opens the
folder on his tablet, reads its bordereaux in French (exercice, number, amount, pièces) and
signs with his demo credential; the signed flux verifies with our verifier and, trusting the
demo's certification authority alone, with Debian's xmlsec1; the DGS then sends it to Hélios
from its folder."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from pes.verify import verify_flux, xmlsec_verify
from signature.pki.keys import load_certificates
from tests.pes.generate import make_flux

from .browsing import pdf_file, signed_in, visitor
from .people import MAIRE, MELLE, SECRETAIRE

BUDGET = "COMMUNE DE MELLE — BUDGET PRINCIPAL"



def test_the_maire_signs_the_mandats_and_titres_the_dgs_deposited(demo, chromium, tmp_path):
    site = demo.site(MELLE)
    # The supplier's invoice, as Chorus Pro gave it: in the register, and in the flux's PES_PJ.
    invoice = pdf_file(tmp_path, "facture-72-2.pdf", "Facture 2026-118 Librairie du Mellois")
    flux_path = tmp_path / "PESALR2_melle_novembre.xml"
    flux_path.write_bytes(make_flux(siren="200081511", budget=BUDGET,  # Melle's SIREN
                                    pj_files={"facture-72-2.pdf": invoice.read_bytes()}))

    staff = visitor(chromium, "pes-staff")
    signed_in(staff, demo, site, SECRETAIRE)
    page = staff.page
    staff.goto(site + "/admin/courrier/", "register")
    page.get_by_role("link", name="Enregistrer au guichet").click()
    page.get_by_label("Type").first.select_option(label="Facture")
    page.get_by_label("Objet").fill("Fournitures scolaires, novembre")
    page.get_by_label("Nouveau correspondant (nom)").fill("Librairie du Mellois")
    page.get_by_label("Montant TTC (€)").fill("1250.40")
    page.get_by_label("Pièces jointes").set_input_files(str(invoice))
    page.get_by_role("button", name="Enregistrer le pli").click()
    page.wait_for_url(re.compile(r"/admin/courrier/\d+/$"))
    invoice_url = page.url
    staff.look("invoice recorded")
    chrono = re.search(r"\d{4}-A-\d{6}", staff.text()).group(0)
    staff.goto(site + "/admin/parapheur/collectivites/79174/circuits/nouveau/", "new circuit")
    page.get_by_label("Nom du circuit").fill("Mandats et titres")
    page.get_by_label("Type de dossier").fill("PES")
    step = page.get_by_role("group", name="Étape 1")
    step.get_by_label("Nature de l'étape").select_option(label="Signature")
    step.get_by_label(re.compile(r"Sylvain Gaborit")).check()
    page.get_by_role("button", name="Enregistrer le circuit").click()
    staff.look("circuit saved")
    assert "Mandats et titres" in staff.text()

    # The admin's menu: « Flux PES » › « Déposer un flux ».
    staff.goto(site + "/admin/", "admin")
    page.get_by_role("button", name="Flux PES").click()
    page.get_by_role("link", name="Déposer un flux").click()
    page.wait_for_url(re.compile(r"/admin/pes/deposer/$"))
    staff.look("deposit form")
    page.get_by_label("Flux PES_Aller (fichier XML)").set_input_files(str(flux_path))
    page.get_by_role("button", name="Déposer le flux").click()
    page.wait_for_url(re.compile(r"/admin/parapheur/dossiers/\d+/$"))
    folder_url = page.url
    staff.look("folder deposited")
    text = staff.text()
    assert "Flux déposé" in text and "Flux PES : 3 bordereaux" in text
    assert "89\u202f990,00\u00a0€" in text
    # The mandat pays the invoice of the register: a link to it.
    paid = page.get_by_role("table", name="Factures du registre du courrier que ces mandats paient")
    assert "72002" in paid.inner_text() and "Librairie du Mellois" in paid.inner_text()
    assert paid.get_by_role("link", name=chrono).get_attribute("href") == urlsplit(
        invoice_url).path
    staff.goto(site + "/admin/pes/reglages/", "settings")
    assert "chaque bordereau" in staff.text()
    staff.assert_accessible()

    maire = visitor(chromium, "pes-maire", viewport="tablet")
    signed_in(maire, demo, site, MAIRE)
    maire.look("space with the flux to sign")
    parapheur = maire.page.get_by_role("region", name="Parapheur")
    parapheur.get_by_role("link", name=re.compile(f"Flux PES {BUDGET}")).click()
    maire.look("flux folder")
    text = maire.text()
    for words in ("Flux PES : 3 bordereaux", "Mandats", "Titres", "Exercice",
                  "N° de bordereau", "Montant HT", "Pièces", "3\u202f751,20\u00a0€",
                  "89\u202f990,00\u00a0€", "93\u202f832,20\u00a0€", "17/11/2026",
                  "en qualité d'ordonnateur"):
        assert words in text, words
    maire.page.get_by_label("Signer").check()
    maire.page.get_by_role("button", name="Valider").click()
    maire.look("flux signed")
    text = maire.text()
    assert "Dossier signé." in text and "Signé en XAdES" in text, text[:2000]
    maire.assert_accessible()

    path = urlsplit(maire.page.locator("a[href*='/documents/']").first.get_attribute("href")).path
    cookies = {c["name"]: c["value"] for c in maire.context.cookies()}
    signed = httpx.get(f"{demo.url}{path}", headers={"Host": f"{MELLE}:{demo.port}"},
                       cookies=cookies)
    assert signed.status_code == 200 and b"<ds:SignatureValue>" in signed.content
    root_pem = demo.var / "pki" / "racine-demo.pem"
    result = verify_flux(signed.content, load_certificates([str(root_pem)]), online=False)
    assert result.ok, [r.problems for r in result.reports]
    assert len(result.reports) == 3 and {r.signer for r in result.reports} == {MAIRE["name"]}
    assert {r.place for r in result.reports} == {"Melle France"}
    checked = xmlsec_verify(signed.content, [root_pem])
    assert [r.ok for r in checked] == [True, True, True], checked[0].output

    # The DGS sends the signed flux to the Trésor public from its folder (the demo's tiers
    # is the S²LOW stand-in), once.
    staff.goto(folder_url, "folder signed, in the admin")
    page.get_by_role("button", name="Transmettre au Trésor public (Hélios)").click()
    page.wait_for_load_state()
    staff.look("flux sent to helios")
    assert re.search(r"/admin/helios/\d+/$", page.url), staff.text()[:2000]
    assert "déposé chez le tiers" in staff.text(), staff.text()[:2000]
    staff.assert_accessible()
    staff.goto(folder_url, "folder after the transmission")
    assert "Transmis au Trésor public (Hélios) : déposé chez le tiers." in staff.text()
    assert page.get_by_role("button", name="Transmettre au Trésor public (Hélios)").count() == 0
