"""The GED: Melle subscribes to it (examples/pays-mellois.yml). Its secrétaire files a
document from the admin, finds it again by a word that is only in the PDF's text, and reads
its retention rule; the plan de classement and the end-of-DUA proposals are one click away.
What the apps finished before (the convocation dossier sent by test_02, in the suite's
order) was filed on its own."""

from __future__ import annotations

import re

from .browsing import log_in, password_again, pdf_file, visitor
from .people import MELLE, SECRETAIRE

TITLE = "Devis de réfection de la toiture de l'école"
WORD = "zinguerie"  # only in the PDF's text, never in its title


def test_a_secretaire_files_a_document_finds_it_and_sees_its_rule(demo, chromium, tmp_path):
    site = demo.site(MELLE)
    staff = visitor(chromium, "ged")
    page = staff.page
    password_again(staff, demo, SECRETAIRE)
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    staff.goto(site + "/admin/", "admin home")
    page.get_by_role("link", name="GED et archives", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/ged/$"))
    staff.look("documents")
    if "sitting" in demo.story:  # the suite's order: the sent dossier was filed on its own
        assert "Dossiers de séance" in staff.text(), staff.text()[:2000]

    page.get_by_role("link", name="Classer un document").click()
    page.wait_for_url(re.compile(r"/admin/ged/classer/$"))
    staff.look("file a document")
    page.get_by_label("Type de document").select_option(
        label="Marchés attribués (pièces contractuelles)")
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Auteur").fill("Entreprise Bernardeau")
    page.get_by_label("Date du document").fill("2026-11-02")
    page.get_by_label("Fichier").set_input_files(
        pdf_file(tmp_path, "devis.pdf", f"Travaux de couverture et de {WORD} du groupe scolaire"))
    page.get_by_role("button", name="Classer").click()
    page.wait_for_url(re.compile(r"/admin/ged/\d+/$"))
    staff.look("document filed")
    assert TITLE in staff.text()
    document_url = page.url

    # The admin's search box, then its « Autres recherches »: the GED's documents.
    box = page.locator("#wagtail-sidebar").get_by_role("textbox")
    box.fill(WORD)
    box.press("Enter")
    page.wait_for_load_state()
    staff.look(f"search {WORD}")
    page.get_by_role("navigation", name="Autres recherches").get_by_role(
        "link", name="Documents (GED)").click()
    page.wait_for_load_state()
    staff.look("documents found")
    results = page.locator("#listing-results")
    assert results.get_by_role("link", name=TITLE).count() == 1, results.inner_text()
    results.get_by_role("link", name=TITLE).click()
    page.wait_for_url(document_url)
    staff.look("the document")
    rule = page.locator("#retention-rule").inner_text()
    assert "DUA de 10 an(s) et 0 mois à compter de : clôture du dossier" in rule, rule
    assert "Sort final : tri" in rule, rule
    assert "La DUA ne court pas encore" in staff.text()  # the file is not closed yet

    staff.goto(site + "/admin/ged/plan/", "plan de classement")
    assert "Marchés attribués (pièces contractuelles)" in staff.text()
    staff.goto(site + "/admin/ged/propositions/", "proposals")
    assert "Préparer les propositions" in staff.text()
    staff.assert_accessible()
