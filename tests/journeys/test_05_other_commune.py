"""A staff member of another commune (Celles-sur-Belle's DGS): logged in on her own host, every
page of Melle's objects is refused to her, and Melle's admin is closed to her on Melle's host."""

from __future__ import annotations

import re

from .browsing import activate_account, log_in, visitor
from .people import MELLE, OTHER_COMMUNE, OTHER_STAFF


def test_another_communes_staff_is_refused_every_page_of_melle(demo, chromium):
    other = visitor(chromium, "other-commune")
    page = other.page
    activate_account(other, demo, OTHER_STAFF["email"], OTHER_STAFF["password"])
    log_in(other, demo.site(OTHER_COMMUNE), OTHER_STAFF["uid"], OTHER_STAFF["password"])
    assert page.url == demo.site(OTHER_COMMUNE) + "/admin/"

    ids = demo.melle_objects()
    own = demo.site(OTHER_COMMUNE)
    refused = [own + f"/convocation/seances/{ids['sitting']}/",
               own + f"/convocation/seances/{ids['sitting']}/rapport.pdf",
               own + f"/parapheur/dossiers/{ids['folder']}/",
               own + "/parapheur/collectivites/79174/circuits/",
               own + "/parapheur/collectivites/79174/certificats/",
               own + f"/actes/{ids['act']}/",
               own + f"/admin/pages/{ids['page']}/edit/"]
    for url in refused:
        response = page.goto(url)
        assert response.status in (403, 404), f"{url}: HTTP {response.status}"
    other.look("a refused page")

    # On Melle's own host, Melle's admin logs her out and says why.
    log_in(other, demo.site(MELLE), OTHER_STAFF["uid"], OTHER_STAFF["password"])
    response = page.goto(demo.site(MELLE) + "/admin/")
    assert response.status in (403, 404) or re.search(r"/connexion/", page.url)
    other.look("melle's admin refused")
    other.assert_accessible()
