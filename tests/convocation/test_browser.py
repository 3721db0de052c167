"""The staff's sitting page of the Wagtail admin in a real browser (Debian's Chromium driven by
Playwright, audited with axe-core, served by Django's live server): the tracking table, an
admin listing of ten columns, stays inside its panel at 1280x800 and 768x1024 and scrolls
there, from the keyboard too, never the page. Screenshots land in test-artifacts/convocation/."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convocation.models import Answer, Convocation
from provisioning.models import RegistryPerson
from tests.browser import chromium, serious
from tests.factories import make_council

from .sittings import prepared

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "convocation"

# The region's and the table's boxes, and the page's width, as the browser lays them out.
GEOMETRY = """() => {
  const region = document.querySelector('.table-scroll[aria-label="Suivi des convocations"]');
  const card = region.closest('section').getBoundingClientRect();
  const table = region.querySelector('table').getBoundingClientRect();
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
          scroll: region.scrollWidth, client: region.clientWidth,
          cardRight: card.right, tableRight: table.right,
          regionRight: region.getBoundingClientRect().right,
          role: region.getAttribute('role'), tabindex: region.getAttribute('tabindex')};
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def sent_sitting(live_server, transactional_db):
    """A sitting sent to members with long names and addresses, some of whom answered."""
    council = make_council(members=7, name="Saint-Martin-de-Saint-Maixent")
    for i, person in enumerate(council.elected):
        RegistryPerson.objects.filter(pk=person.pk).update(
            given_name=f"Marie-Christine{i}", surname=f"de La Rochefoucauld-Montbel{i}",
            email=f"marie-christine.de-la-rochefoucauld-montbel-{i}@mairie-exemple.fr")
    sitting, _tokens = prepared(council)
    Convocation.objects.filter(sitting=sitting).update(reminded_at=timezone.now())
    for convocation in sitting.convocations.all()[:3]:
        Answer.objects.create(convocation=convocation, choice=Answer.ABSENT)
    client = Client()
    client.force_login(council.user())
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return live_server.url + reverse("convocation:sitting", args=[sitting.pk]), cookie


def open_page(browser, url: str, cookie: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie,
                          "url": url}])
    page = context.new_page()
    assert page.goto(url).status == 200
    return context, page


def test_the_tracking_table_scrolls_inside_its_panel_never_the_page(
        browser, sent_sitting):
    url, cookie = sent_sitting
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    context, page = open_page(browser, url, cookie, 1280, 800)
    box = page.evaluate(GEOMETRY)
    page.screenshot(path=str(ARTIFACTS / "desktop-sitting.png"), full_page=True)
    assert box["page"] <= box["viewport"], box
    assert box["regionRight"] <= box["cardRight"], box
    assert box["role"] == "region" and box["tabindex"] == "0"
    assert page.get_by_role("table", name="Suivi des convocations").count() == 1
    assert not serious(axe.run(page)), serious(axe.run(page))
    context.close()

    context, page = open_page(browser, url, cookie, 768, 1024)
    box = page.evaluate(GEOMETRY)
    page.screenshot(path=str(ARTIFACTS / "tablet-sitting.png"), full_page=True)
    assert box["page"] <= box["viewport"], box  # the page itself never scrolls sideways
    assert box["scroll"] > box["client"] and box["regionRight"] <= box["cardRight"], box
    region = page.get_by_role("region", name="Suivi des convocations")
    region.focus()
    for _ in range(5):  # the page's CSP forbids eval, so no wait_for_function
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)  # smooth scrolling
    assert region.evaluate("element => element.scrollLeft") > 0
    assert not serious(axe.run(page)), serious(axe.run(page))
    context.close()
