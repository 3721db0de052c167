"""A scanned letter reaches the GED: Melle's secrétaire scans a letter (an image, no text),
the register recognises its text, she gives it to the services techniques, treats and closes
it; in the GED she finds it by a word that is only in the scan's image, filtered by the
department, and not under another department. (The demo has no Nextcloud, so the read-only
copy in the member's Nextcloud folder is shown by tests/ged/test_mirror.py, not here.)"""

from __future__ import annotations

import re

from tests.courrier.scans import scanned_pdf

from .browsing import log_in, password_again, visitor
from .people import MELLE, SECRETAIRE

SUBJECT = "Signalement lavoir rue du Pont"
WORD = "effondrer"  # only in the scan's image: never in its name, subject or metadata
LINES = ["Madame, Monsieur,", "le lavoir de la rue du Pont menace de s'effondrer",
         "depuis l'orage du 12 novembre.", "Association des Amis du Lavoir"]


def test_a_secretaire_finds_a_scanned_letter_by_a_word_of_its_text(demo, chromium, tmp_path):
    site = demo.site(MELLE)
    staff = visitor(chromium, "ged-more")
    page = staff.page
    password_again(staff, demo, SECRETAIRE)
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])

    scan = tmp_path / f"{SUBJECT}.pdf"
    scan.write_bytes(scanned_pdf(LINES))
    staff.goto(site + "/admin/courrier/numeriser/", "scan letters")
    page.get_by_label("PDF numérisés").set_input_files(scan)
    page.get_by_role("button", name="Enregistrer et reconnaître le texte").click()
    page.wait_for_url(re.compile(r"/admin/courrier/\d+/$"), timeout=120_000)
    staff.look("scanned letter recorded")
    chrono = re.search(r"\d{4}-A-\d{6}", staff.text()).group(0)
    page.get_by_label("Service chargé du traitement").select_option(
        label="Services techniques et voirie")
    page.get_by_role("button", name="Attribuer").click()
    staff.look("letter assigned")
    page.get_by_role("button", name="Marquer comme traité").click()
    staff.look("letter treated")
    page.get_by_role("button", name="Clore").click()
    staff.look("letter closed")
    assert "Pli clos." in staff.text()

    # The GED: the search box of its listing, then the department filter.
    staff.goto(site + "/admin/ged/", "ged documents")
    box = page.locator("#id_q")
    box.fill(WORD)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"q={WORD}"))
    page.wait_for_load_state("networkidle")
    staff.look(f"ged search {WORD}")
    results = page.locator("#listing-results")
    assert results.get_by_role("link", name=SUBJECT).count() == 1, results.inner_text()
    page.get_by_role("button", name=re.compile("filtre", re.I)).first.click()
    page.locator("#filters-drilldown").get_by_role("button", name="Service", exact=True).click()
    page.get_by_label("Service", exact=True).select_option(label="Services techniques et voirie")
    page.wait_for_url(re.compile(r"department=voirie"))
    page.wait_for_load_state("networkidle")
    staff.look("filtered by voirie")
    results = page.locator("#listing-results")
    assert results.get_by_role("link", name=SUBJECT).count() == 1, results.inner_text()
    assert "Services techniques et voirie" in results.inner_text()
    staff.goto(site + f"/admin/ged/?q={WORD}&department=comptabilite",
               "filtered by comptabilité")
    assert page.locator("#listing-results").get_by_role("link", name=SUBJECT).count() == 0

    staff.goto(site + f"/admin/ged/?q={WORD}&department=voirie", "filtered again")
    page.locator("#listing-results").get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(re.compile(r"/admin/ged/\d+/$"))
    staff.look("the filed letter")
    text = staff.text()
    assert "Registre du courrier" in text and chrono in text, text[:2000]
    assert "Services techniques et voirie" in text
    assert "Courrier reçu sans suite administrative" in text
    staff.assert_accessible()
