"""An act from its recording to the citizen's check: Melle's DGS records an arrêté and puts it
online; a citizen finds it on the commune's site, downloads its text and finds the SHA-256 the
page and the publication register show."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import httpx
from django.utils import timezone

from .browsing import log_in, pdf_file, visitor
from .people import MELLE, SECRETAIRE

NUMBER = "A2026_014"
SUBJECT = "Arrêté portant réglementation de la circulation rue de la Poste"


def test_an_act_recorded_and_published_is_checked_by_a_citizen(demo, chromium, sent_sitting,
                                                               tmp_path):
    site = demo.site(MELLE)
    staff = visitor(chromium, "acts-staff")
    page = staff.page
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    staff.goto(site + "/admin/", "admin home")
    page.get_by_role("link", name="Actes", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/actes/$"))
    staff.look("acts")
    staff.assert_accessible()
    page.get_by_role("link", name="Enregistrer un acte").click()
    page.wait_for_url(re.compile(r"/admin/actes/nouveau/$"))
    staff.look("record an act")
    page.get_by_label("Numéro").fill(NUMBER)
    page.get_by_label("Nature").select_option(label="Acte réglementaire")
    page.get_by_label("Date de décision").fill(f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Classification (code de matière)").fill("5.2")
    page.get_by_label("Acte signé (PDF)").set_input_files(pdf_file(tmp_path, "arrete.pdf", SUBJECT))
    page.get_by_role("button", name="Enregistrer l'acte").click()
    staff.look("act recorded")
    assert NUMBER in staff.text(), staff.text()[:1500]
    assert re.search(r"/admin/actes/\d+/$", page.url), page.url
    demo.story["act"] = page.url
    page.get_by_role("button", name="Publier").click()
    staff.look("act published")
    assert "Acte publié le" in staff.text()
    assert page.locator("#main .w-status").first.inner_text().strip().lower() == "publié"
    staff.assert_accessible()
    # The demo has no tiers de télétransmission: the page says so instead of offering to send
    # (tests/actes send through the S²LOW stand-in).
    assert "Aucun tiers de télétransmission n'est configuré" in staff.text()
    assert page.get_by_role("button", name="Transmettre en préfecture").count() == 0
    # The listing shows where the act stands, and filters on it.
    staff.goto(site + "/admin/actes/?state=published", "acts published")
    assert NUMBER in staff.text()
    staff.goto(site + "/admin/actes/?state=recorded", "acts not yet published")
    assert NUMBER not in staff.text()
    # The member's settings and the prefecture's classification, as Wagtail forms.
    staff.goto(site + "/admin/actes/parametres/79174/", "acts settings")
    assert page.get_by_label("SIRET").is_visible()
    staff.assert_accessible()
    staff.goto(site + "/admin/actes/classification/", "acts classification")
    assert "Classification en vigueur" in staff.text()
    staff.assert_accessible()
    # An old bookmark of the staff pages lands in the admin.
    staff.goto(site + "/actes/", "old acts bookmark")
    assert page.url == site + "/admin/actes/", page.url

    citizen = visitor(chromium, "acts-citizen", viewport="tablet")
    citizen.goto(site + "/vie-municipale/actes/", "published acts")
    citizen.page.get_by_role("link", name=re.compile("circulation rue de la Poste")).first.click()
    citizen.look("the act")
    shown = citizen.page.locator("code.hash").inner_text().strip()
    href = citizen.page.get_by_role("link", name=re.compile("Télécharger")).get_attribute("href")
    # The file as the citizen's browser gets it (the system resolver knows no *.localhost).
    text = httpx.get(demo.url + urlsplit(href).path, headers={"Host": f"{MELLE}:{demo.port}"})
    assert text.status_code == 200 and text.content.startswith(b"%PDF")
    assert hashlib.sha256(text.content).hexdigest() == shown

    citizen.goto(site + "/actes/79174/registre/", "publication register")
    assert shown in citizen.text() and NUMBER in citizen.text()
    citizen.assert_accessible()
