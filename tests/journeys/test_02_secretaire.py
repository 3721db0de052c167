"""A secrétaire de mairie (here Melle's DGS, who does the secretariat of the council): the
activation link from the mail, a password, the login on the commune's host, a page edited and
published then seen on the public site."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from .browsing import activate_account, log_in, pdf_file, visitor
from .people import MELLE, SECRETAIRE


def test_the_secretaire_activates_logs_in_and_publishes_a_page(demo, chromium, tmp_path):
    staff = visitor(chromium, "secretaire")
    page, site = staff.page, demo.site(MELLE)

    # A weak password is refused with a sentence, and the link keeps working.
    from .browsing import open_mail

    open_mail(staff, demo.mailbox, SECRETAIRE["email"], "choisissez votre mot de passe")
    assert "ne-pas-repondre@paysmellois.fr" in staff.text()  # the inventory's smtp `from`
    page.locator("a[href*=\"/activation/\"]").first.click()
    page.get_by_label("Nouveau mot de passe").fill("111111111111")
    page.get_by_label("Confirmez le mot de passe").fill("111111111111")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    staff.look("weak password refused")
    assert "caractères différents" in staff.text()

    activate_account(staff, demo, SECRETAIRE["email"], SECRETAIRE["password"])
    page.get_by_role("link", name="Se connecter sur le site de Melle").click()
    staff.look("login on the commune's host")
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    assert page.url == site + "/admin/"
    staff.look("admin dashboard")

    # Edit a page and publish it.
    staff.goto(site + "/admin/pages/search/?q=Mentions", "page search")
    page.get_by_role("link", name="Mentions légales").first.click()
    staff.look("page editor")
    demo.story["page_editor"] = page.url
    page.get_by_role("textbox", name="Titre*").fill("Mentions légales et crédits")
    page.get_by_role("button", name="Plus d'actions").click()
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    staff.look("page published")
    staff.goto(site + "/mentions-legales/", "public page")
    assert page.get_by_role("heading", level=1).inner_text() == "Mentions légales et crédits"

    # Prepare the council's sitting with its PDFs, then send the convocation.
    staff.goto(site + "/admin/convocations/", "sittings")
    page.get_by_role("link", name="Nouvelle séance").first.click()
    page.wait_for_load_state()
    staff.look("new sitting form")
    page.get_by_label("Assemblée").select_option(label="Conseil municipal — Melle")
    page.get_by_label("Intitulé").fill("Séance du conseil municipal")
    day = timezone.localdate() + timedelta(days=14)
    page.get_by_label("Date et heure").fill(f"{day:%Y-%m-%d}T20:00")
    page.get_by_label("Lieu").fill("Salle du conseil, hôtel de ville")
    page.get_by_role("button", name="Créer la séance").click()
    staff.look("sitting created")
    page.get_by_label("Objet").fill("Budget primitif 2027")
    # A web page renamed .pdf is refused with a sentence naming it; the title typed stays.
    planted = tmp_path / "budget-piege.pdf"
    planted.write_bytes(b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>")
    page.get_by_label("Projet de délibération (PDF)").set_input_files(planted)
    page.get_by_role("button", name="Ajouter le point").click()
    staff.look("planted file refused")
    assert "« budget-piege.pdf » n'est pas un PDF" in staff.text()
    assert page.get_by_label("Objet").input_value() == "Budget primitif 2027"
    page.get_by_label("Projet de délibération (PDF)").set_input_files(
        pdf_file(tmp_path, "budget.pdf", "Projet de délibération : budget primitif 2027"))
    page.get_by_role("button", name="Ajouter le point").click()
    staff.look("item added")
    page.get_by_label("Note explicative de synthèse (PDF)").set_input_files(
        pdf_file(tmp_path, "note.pdf", "Note explicative de synthèse"))
    page.get_by_role("button", name="Joindre la note").click()
    staff.look("note attached")
    page.get_by_role("button", name="Envoyer la convocation").click()
    staff.look("convocation sent")
    sent = staff.text()
    assert "ProvisioningError" not in sent and "Nextcloud" in sent, sent[:2000]
    assert re.search(r"Convocation envoyée aux \d+ membres", sent), sent[:2000]
    demo.story["sitting"] = page.url.split("#")[0]  # /admin/convocations/seances/<pk>/
    assert "/admin/convocations/seances/" in demo.story["sitting"], page.url

    # The sitting is in the listing, its state a status tag; the old address redirects.
    staff.goto(site + "/admin/convocations/?state=sent", "sittings sent")
    path = urlsplit(demo.story["sitting"]).path
    assert page.locator(f'a[href="{path}"]').count() >= 1
    assert "convoquée" in page.locator("#listing-results").inner_text()
    old = path.replace("/admin/convocations/", "/convocation/")
    staff.goto(site + old, "old sitting address")
    assert page.url == demo.story["sitting"], page.url

    # The sitting is announced on the commune's site.
    staff.goto(site + "/vie-municipale/", "public council page")
    page.get_by_role("link", name=re.compile(r"^Conseil municipal du ")).click()
    staff.look("public sitting page")
    assert "Budget primitif 2027" in staff.text()
    staff.assert_accessible()
