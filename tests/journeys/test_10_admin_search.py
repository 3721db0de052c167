"""The admin's search: Melle's secrétaire types in the Wagtail admin's search box, and its
« Autres recherches » take her to Melle's sittings, parapheur folders and acts. Another commune
(Celles-sur-Belle) has a sitting of the same title: she never sees it, on her host, and
Celles' DGS, on hers, finds only Celles' sitting (and no parapheur, which Celles does not
subscribe to)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from .browsing import log_in, visitor
from .people import MELLE, OTHER_COMMUNE, OTHER_STAFF, SECRETAIRE

TITLE = "Séance du conseil municipal"  # the secrétaire's journey gave Melle's sitting this one


def search(person, query: str) -> None:
    """Type in the admin sidebar's search box, as a person would."""
    box = person.page.locator("#wagtail-sidebar").get_by_role("textbox")
    box.fill(query)
    box.press("Enter")
    person.page.wait_for_load_state()
    person.look(f"search {query}")


def other_searches(person):
    return person.page.get_by_role("navigation", name="Autres recherches")


def test_the_secretaire_finds_her_sitting_and_not_another_communes(demo, chromium,
                                                                   sent_sitting):
    # Celles-sur-Belle's DGS prepares a sitting with the same title as Melle's.
    other = visitor(chromium, "admin-search-other")
    link = demo.cli("passwd-link", OTHER_STAFF["uid"]).strip()
    other.goto(link, "activation")
    other.page.get_by_label("Nouveau mot de passe").fill(OTHER_STAFF["password"])
    other.page.get_by_label("Confirmez le mot de passe").fill(OTHER_STAFF["password"])
    other.page.get_by_role("button", name="Enregistrer le mot de passe").click()
    other.look("password chosen")
    celles = demo.site(OTHER_COMMUNE)
    log_in(other, celles, OTHER_STAFF["uid"], OTHER_STAFF["password"])
    other.goto(celles + "/admin/convocations/seances/nouvelle/", "new sitting")
    page = other.page
    page.get_by_label("Assemblée").select_option(label="Conseil municipal — Celles-sur-Belle")
    page.get_by_label("Intitulé").fill(TITLE)
    day = timezone.localdate() + timedelta(days=21)
    page.get_by_label("Date et heure").fill(f"{day:%Y-%m-%d}T19:00")
    page.get_by_label("Lieu").fill("Salle des fêtes de Celles-sur-Belle")
    page.get_by_role("button", name="Créer la séance").click()
    page.wait_for_load_state()
    other.look("sitting created")
    celles_sitting = urlsplit(page.url).path
    assert celles_sitting.startswith("/admin/convocations/seances/"), page.url
    melle_sitting = urlsplit(demo.story["sitting"]).path

    # Melle's secrétaire searches from the admin's search box.
    staff = visitor(chromium, "admin-search")
    site = demo.site(MELLE)
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    search(staff, "conseil municipal")
    areas = other_searches(staff)
    for label in ("Séances", "Dossiers du parapheur", "Actes"):
        assert areas.get_by_role("link", name=label).count() == 1, label
    areas.get_by_role("link", name="Séances").click()
    staff.page.wait_for_load_state()
    staff.look("sittings found")
    results = staff.page.locator("#listing-results")
    assert results.locator(f'a[href="{melle_sitting}"]').count() >= 1
    assert results.locator(f'a[href="{celles_sitting}"]').count() == 0
    assert "Celles-sur-Belle" not in results.inner_text()
    # Her search goes on in the parapheur's folders and the acts, Melle's only.
    other_searches(staff).get_by_role("link", name="Dossiers du parapheur").click()
    staff.page.wait_for_load_state()
    staff.look("folders found")
    assert "Celles-sur-Belle" not in staff.page.locator("#listing-results").inner_text()
    other_searches(staff).get_by_role("link", name="Actes").click()
    staff.page.wait_for_load_state()
    staff.look("acts found")
    assert "Celles-sur-Belle" not in staff.page.locator("#listing-results").inner_text()
    # Celles' sitting, opened by its address on Melle's host, is no page of hers.
    assert staff.page.goto(site + celles_sitting).status == 404

    # Celles' DGS, on her host, finds Celles' sitting and not Melle's; no parapheur there.
    search(other, "conseil municipal")
    areas = other_searches(other)
    assert areas.get_by_role("link", name="Dossiers du parapheur").count() == 0
    areas.get_by_role("link", name="Séances").click()
    other.page.wait_for_load_state()
    other.look("sittings found")
    results = other.page.locator("#listing-results")
    assert results.locator(f'a[href="{celles_sitting}"]').count() >= 1
    assert results.locator(f'a[href="{melle_sitting}"]').count() == 0
    staff.assert_accessible()
    other.assert_accessible()


def test_the_dgs_finds_her_circuit_with_the_listings_search_and_filters(demo, chromium):
    """The circuits' listing is Wagtail's: its search box, its filters, its sorting."""
    if "staff_circuits" not in demo.story:
        pytest.fail("the parapheur's journey (test_06) must run first: it makes the circuit")
    staff = visitor(chromium, "admin-search-circuits")
    site = demo.site(MELLE)
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    circuits = site + "/admin/parapheur/collectivites/79174/circuits/"
    staff.goto(circuits + "?q=maire", "circuits searched")
    results = staff.page.locator("#listing-results")
    assert "Arrêtés du maire" in results.inner_text()
    staff.goto(circuits + "?state=inactive", "circuits deactivated")
    assert "Arrêtés du maire" not in staff.page.locator("#listing-results").inner_text()
    staff.goto(circuits + "?state=active&folder_type=Arr%C3%AAt%C3%A9&ordering=-name",
               "active circuits of a type")
    assert "Arrêtés du maire" in staff.page.locator("#listing-results").inner_text()
    # Another commune's DGS, on her host, has no parapheur: its circuits' address is refused.
    other = visitor(chromium, "admin-search-circuits-other")
    log_in(other, demo.site(OTHER_COMMUNE), OTHER_STAFF["uid"], OTHER_STAFF["password"])
    response = other.page.goto(demo.site(OTHER_COMMUNE)
                               + "/admin/parapheur/collectivites/79174/circuits/?q=maire")
    assert response.status in (403, 404)
    assert "Arrêtés du maire" not in other.text()
    other.look("circuits refused")
    staff.assert_accessible()
    other.assert_accessible()
