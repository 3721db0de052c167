"""One person, two places: the EPCI's IT manager (an agent there) is also a conseiller
municipal of Celles-sur-Belle. With one account he works in the EPCI's Wagtail admin on the
EPCI's host, and reads his convocations in Celles-sur-Belle's officials' space on its host;
neither place lets him into the other's part."""

from __future__ import annotations

import re

from .browsing import activate_account, log_in, visitor
from .people import EPCI, OTHER_COMMUNE, TWO_HATS


def test_staff_in_one_member_and_elected_in_another(demo, chromium):
    person = visitor(chromium, "two-hats")
    page = person.page
    activate_account(person, demo, TWO_HATS["email"], TWO_HATS["password"])

    # On the EPCI's host: staff, so the admin, with the EPCI's convocation pages in its menu.
    epci = demo.site(EPCI)
    log_in(person, epci, TWO_HATS["uid"], TWO_HATS["password"])
    assert page.url == epci + "/admin/", page.url
    person.look("epci admin")
    page.get_by_role("link", name="Convocations").first.click()
    page.wait_for_load_state()
    person.look("epci convocations")
    assert "CC Mellois en Poitou" in person.text() or "Conseil communautaire" in person.text()
    # The officials' space of the EPCI is not his: he is not elected there.
    page.goto(epci + "/espace-elus/")
    assert page.url == epci + "/admin/", page.url

    # On Celles-sur-Belle's host: elected, so his space, with his gendered role.
    celles = demo.site(OTHER_COMMUNE)
    log_in(person, celles, TWO_HATS["uid"], TWO_HATS["password"])
    assert page.url == celles + "/espace-elus/", page.url
    person.look("celles space")
    assert re.search(r"Conseiller municipal", person.text(), re.I), person.text()
    # Celles-sur-Belle's admin is not his: he is no staff there, so it sends him to his space.
    response = page.goto(celles + "/admin/convocations/")
    assert response.status in (403, 404) or page.url == celles + "/espace-elus/", page.url
    person.look("celles admin refused")
    person.assert_accessible()
