"""Melle's secrétaire opens the Wagtail admin on Melle's host: the dashboard shows Melle's
coming sittings (the one the secrétaire's journey sent, with its state), the parapheur's
folders waiting for her, the acts to publish or transmit and the prefecture's latest answers,
in Wagtail's own panels; a sitting's row opens the sitting."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .browsing import log_in, visitor
from .people import MELLE, SECRETAIRE


def test_the_secretaire_sees_her_members_dashboard(demo, chromium, sent_sitting):
    staff = visitor(chromium, "staff-dashboard")
    page, site = staff.page, demo.site(MELLE)
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    assert page.url == site + "/admin/"
    staff.look("dashboard")

    sittings = page.get_by_role("region", name="Séances à venir")
    sitting_pk = re.search(r"/(\d+)/$", urlsplit(demo.story["sitting"]).path).group(1)
    row = sittings.get_by_role("row").filter(
        has=page.locator(f"a[href$='/{sitting_pk}/']"))
    assert row.count() == 1
    text = row.inner_text()
    assert "Séance du conseil municipal" in text and "convocation envoyée" in text, text
    for name in ("Parapheur : dossiers qui vous attendent", "Actes à publier ou à transmettre",
                 "Derniers retours de la préfecture"):
        assert page.get_by_role("region", name=name).count() == 1, name
    # Only Melle's: every sitting linked is one of Melle's sittings list.
    linked = {urlsplit(a.get_attribute("href")).path
              for a in sittings.locator("tbody a").all()}
    staff.goto(site + sittings.get_by_role("link", name="Voir toutes les séances")
               .get_attribute("href"), "all sittings")
    listed = staff.page.content()
    assert all(path in listed for path in linked), linked

    staff.goto(site + "/admin/", "dashboard again")
    page.get_by_role("region", name="Séances à venir").locator(
        f"a[href$='/{sitting_pk}/']").click()
    page.wait_for_load_state()
    staff.look("sitting from the dashboard")
    assert "Budget primitif 2027" in staff.text()
    staff.assert_accessible()
