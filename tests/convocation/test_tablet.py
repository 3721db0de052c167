"""The personal link on a tablet: Debian's Chromium driven by Playwright at 768×1024 with a
touch screen, against Django's live server. Screenshots land in test-artifacts/convocation/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import sync_playwright

from convocation.models import Answer, Receipt
from convocation.receipts import current_answer

from .sittings import prepared

CHROMIUM = os.environ.get("MUTUALIS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "convocation"


@pytest.mark.django_db(transaction=True)
def test_a_member_acknowledges_and_answers_on_a_tablet(live_server, council):
    sitting, tokens = prepared(council, items=3, annexes=1)
    me, holder = council.elected[1], council.elected[3]
    url = live_server.url + reverse("convocation_link:link", args=[tokens[me.uid]])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 768, "height": 1024},
                                      has_touch=True, is_mobile=True, locale="fr-FR")
        page = context.new_page()
        page.goto(url)
        receipt_text = page.locator("#receipt").inner_text()
        page.screenshot(path=str(ARTIFACTS / "1-receipt.png"), full_page=True)
        # Nothing overflows the tablet's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        combined = page.get_by_role("link", name="Dossier complet (avec sommaire)")
        document = context.request.get(live_server.url + combined.get_attribute("href"))
        assert document.ok and document.body().startswith(b"%PDF")
        # Every target a finger taps is at least 44 px high (WCAG 2.5.5).
        targets = page.evaluate("""() => [...document.querySelectorAll(
            '.space a, .space button, .space select, .space-choices label, .space summary')]
            .map(e => [e.textContent.trim().slice(0, 40), e.getBoundingClientRect().height])""")
        assert len(targets) >= 10
        assert [t for t in targets if t[1] < 44] == []
        assert page.get_by_role("link", name="Mon espace des élus").get_attribute(
            "href") == "/espace-elus/"
        page.get_by_label("absent, donne pouvoir").tap()
        page.get_by_label("je donne pouvoir à").select_option(
            label=f"{holder.given_name} {holder.surname}")
        page.screenshot(path=str(ARTIFACTS / "2-proxy.png"), full_page=True)
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer ma réponse").tap()
        confirmation = page.locator(".messages").inner_text()
        current = page.locator("#current").inner_text()
        page.screenshot(path=str(ARTIFACTS / "3-answered.png"), full_page=True)
        page.get_by_label("présent", exact=True).tap()
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer ma réponse").tap()
        assert page.url == url
        after = page.locator("#current").inner_text()
        browser.close()
    assert receipt_text.startswith("Accusé de réception enregistré le")
    assert "absent, donne pouvoir" in confirmation
    assert current == f"Vous avez donné pouvoir à {holder.given_name} {holder.surname}."
    assert after == "Vous avez indiqué que vous serez présent(e)."
    convocation = sitting.convocations.get(person=me)
    assert Receipt.objects.filter(convocation=convocation).count() == 1
    assert [a.choice for a in convocation.answers.all()] == [Answer.PROXY, Answer.PRESENT]
    assert current_answer(convocation).choice == Answer.PRESENT
    assert (ARTIFACTS / "3-answered.png").stat().st_size > 10_000
