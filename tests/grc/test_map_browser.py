"""The signalement's map in a real browser (Debian's Chromium, axe-core), served by Django's
live server: with JavaScript and a tile server, a click on the map fills the coordinates the
request then carries; without JavaScript, the same page asks for an address and optional
coordinates. Screenshots land in test-artifacts/grc/."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from grc.models import CitizenRequest
from tests.browser import VIEWPORTS, chromium, serious
from tests.doubles.tiles import serve_tiles

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "grc"
TILES = "http://tuiles.test"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def fill_signalement(page) -> None:
    page.get_by_label("Vos nom et prénom").fill("Camille Riveraine")
    page.get_by_label("Votre adresse de courriel").fill("camille@example.org")
    page.get_by_label("Nature du problème").select_option(label="Éclairage public")
    page.get_by_label("Lieu (adresse ou repère)").fill("Place de la mairie")
    page.get_by_label("Description").fill("Le lampadaire clignote.")


def test_a_click_on_the_map_places_the_signalement(browser, live_server, commune, settings):
    settings.MUTUALIS_GRC_MAP_TILES = TILES + "/{z}/{x}/{y}.png"
    settings.MUTUALIS_GRC_MAP_ATTRIBUTION = "Fond de carte de test"
    settings.MUTUALIS_GRC_MAP_VIEW = (46.2183, -0.1479, 15)
    settings.MUTUALIS_GRC_MIN_FILL_SECONDS = 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = f"http://{commune.hostname}:{live_server.url.rsplit(':', 1)[1]}"
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR")
    asked = serve_tiles(context, TILES)
    page = context.new_page()
    page.goto(url + "/demarches/en-ligne/signalement/")
    page.wait_for_selector(".leaflet-tile-loaded")
    assert any(p.startswith("/15/") for p in asked)
    fill_signalement(page)
    lat, lon = page.get_by_label("Latitude (facultatif)"), page.get_by_label(
        "Longitude (facultatif)")
    assert lat.input_value() == "" and "Fond de carte de test" in page.inner_text(".map")
    page.locator(".map").click(position={"x": 120, "y": 90})
    assert page.locator(".leaflet-marker-icon").count() == 1
    clicked = float(lat.input_value()), float(lon.input_value())
    assert abs(clicked[0] - 46.2183) < 0.05 and abs(clicked[1] + 0.1479) < 0.05
    assert clicked != (46.2183, -0.1479)  # the point clicked, not the view's centre
    page.screenshot(path=str(ARTIFACTS / "map-clicked.png"), full_page=True)
    problems = serious(Axe().run(page))
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/suivi/**")
    filed = CitizenRequest.objects.get()
    assert filed.answers["lieu-coordonnees"] == f"{clicked[0]:.6f}, {clicked[1]:.6f}"
    assert not problems, "axe violations:\n" + "\n".join(problems)
    context.close()


def test_without_javascript_the_place_is_typed(browser, live_server, commune, settings):
    settings.MUTUALIS_GRC_MAP_TILES = TILES + "/{z}/{x}/{y}.png"
    settings.MUTUALIS_GRC_MIN_FILL_SECONDS = 0
    url = f"http://{commune.hostname}:{live_server.url.rsplit(':', 1)[1]}"
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["tablet"],
                                  locale="fr-FR")
    asked = serve_tiles(context, TILES)
    page = context.new_page()
    page.goto(url + "/demarches/en-ligne/signalement/")
    assert page.locator(".leaflet-container").count() == 0 and not asked
    fill_signalement(page)
    page.get_by_label("Latitude (facultatif)").fill("46,2190")
    page.get_by_label("Longitude (facultatif)").fill("-0,1460")
    page.screenshot(path=str(ARTIFACTS / "nojs-place-typed.png"), full_page=True)
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/suivi/**")
    assert CitizenRequest.objects.get().answers["lieu-coordonnees"] == "46.219000, -0.146000"
    context.close()
