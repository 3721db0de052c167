"""The members' certificates in the admin (/admin/certificats/), probed from another member's
staff: on their own host and on the member's, every page naming one of Alphaville's
certificates is a 404 (or the syndicate-only 403), a POST changes nothing, and no listing,
filter or search shows Alphaville's. Only the syndicate's superusers write; on the
syndicate's host, only they see anything."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from signature.certificates import import_file
from signature.certificates.models import SIGNING, IdentityCheck, MemberCertificate
from tests.certificates.pki import issue
from tests.factories import add_person

ALPHA_HOST, BRAVO_HOST, SYNDICATE_HOST = "alphaville.localhost", "bravoville.localhost", "localhost"
SECRET = "Titulaire Confidentiel"


@pytest.fixture
def world(registry, pki):
    reg = registry
    alpha = import_file(issue(pki, SECRET, days=40).pem, "secret.pem", reg.alpha, SIGNING,
                        check=False)
    bravo = import_file(issue(pki, "Bruno Maire", "Bravoville").pem, "bruno.pem", reg.bravo,
                        SIGNING, holder=reg.other, check=False)
    add_person(reg.bravo, "bdgs", "Bernard", "Directeur", ["dgs"])
    return {"reg": reg, "alpha": alpha, "bravo": bravo, "pem": issue(pki, "Intrus").pem}


def logged_in(uid: str, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(User.objects.get_or_create(username=uid)[0])
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def alpha_urls(pk: int) -> tuple[list[str], list[tuple[str, dict]]]:
    c = f"/admin/certificats/{pk}/"
    gets = [c, f"{c}identite/", f"{c}renouvellement.pdf"]
    posts = [(f"{c}identite/", {"checked_by": "Intrus", "checked_on": "2026-01-01",
                                "documents": "aucun"}),
             (f"{c}verifier/", {}), (f"{c}archiver/", {"archived": "1"})]
    return gets, posts


def unchanged(world) -> None:
    alpha = MemberCertificate.objects.get(pk=world["alpha"].pk)
    assert not alpha.archived and alpha.checked_at is None
    assert not IdentityCheck.objects.exists() and MemberCertificate.objects.count() == 2


@pytest.mark.parametrize("host", [BRAVO_HOST, ALPHA_HOST])
def test_another_members_staff_reach_nothing_of_alphavilles(world, host):
    client = logged_in("bdgs", host)
    gets, posts = alpha_urls(world["alpha"].pk)
    for url in gets:
        response = client.get(url)
        assert response.status_code in (403, 404), (host, url)
        assert SECRET not in text(response), url
    for url, data in posts:
        assert client.post(url, data).status_code in (403, 404), (host, url)
    # writing is the syndicate's, even on their own member's certificate
    for url, data in alpha_urls(world["bravo"].pk)[1]:
        assert client.post(url, data).status_code in (403, 404), url
    response = client.post("/admin/certificats/importer/", {
        "member": world["reg"].alpha.pk, "kind": SIGNING,
        "file": SimpleUploadedFile("x.pem", world["pem"])})
    assert response.status_code == 403
    assert client.post("/admin/certificats/parapheur/").status_code == 403
    unchanged(world)


def test_the_listing_its_filters_and_search_show_the_hosts_member_only(world):
    reg = world["reg"]
    client = logged_in("bdgs", BRAVO_HOST)
    for query in ({}, {"q": "Confidentiel"}, {"member": reg.alpha.pk}, {"expiring": "90"},
                  {"kind": SIGNING, "ordering": "-not_after"}, {"archived": "true"}):
        for url in ("/admin/certificats/", "/admin/certificats/resultats/"):
            response = client.get(url, query)
            assert response.status_code == 200, (url, query)
            page = text(response)
            for name in (SECRET, "Alphaville", reg.alpha.code):
                assert name not in page, (url, query, name)
    assert "Bruno Maire" in text(client.get("/admin/certificats/"))
    # on the syndicate's host, a member's staff see nothing; its superuser sees everything
    assert logged_in("bdgs", SYNDICATE_HOST).get("/admin/certificats/").status_code in (302, 403)
    admin = User.objects.create_superuser("admin-syndicat", "a@example.fr", "x" * 20)
    client = Client(HTTP_HOST=SYNDICATE_HOST)
    client.force_login(admin)
    page = text(client.get("/admin/certificats/"))
    assert SECRET in page and "Bruno Maire" in page
    # the same superuser on Bravoville's host works on Bravoville's only
    client = Client(HTTP_HOST=BRAVO_HOST)
    client.force_login(admin)
    assert SECRET not in text(client.get("/admin/certificats/"))
    assert client.get(f"/admin/certificats/{world['alpha'].pk}/").status_code == 404


def test_the_matrix_covers_every_view_of_the_register():
    """test_admin_isolation's walk leaves the `certificates` namespace to this file: a new
    view fails here until a test above probes it."""
    from signature.certificates import urls

    probed = {"index", "index_results", "import", "parapheur", "certificate", "identity",
              "check", "archive", "renewal"}
    assert {p.name for p in urls.urlpatterns} == probed
