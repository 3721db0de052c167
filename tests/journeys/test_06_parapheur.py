"""The parapheur, from the deposit to the verified signature: Melle's DGS makes a circuit and
deposits an arrêté in the Wagtail admin (/admin/parapheur/), the maire signs it on his tablet
in his space (/espace-elus/parapheur/) with his demo credential, and Poppler's `pdfsig`,
trusting the demo's certification authority alone, verifies the signed file."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlsplit

import httpx

from .browsing import log_in, pdf_file, visitor
from .people import MAIRE, MELLE, SECRETAIRE


def test_the_maire_signs_a_folder_the_dgs_deposited(demo, chromium, sent_sitting, tmp_path):
    site = demo.site(MELLE)
    staff = visitor(chromium, "parapheur-staff")
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    # The parapheur's entry in the admin's menu, its folders' listing, then a new circuit.
    staff.goto(site + "/admin/", "admin")
    staff.page.get_by_role("link", name="Parapheur").first.click()
    staff.page.wait_for_url(re.compile(r"/admin/parapheur/$"))
    staff.look("folders listing")
    staff.assert_accessible()
    staff.goto(site + "/admin/parapheur/collectivites/79174/circuits/nouveau/", "new circuit")
    page = staff.page
    page.get_by_label("Nom du circuit").fill("Arrêtés du maire")
    page.get_by_label("Type de dossier").fill("Arrêté")
    step = page.get_by_role("group", name="Étape 1")
    step.get_by_label("Nature de l'étape").select_option(label="Signature")
    step.get_by_label(re.compile(r"Sylvain Gaborit")).check()
    staff.look("circuit's step")  # Wagtail's select and checkboxes
    staff.assert_accessible()
    page.get_by_role("button", name="Enregistrer le circuit").click()
    staff.look("circuit saved")
    assert "/admin/parapheur/collectivites/79174/circuits/" in page.url
    assert "Arrêtés du maire" in staff.text()
    demo.story["staff_circuits"] = page.url

    # The listing's header action: "Déposer un dossier" (for Melle, the host's member).
    staff.goto(site + "/admin/parapheur/", "listing")
    page.get_by_role("link", name="Déposer un dossier").click()
    page.wait_for_url(re.compile(r"/admin/parapheur/deposer/$"))
    staff.look("deposit")
    page.get_by_label("Objet").fill("Arrêté de voirie : rue de la Poste")
    page.get_by_label("Type de dossier").select_option(label="Arrêté")
    page.get_by_label("Documents à signer (PDF)").set_input_files(
        pdf_file(tmp_path, "arrete.pdf", "Arrêté de voirie : rue de la Poste"))
    page.get_by_role("button", name="Déposer", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/parapheur/dossiers/\d+/$"))
    staff.look("folder deposited")
    assert "Arrêté de voirie : rue de la Poste" in staff.text()
    assert "en cours" in staff.text().lower()  # its status tag
    demo.story["staff_folder"] = page.url
    staff.assert_accessible()

    maire = visitor(chromium, "parapheur-maire", viewport="tablet")
    log_in(maire, site, MAIRE["uid"], MAIRE["password"])
    maire.look("space with a folder to sign")
    # The folder is listed in the space's parapheur section (and in the list across members).
    parapheur = maire.page.get_by_role("region", name="Parapheur")
    parapheur.get_by_role("link", name=re.compile("Arrêté de voirie")).click()
    maire.look("folder")
    assert re.search(r"/parapheur/dossiers/\d+/$", maire.page.url), maire.page.url
    demo.story["folder"] = maire.page.url
    maire.page.get_by_label("Signer").check()
    maire.page.get_by_role("button", name="Valider").click()
    maire.look("signed")
    assert "ProvisioningError" not in maire.text() and "Error" not in maire.text()
    path = urlsplit(maire.page.locator("a[href*='/documents/']").first.get_attribute("href")).path
    demo.story["signed_document"] = path
    # The maire's session, over plain HTTP: the system resolver knows no *.localhost name.
    cookies = {c["name"]: c["value"] for c in maire.context.cookies()}
    signed = httpx.get(f"{demo.url}{path}", headers={"Host": f"{MELLE}:{demo.port}"},
                       cookies=cookies)
    assert signed.status_code == 200 and signed.content.startswith(b"%PDF")
    (tmp_path / "signed.pdf").write_bytes(signed.content)

    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "demo", "-t", "CT,C,C",
                    "-i", str(demo.var / "pki" / "racine-demo.pem")], check=True)
    verified = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "signed.pdf")],
                              capture_output=True, text=True)
    assert "Signature is Valid." in verified.stdout, verified.stdout
    assert "Certificate is Trusted." in verified.stdout, verified.stdout
    assert "Sylvain Gaborit" in verified.stdout

    # No Nextcloud on the demo: the folder says it is signed but not deposited there.
    assert "Nextcloud" in maire.text() and "aucun Nextcloud n'est configuré" in maire.text()

    # His credential, as he sees it.
    maire.goto(site + "/espace-elus/parapheur/mon-certificat/", "my credential")
    assert "certificat de démonstration" in maire.text()
    maire.assert_accessible()


def test_the_dgs_installs_an_officials_credential(demo, chromium, sent_sitting, tmp_path):
    """A credential the official's certification authority issued (here the demo's, as a
    prefecture-approved one would be), installed from its PKCS#12 file by Melle's DGS."""
    from signature.demo_pki import demo_pki
    from signature.pki.keys import make_pkcs12

    pki = demo_pki(demo.var / "pki")
    key, certificate = pki.issue("Stéphane", "Bernardeau",
                                 "stephane.bernardeau@melle.paysmellois.fr")
    p12 = tmp_path / "bernardeau.p12"
    p12.write_bytes(make_pkcs12(key, certificate, [pki.root], b"phrase du fichier p12"))

    site = demo.site(MELLE)
    dgs = visitor(chromium, "credentials")
    log_in(dgs, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    dgs.goto(site + "/admin/parapheur/collectivites/79174/certificats/", "officials' credentials")
    dgs.assert_accessible()
    dgs.page.get_by_role("link", name=re.compile(r"certificat : Stéphane Bernardeau")).click()
    dgs.look("install form")
    dgs.page.get_by_label("Fichier du certificat (.p12 ou .pfx)").set_input_files(p12)
    dgs.page.get_by_label("Mot de passe du fichier").fill("pas le bon")
    dgs.page.get_by_role("button", name="Installer le fichier PKCS#12").click()
    dgs.look("wrong password")
    assert "Le mot de passe du certificat est incorrect." in dgs.text()
    dgs.page.get_by_label("Fichier du certificat (.p12 ou .pfx)").set_input_files(p12)
    dgs.page.get_by_label("Mot de passe du fichier").fill("phrase du fichier p12")
    dgs.page.get_by_role("button", name="Installer le fichier PKCS#12").click()
    dgs.look("credential installed")
    assert "Certificat installé pour Stéphane Bernardeau" in dgs.text()
    dgs.assert_accessible()
