"""A staff member of another commune (Celles-sur-Belle's DGS): logged in on her own host, every
page of Melle's objects is refused to her, and Melle's admin is closed to her on Melle's host."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .browsing import activate_account, log_in, visitor
from .people import MELLE, OTHER_COMMUNE, OTHER_STAFF


def test_another_communes_staff_is_refused_every_page_of_melle(demo, chromium, sent_sitting):
    other = visitor(chromium, "other-commune")
    page = other.page
    activate_account(other, demo, OTHER_STAFF["email"], OTHER_STAFF["password"])
    log_in(other, demo.site(OTHER_COMMUNE), OTHER_STAFF["uid"], OTHER_STAFF["password"])
    assert page.url == demo.site(OTHER_COMMUNE) + "/admin/"

    own = demo.site(OTHER_COMMUNE)
    sitting = urlsplit(demo.story["sitting"]).path
    editor = urlsplit(demo.story["page_editor"]).path
    refused = [own + sitting, own + sitting + "rapport.pdf", own + sitting + "rapport.csv",
               own + urlsplit(demo.story["folder"]).path,
               own + urlsplit(demo.story["signed_document"]).path,
               own + urlsplit(demo.story["act"]).path,
               own + urlsplit(demo.story["act"]).path + "acte.pdf",
               own + sitting + "documents/00-convocation.pdf",
               own + urlsplit(demo.story["staff_folder"]).path,
               own + urlsplit(demo.story["staff_folder"]).path + "bordereau.pdf",
               own + "/admin/parapheur/collectivites/79174/circuits/",
               own + "/admin/parapheur/collectivites/79174/certificats/",
               own + "/admin/parapheur/collectivites/79174/delegations/",
               own + "/admin/actes/parametres/79174/",
               own + editor]
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
