"""Isolation of the PES staff pages (/admin/pes/): they work on the host's member only. Every
view of the `pes` namespace (walked from the resolver: a new one fails here until covered) is
requested by Bravoville's secrétaire on Alphaville's host (refused, nothing created) and on
her own (what she deposits and sets is Bravoville's); Alphaville's flux never shows there."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pes import services
from pes.models import PesFlux, PesSettings
from signature import workflow
from signature.models import SIGNATURE
from tests.factories import add_person
from tests.pes.generate import make_flux
from tests.security.views import namespace_views


def _client(host: str, person) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(User.objects.get_or_create(username=person.uid)[0])
    return client


@pytest.fixture
def two_members(registry):
    for member, person in ((registry.alpha, registry.maire), (registry.bravo, registry.other)):
        member.services = [*member.services, "pes"]
        member.save()
        workflow.define_circuit(member, "PES", "PES", [workflow.StepSpec(SIGNATURE, [person])])
    theirs = services.submit_flux(registry.secretaire, registry.alpha, "alpha.xml",
                                  make_flux(siren="217901010"))
    bravo = add_person(registry.bravo, "bsecretaire", "Basile", "Secrétaire",
                       ["secretaire-de-mairie"])
    return registry, theirs, bravo


def test_the_pes_pages_work_on_the_hosts_member_only(two_members):
    registry, theirs, bravo = two_members
    views = namespace_views("pes")
    assert {name for name, _ in views} == {"pes:submit", "pes:settings", "pes:transmit"}
    assert dict(views)["pes:transmit"] == ("folder",)
    on_alpha = _client("alphaville.localhost", bravo)
    for name, params in views:
        url = reverse(name, kwargs={"folder": theirs.pk} if params else None)
        assert on_alpha.get(url).status_code == 404
        answer = on_alpha.post(url, {"file": SimpleUploadedFile("x.xml", make_flux()),
                                     "mode": "flux", "city": "Piraté"})
        assert answer.status_code == 404
    assert PesFlux.objects.count() == 1 and not PesSettings.objects.exists()

    on_bravo = _client("bravoville.localhost", bravo)
    page = html.unescape(on_bravo.get(reverse("pes:submit")).content.decode())
    assert "Déposer un flux PES au parapheur" in page and "Alphaville" not in page
    on_bravo.post(reverse("pes:submit"), {"file": SimpleUploadedFile(
        "bravo.xml", make_flux(siren="217901020", budget="COMMUNE DE BRAVOVILLE"))})
    on_bravo.post(reverse("pes:settings"), {"mode": "flux", "city": "Bravoville"})
    mine = PesFlux.objects.exclude(pk=theirs.pes.pk).get()
    assert mine.folder.member == registry.bravo and mine.siren == "217901020"
    assert PesSettings.objects.get().member == registry.bravo
    # Alphaville's flux in the parapheur's pages, from Bravoville's staff: nothing.
    folder_page = on_bravo.get(f"/admin/parapheur/dossiers/{theirs.pk}/")
    assert folder_page.status_code == 404 and b"217901010" not in folder_page.content
    listing = html.unescape(on_bravo.get("/admin/parapheur/").content.decode())
    assert "BRAVOVILLE" in listing and "ALPHAVILLE" not in listing
    # Nor its transmission to Hélios from her own host.
    sent = on_bravo.post(reverse("pes:transmit", kwargs={"folder": theirs.pk}))
    assert sent.status_code == 404
