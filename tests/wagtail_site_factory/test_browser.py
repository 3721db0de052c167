"""The commune theme in a real browser: Debian's Chromium driven by Playwright, audited with
axe-core, served by Django's live server on `alphaville.localhost` (Chromium resolves every
*.localhost name to the loopback address).

Every page type of the template, at 1280x800 and 768x1024: no axe violation of impact serious
or critical; the skip link and the main menu are reachable with the keyboard; the site works
without JavaScript. Screenshots land in test-artifacts/sites/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.images import get_image_model

from nextcloud_bridge.agendas import Event, upsert_event
from nextcloud_bridge.agendas.client import CalDAV
from provisioning.naming import PUBLIC_CALENDAR, calendar_id
from tests.browser import VIEWPORTS, chromium, serious
from tests.factories import commune_inventory, provision
from wagtail_site_factory.models import CommuneSettings, MemberSite

from .content import add_content, png_bytes
from .test_pages import path_of

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sites"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def site_url(live_server, transactional_db, caldav):
    """Alphaville provisioned, with a logo, colours, news, events, a sitting and an act."""
    inv = commune_inventory(names=("Alphaville",))
    provision(inv)
    code = inv.members[0].code
    content = add_content(code, "Alphaville")
    member = MemberSite.objects.select_related("site", "collection").get(code=code)
    logo = get_image_model()(title="Blason", collection=member.collection,
                             file=ContentFile(png_bytes("#2e7d32", (96, 96)), name="blason.png"))
    logo.save()
    settings = CommuneSettings.for_site(member.site)
    settings.logo, settings.primary_color, settings.secondary_color = logo, "#2e7d32", "#fde9b0"
    settings.facebook = "https://www.facebook.com/alphaville"
    settings.save()
    dav, slug = CalDAV(caldav.url, caldav.admin_user, caldav.admin_password), calendar_id(
        code, PUBLIC_CALENDAR)
    if slug not in dav.list_calendars():  # the server lives for the whole module
        dav.create_calendar(slug, "Agenda — Alphaville")
    dav.close()
    start = timezone.now().replace(microsecond=0) + timedelta(days=5)
    upsert_event(code, PUBLIC_CALENDAR, Event("fete", "Fête du village", start,
                                              start + timedelta(hours=5), "Place de l'église"))
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://alphaville.localhost:{port}"
    pages = {"home": "/", "standard": "/mentions-legales/", "news-index": "/actualites/",
             "news": "/actualites/nouveau-site/", "agenda": "/agenda/",
             "municipal": "/vie-municipale/", "sitting": path_of(content.sitting),
             "acts": "/vie-municipale/actes/", "act": path_of(content.act),
             "demarches": "/demarches/", "contact": "/contact/",
             "register": f"/actes/{code}/registre/"}
    return base, pages


def test_every_page_type_passes_axe_at_two_viewports(browser, site_url):
    base, pages = site_url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe, problems = Axe(), []
    for viewport_name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        for name, path in pages.items():
            response = page.goto(base + path)
            assert response.status == 200, f"{path}: HTTP {response.status}"
            assert page.locator("h1").count() == 1, path
            problems += [f"{viewport_name} {path}: {p}" for p in serious(axe.run(page))]
            page.screenshot(path=str(ARTIFACTS / f"{viewport_name}-{name}.png"), full_page=True)
        context.close()
    assert not problems, "axe violations:\n" + "\n".join(problems)


def test_the_skip_link_and_the_main_menu_are_reachable_by_keyboard(browser, site_url):
    base, _ = site_url
    for viewport in VIEWPORTS.values():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(base + "/contact/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Aller au contenu"
        box = page.evaluate("JSON.stringify(document.activeElement.getBoundingClientRect())")
        assert '"top":' in box and page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "contenu"
        page.goto(base + "/contact/")
        menu = []
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("!!document.activeElement.closest('nav.main-nav')"):
                menu.append(page.evaluate("document.activeElement.textContent.trim()"))
        assert menu[:5] == ["Actualités", "Agenda", "Vie municipale", "Démarches", "Contact"]
        page.keyboard.press("Shift+Tab")  # back on "Démarches"...
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        context.close()


def test_the_site_works_without_javascript(browser, site_url):
    base, _ = site_url
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["tablet"])
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Vie municipale").click()
    assert page.url == base + "/vie-municipale/"
    assert page.get_by_role("heading", level=1).inner_text() == "Vie municipale"
    page.goto(base + "/demarches/")
    page.get_by_label("Vos nom et prénom").fill("Jeanne Habitante")
    page.get_by_label("Votre adresse de courriel").fill("jeanne@example.org")
    page.get_by_label("Objet").fill("Salle des fêtes")
    page.get_by_label("Votre message").fill("Est-elle libre samedi ?")
    page.get_by_role("button", name="Envoyer").click()
    assert "bien été envoyé" in page.content()
    page.screenshot(path=str(ARTIFACTS / "nojs-demarches-sent.png"))
    context.close()


def test_the_syndicates_page_passes_axe_and_leads_to_the_members_sites(browser, site_url):
    base, _ = site_url
    port = base.rsplit(":", 1)[1]
    bare = f"http://127.0.0.1:{port}"
    axe, problems = Axe(), []
    for viewport_name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        icons = []
        page.on("response", lambda r, icons=icons: icons.append(r.status)
                if r.url.endswith("favicon.svg") else None)
        assert page.goto(bare + "/").status == 200
        assert page.locator("h1").inner_text() == "Syndicat test"
        assert page.get_by_role("link", name="Espace d'administration").first.get_attribute(
            "href") == "/admin/"
        problems += [f"{viewport_name} syndicate: {p}" for p in serious(axe.run(page))]
        page.screenshot(path=str(ARTIFACTS / f"{viewport_name}-syndicate.png"), full_page=True)
        page.wait_for_load_state("networkidle")
        assert icons and set(icons) <= {200, 304}, icons  # the icon the pages link to loads
        page.get_by_role("link", name="Alphaville").click()
        page.wait_for_load_state()
        assert page.url == base + "/"  # the member's site, on the port the visitor used
        assert page.locator("h1").inner_text() == "Alphaville"
        context.close()
    assert not problems, "axe violations:\n" + "\n".join(problems)
