"""Isolation of the GRC's staff pages (/admin/grc/): staff work on the requests of the member
whose host the admin is opened on, and on nothing else. Every view of the `grc` admin
namespace (walked from the URL resolver: a new view fails here until it is covered) is
requested by Bravoville's agent, on her own host, with Alphaville's request: each answers 404
with no word of Alphaville's, by GET and by POST, and nothing of Alphaville's changes. The
listing, its search and filters show only her member's requests, and on Alphaville's host she
is refused."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from grc import services
from grc.models import CitizenRequest, Event
from grc.templates_data import instantiate
from tests.grc.helpers import GRC, as_posted, host_client, staff_user
from tests.security.views import namespace_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    from dataclasses import replace

    from tests.factories import commune_inventory

    inv = commune_inventory()
    return replace(inv, members=tuple(replace(m, services=GRC) for m in inv.members))


def grc_views() -> list[tuple[str, tuple[str, ...]]]:
    return namespace_views("grc")


def test_another_members_requests_never_appear(sites, media):
    from provisioning.models import RegistryMember

    alpha, bravo = (RegistryMember.objects.get(code=m.code) for m in sites.members[:2])
    theirs = services.file_request(instantiate(alpha, "signalement"), name="Alice Alphaville",
                                   email="alice@alpha.example", answers={"lieu": "Alpha"})[0]
    photo = theirs.files.create(slot="photo", label="Photo", file="grc/x/p.jpg",
                                content_type="image/jpeg", size=1)
    mine = services.file_request(instantiate(bravo, "signalement"), name="Bruno Bravoville",
                                 email="alice@alpha.example", answers={"lieu": "Bravo"})[0]
    agent = host_client(bravo, staff_user(bravo, "bagent"))

    listing = html.unescape(agent.get("/admin/grc/").content.decode())
    assert "Bruno Bravoville" in listing and "Alice" not in listing and theirs.code not in listing
    for query in ("?q=alice", f"?q={theirs.code}", "?q=alpha.example", "?channel=web",
                  "?overdue=false"):
        assert "Alice" not in html.unescape(agent.get("/admin/grc/" + query).content.decode())
    assert agent.get(f"/admin/grc/?demarche={theirs.demarche_id}").status_code in (200, 400)
    assert "Alice" not in agent.get(f"/admin/grc/?demarche={theirs.demarche_id}").content.decode()
    # 360°: the same e-mail address in another member is not "the citizen's other request".
    assert theirs.code not in agent.get(f"/admin/grc/{mine.pk}/").content.decode()

    objects = {"pk": theirs.pk, "request_file_pk": photo.pk, "slug": "signalement"}
    covered = 0
    for name, params in grc_views():
        if not {"pk"} & set(params):
            continue
        url = reverse(name, kwargs={p: objects[p] for p in params})
        for method in ("get", "post"):
            answer = getattr(agent, method)(url, {"status": "en-cours", "text": "piraté"})
            assert answer.status_code in (404, 405), f"{method} {url}: {answer.status_code}"
            assert "Alice" not in answer.content.decode()
        covered += 1
    assert covered >= 6
    theirs.refresh_from_db()
    assert theirs.status == "recue" and not theirs.closed_at
    assert list(theirs.events.values_list("kind", flat=True)) == [Event.CREATED]

    # Recording on her host files for her member only.
    agent.post("/admin/grc/nouvelle/signalement/", {
        "name": "Nouveau", "phone": "0500000000", "channel": "guichet",
        "f_categorie": "Autre", "f_lieu": "Bravo", "f_description": "x"})
    assert CitizenRequest.objects.filter(name="Nouveau").get().member == bravo

    # On Alphaville's host she is nobody there: refused; on hers the menu has the entry.
    on_alpha = host_client(alpha)
    on_alpha.force_login(CitizenRequest.objects.get(name="Nouveau").recorded_by)
    for url in ("/admin/grc/", f"/admin/grc/{theirs.pk}/", "/admin/"):
        refused = on_alpha.get(url)
        assert refused.status_code in (302, 403, 404) and "Alice" not in refused.content.decode()
    assert "/admin/grc/" in agent.get("/admin/").content.decode()


def test_adjusting_a_demarche_touches_the_host_members_copy_only(sites, media):
    from provisioning.models import RegistryMember

    alpha, bravo = (RegistryMember.objects.get(code=m.code) for m in sites.members[:2])
    theirs, mine = instantiate(alpha, "signalement"), instantiate(bravo, "signalement")
    agent = host_client(bravo, staff_user(bravo, "bagent"))
    # Her own form, posted with Alphaville's démarche in mind: her copy only changes.
    data = {**as_posted(mine), "champs-3-label": "Ajouté par Bravoville"}
    assert agent.post("/admin/grc/demarches/signalement/", data).status_code == 302
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert "Ajouté par Bravoville" in [f["label"] for f in mine.fields]
    assert "Ajouté par Bravoville" not in [f["label"] for f in theirs.fields]
    assert not theirs.changes.exists()
    # On Alphaville's host she is nobody: neither the page nor its history.
    on_alpha = host_client(alpha)
    on_alpha.force_login(mine.changes.get().by)
    for method in ("get", "post"):
        refused = getattr(on_alpha, method)("/admin/grc/demarches/signalement/",
                                            {**as_posted(theirs), "champs-3-label": "Piraté"})
        assert refused.status_code in (302, 403, 404), refused.status_code
        assert "Nature du problème" not in refused.content.decode()
    theirs.refresh_from_db()
    assert "Piraté" not in [f["label"] for f in theirs.fields]
