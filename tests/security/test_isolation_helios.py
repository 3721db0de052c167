"""Isolation of the Hélios staff pages (/admin/helios/): staff see and send the PES flux of the
member whose host the admin is opened on, and nothing else.

Every view of the `helios` namespace (walked from the URL resolver: a new view fails here
until it is covered) is requested by Bravoville's secrétaire, on her own host, with
Alphaville's flux and PES_Retour: each answers 404 with no word of Alphaville's, by GET and by
POST, and nothing of Alphaville's changes; with her own objects the same URLs answer her. The
listings show only the host's flux; a flux she uploads is Bravoville's, and a flux of another
collectivity's SIRET is refused; on Alphaville's host she, an official and an anonymous visitor
are refused, and the menu shows only to the host's staff.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actes import services
from actes.helios_models import HeliosFlux, HeliosRetour
from provisioning.models import RegistryMember
from tests.actes.staff import host_client, staff_user
from tests.helios.pes_files import pes_aller
from tests.security.views import namespace_views

pytestmark = pytest.mark.django_db

PARAMS = {"pk": "flux", "retour": "retour"}
POST_ONLY = {"helios:refresh"}
SIRETS = {"79100": "21791000000011", "79200": "21792000000010"}


def flux_of(member: RegistryMember, name: str) -> HeliosFlux:
    flux = HeliosFlux(member=member, filename=f"PES de {name}.xml", size=10, sha256="0" * 64,
                      nom_fic=f"PES_{member.code}", state=HeliosFlux.ACQUITTED,
                      transaction_id="7", acquit=b"<PES_Acquit/>",
                      summary={"id_coll": SIRETS.get(member.code, ""), "bordereaux": []})
    flux.file.save("pes.xml", ContentFile(f"<PES_Aller>{name}</PES_Aller>".encode()),
                   save=False)
    flux.save()
    return flux


@pytest.fixture
def two(sites, media, settings):
    settings.MUTUALIS_ACTES_TDT = {"url": "http://127.0.0.1:9"}  # configured, never reached
    a, b = (RegistryMember.objects.get(code=m.code) for m in sites.members[:2])
    objects = {}
    for member, name, siren in ((a, "Alphaville", "217910000"), (b, "Bravoville", "217920000")):
        member.siren = siren
        member.services = [*member.services, "parapheur", "pes"]
        member.save()
        member_settings = services.settings_of(member)
        member_settings.siret = f"{siren}00011"
        member_settings.save()
        retour = HeliosRetour.objects.create(member=member, reference=f"r-{member.code}",
                                             name=f"Retour de {name}.xml",
                                             content=f"<PES_Retour>{name}</PES_Retour>".encode())
        objects[member] = {"flux": flux_of(member, name).pk, "retour": retour.pk}
    users = {a: staff_user(a, "salpha"), b: staff_user(b, "sbravo")}
    return a, b, objects, users


def url_of(name: str, params: tuple[str, ...], objects: dict) -> str:
    return reverse(name, kwargs={p: objects[PARAMS[p]] for p in params} or None)


def snapshot(member: RegistryMember) -> tuple:
    return (list(HeliosFlux.objects.filter(member=member).values_list(
                "pk", "state", "filename", "error")),
            HeliosRetour.objects.filter(member=member).count())


def test_every_helios_view_is_walked():
    views = namespace_views("helios")
    assert len(views) >= 10, views
    assert all(p in PARAMS for _name, params in views for p in params), views


def test_no_helios_view_shows_or_changes_another_members_flux(two):
    a, b, objects, users = two
    client = host_client(b, users[b])
    before = snapshot(a)
    problems, reached = [], []
    walked = [(n, p) for n, p in namespace_views("helios") if p]
    for name, params in walked:
        url = url_of(name, params, objects[a])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} ({name}): {response.status_code}")
            if b"Alphaville" in response.content:
                problems.append(f"{method.upper()} {url} ({name}): shows Alphaville")
        mine = url_of(name, params, objects[b])
        if name in POST_ONLY:
            assert client.get(mine).status_code == 405, name
            response = client.post(mine)
        else:
            response = client.get(mine)
        if response.status_code in (200, 302):
            reached.append(name)
    assert not problems, "\n".join(problems)
    assert snapshot(a) == before
    assert sorted(reached) == sorted(n for n, _p in walked), reached
    alpha = host_client(a, users[a])
    response = alpha.get(reverse("helios:file", args=[objects[a]["flux"]]))
    assert b"Alphaville" in b"".join(response.streaming_content)


def test_the_listings_show_only_the_hosts_flux(two):
    a, b, objects, users = two
    client = host_client(b, users[b])
    for name, queries in (("helios:index", [{}, {"q": "Alphaville"}, {"state": "acquitted"},
                                            {"ordering": "filename"}, {"p": "2"}]),
                          ("helios:results", [{}, {"q": "PES"}]),
                          ("helios:retours", [{}]), ("helios:retours-results", [{}])):
        for query in queries:
            response = client.get(reverse(name), query)
            assert response.status_code in (200, 404), (name, query, response.status_code)
            assert "de Alphaville" not in response.content.decode(), (name, query)
    assert "PES de Bravoville" in client.get(reverse("helios:index")).content.decode()
    assert "Retour de Bravoville" in client.get(reverse("helios:retours")).content.decode()


def test_an_upload_is_the_hosts_members_and_must_be_its_own_flux(two):
    a, b, objects, users = two
    client = host_client(b, users[b])
    before = snapshot(a)
    # Alphaville's flux (its SIRET) uploaded on Bravoville's host: refused, nothing kept.
    response = client.post(reverse("helios:add"), {"member": a.pk, "file": SimpleUploadedFile(
        "alpha.xml", pes_aller(siret="21791000000011"), "text/xml")})
    assert response.status_code == 400
    assert "pas de Bravoville" in response.content.decode()
    assert snapshot(a) == before
    assert HeliosFlux.objects.filter(member=b).count() == 1


def test_others_are_refused_and_the_menu_is_the_hosts_staffs(two):
    a, b, objects, users = two
    flux = reverse("helios:flux", args=[objects[a]["flux"]])
    assert host_client(a, users[b]).get(flux).status_code in (403, 404)
    official = staff_user(a, "ealpha", roles=("conseiller-municipal",))
    for url in (reverse("helios:index"), flux, reverse("helios:add")):
        response = host_client(a, official).get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        assert b"Alphaville" not in response.content
    response = host_client(a).get(reverse("helios:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    link = f'"{reverse("helios:index")}"'
    assert link in host_client(a, users[a]).get(reverse("wagtailadmin_home")).content.decode()
    assert link not in host_client(a, official).get("/admin/").content.decode()
