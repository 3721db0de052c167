"""Isolation of the acts' admin pages (/admin/actes/): staff work on the acts of the member whose
host the admin is opened on, and on nothing else.

Every view of the `actes` admin namespace (walked from the URL resolver: a new view fails here
until it is covered) is requested by Bravoville's secrétaire, on her own host, with
Alphaville's act and code: each answers 404 with no word of Alphaville's, by GET and by POST,
and nothing of Alphaville's changes. The same URLs with her own objects answer her (the
views work, so the 404s mean something), and Alphaville's secrétaire reaches Alphaville's
act through them. The listing, its search and its filters show only the host's member's acts;
what she posts is recorded for her member only. On Alphaville's host she, an Alphaville
official, and a website editor of Alphaville who is not its staff are all refused, and the
"Actes" menu shows only to the host's staff.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actes import services
from actes.models import Act, Classification, MemberSettings, RegisterEntry, Transmission
from actes.natures import DELIBERATION
from provisioning.models import RegistryMember, RegistryPerson
from tests.actes.classification import classification_xml
from tests.actes.staff import host_client, staff_user
from tests.factories import make_pdf
from tests.security.views import namespace_views

pytestmark = pytest.mark.django_db

# What fills each URL parameter of the actes admin views.
PARAMS = {"pk": "act", "code": "code"}
POST_ONLY = {"actes:publish", "actes:transmit", "actes:refresh", "actes:classification-fetch"}
POST_DATA = {"number": "2026_099", "nature": DELIBERATION, "decision_date": "2026-03-03",
             "subject": "Piraté", "matter": "7.1", "publication_mode": "affichage",
             "siret": "", "department": "", "arrondissement": "0"}


def actes_views() -> list[tuple[str, tuple[str, ...]]]:
    return namespace_views("actes")


def url_of(name: str, params: tuple[str, ...], objects: dict) -> str:
    return reverse(name, kwargs={p: objects[PARAMS[p]] for p in params} or None)


def record(member: RegistryMember, subject: str) -> Act:
    return services.record_act(member, number="2026_001", nature=DELIBERATION,
                               decision_date=date(2026, 3, 3), subject=subject, matter_code="7.1",
                               filename="acte.pdf", pdf=make_pdf(subject))


@pytest.fixture
def two(sites, media):
    """Alphaville and Bravoville, each with a classification, an act and a secrétaire."""
    a, b = (RegistryMember.objects.get(code=m.code) for m in sites.members[:2])
    for member in (a, b):
        member.siren = "217901740"
        member.save()
        services.import_classification(member, classification_xml())
    acts = {a: record(a, "Budget d'Alphaville"), b: record(b, "Budget de Bravoville")}
    users = {a: staff_user(a, "salpha"), b: staff_user(b, "sbravo")}
    return a, b, acts, users


def snapshot(member: RegistryMember) -> tuple:
    acts = Act.objects.filter(member=member)
    return (list(acts.values_list("pk", "published_at", "subject")),
            RegisterEntry.objects.filter(member=member).count(),
            Transmission.objects.filter(act__member=member).count(),
            list(Classification.objects.filter(member=member).values_list("pk", flat=True)),
            list(MemberSettings.objects.filter(member=member).values_list(
                "publication_mode", "siret", "department")))


def test_every_actes_admin_view_is_walked():
    views = actes_views()
    assert len(views) >= 11, views
    assert all(p in PARAMS for _name, params in views for p in params), views


def test_no_actes_view_shows_or_changes_another_members_act(two):
    a, b, acts, users = two
    own = {"act": acts[b].pk, "code": b.code}
    others = {"act": acts[a].pk, "code": a.code}
    client = host_client(b, users[b])
    before = snapshot(a)
    problems, reached = [], []
    for name, params in actes_views():
        if not params:
            continue
        url = url_of(name, params, others)
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA)
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} ({name}): {response.status_code}")
            if b"Alphaville" in response.content:
                problems.append(f"{method.upper()} {url} ({name}): shows Alphaville")
        # The same view with her own objects answers her.
        mine = url_of(name, params, own)
        if name in POST_ONLY:
            assert client.get(mine).status_code == 405, name  # a button, never a link
            response = client.post(mine)
        else:
            response = client.get(mine)
        if response.status_code in (200, 302):
            reached.append(name)
    assert not problems, "\n".join(problems)
    assert snapshot(a) == before
    assert sorted(reached) == sorted(n for n, p in actes_views() if p), reached
    # Alphaville's own secrétaire reaches Alphaville's act through the same URLs.
    alpha = host_client(a, users[a])
    assert alpha.get(reverse("actes:act", args=[acts[a].pk])).status_code == 200
    assert alpha.get(reverse("actes:document", args=[acts[a].pk])).status_code == 200


def test_the_listing_search_and_filters_show_only_the_hosts_acts(two):
    a, b, acts, users = two
    client = host_client(b, users[b])
    queries = [{}, {"q": "Alphaville"}, {"q": "Budget"}, {"state": "recorded"},
               {"nature": DELIBERATION}, {"decision_date_from": "2026-01-01"},
               {"assembly": "1"}, {"ordering": "subject"}, {"p": "2"}]
    for name in ("actes:acts", "actes:acts-results"):
        for query in queries:
            response = client.get(reverse(name), query)
            assert response.status_code in (200, 404), (name, query, response.status_code)
            html = response.content.decode()
            assert "Budget d&#x27;Alphaville" not in html, (name, query)
            assert reverse("actes:act", args=[acts[a].pk]) not in html, (name, query)
        assert "Budget de Bravoville" in client.get(reverse(name), {"q": "Budget"}
                                                    ).content.decode()
    # The assembly filter offers the host's assemblies only.
    offered = client.get(reverse("actes:acts")).context["filters"].form.fields["assembly"]
    assert offered.queryset.exists() and set(offered.queryset.values_list(
        "member_id", flat=True)) == {b.pk}
    # A superuser on Bravoville's host works on Bravoville's acts too, and only on them.
    from django.contrib.auth.models import User

    root = host_client(b, User.objects.create_superuser("syndic", "s@example.fr", "x"))
    html = root.get(reverse("actes:acts")).content.decode()
    assert "Budget de Bravoville" in html and "Budget d&#x27;Alphaville" not in html
    assert root.get(reverse("actes:act", args=[acts[a].pk])).status_code == 404


def test_what_staff_post_goes_to_their_own_member_only(two):
    a, b, acts, users = two
    client = host_client(b, users[b])
    before = snapshot(a)
    response = client.post(reverse("actes:add"), {
        **POST_DATA, "number": "2026_002", "member": a.pk,
        "document": SimpleUploadedFile("d.pdf", make_pdf("D"), "application/pdf")})
    assert response.status_code == 302
    assert Act.objects.get(number="2026_002").member == b
    response = client.post(reverse("actes:classification"), {
        "member": a.pk, "file": SimpleUploadedFile("c.xml", classification_xml(), "text/xml")})
    assert response.status_code == 302
    assert client.post(reverse("actes:settings", args=[a.code]), POST_DATA).status_code == 404
    assert snapshot(a) == before


def test_others_are_refused_on_a_members_host(two):
    a, b, acts, users = two
    act = reverse("actes:act", args=[acts[a].pk])
    # Bravoville's secrétaire on Alphaville's host: the admin is not hers there.
    assert host_client(a, users[b]).get(act).status_code in (403, 404)
    # An official of Alphaville (no staff role) and a website editor of Alphaville who holds
    # no staff seat in the registry: no acts page.
    official = staff_user(a, "ealpha", roles=("conseiller-municipal",))
    editor = staff_user(b, "webalpha")
    from django.contrib.auth.models import Group

    from provisioning.naming import staff_group

    editor.groups.add(Group.objects.get(name=staff_group(a.code)))
    for user in (official, editor):
        client = host_client(a, user)
        for url in (reverse("actes:acts"), act, reverse("actes:add")):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (user, url, response.status_code)
            assert b"Budget d&#x27;Alphaville" not in response.content
    # Anonymous: the login page.
    response = host_client(a).get(reverse("actes:acts"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert RegistryPerson.objects.filter(uid="ealpha").exists()


def test_the_actes_menu_shows_only_to_the_hosts_staff(two):
    a, b, acts, users = two
    link = f'"{reverse("actes:acts")}"'  # in the sidebar's menu data
    assert link in host_client(a, users[a]).get(reverse("wagtailadmin_home")).content.decode()
    # On a host that is no member's, the admin shows no acts menu.
    client = host_client(a, users[a])
    client.defaults["HTTP_HOST"] = "localhost"
    assert link not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("actes:acts")).status_code == 404


def test_the_old_staff_urls_redirect_permanently_into_the_admin(two):
    a, b, acts, users = two
    client = host_client(a, users[a])
    pk = acts[a].pk
    for old, new in ((("/actes/"), reverse("actes:acts")),
                     (f"/actes/{pk}/", reverse("actes:act", args=[pk])),
                     (f"/actes/{pk}/acte.pdf", reverse("actes:document", args=[pk])),
                     (f"/actes/parametres/{a.code}/", reverse("actes:settings", args=[a.code])),
                     ("/actes/classification/", reverse("actes:classification"))):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new, old
    # The public register stays where the sites and the open data link it.
    assert client.get(f"/actes/{a.code}/registre/").status_code == 200
    assert reverse("actes_public:register", args=[a.code]) == f"/actes/{a.code}/registre/"


def test_the_admin_search_finds_the_hosts_acts_only(two):
    a, b, acts, users = two
    theirs, mine = (reverse("actes:act", args=[acts[m].pk]) for m in (a, b))
    client = host_client(b, users[b])
    for query in ("Budget", "2026_001", "Alphaville", a.code):
        for name in ("actes:acts", "actes:acts-results"):
            html = client.get(reverse(name), {"q": query}).content.decode()
            assert theirs not in html and "Budget d&#x27;Alphaville" not in html, (name, query)
    html = client.get(reverse("actes:acts"), {"q": "2026_001"}).content.decode()
    assert mine in html
    assert f'href="{reverse("actes:acts")}?q=2026_001"' in html  # its search area
    html = host_client(a, users[a]).get(reverse("actes:acts"), {"q": "Budget"}).content.decode()
    assert theirs in html and mine not in html
    # Her search area shows on her host only: not on Alphaville's, nor on the syndicate's.
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from actes.wagtail_hooks import actes_search_area

    for host, user, shown in ((b.hostname, users[b], True), (a.hostname, users[b], False),
                              ("localhost", users[b], False), (b.hostname, AnonymousUser(),
                                                               False)):
        request = RequestFactory(HTTP_HOST=host).get("/admin/")
        request.user = user
        assert actes_search_area().is_shown(request) is shown, host
