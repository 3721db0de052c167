"""Isolation of the register's admin pages (/admin/courrier/): staff work on the items of the
member whose host the admin is opened on, and on nothing else.

Every view of the `courrier` admin namespace (walked from the URL resolver: a new view fails
here until it is covered) is requested by Bravoville's secrétaire, on her own host, with
Alphaville's item and attachment: each answers 404 with no word of Alphaville's, by GET and
by POST, and nothing of Alphaville's changes; the same URLs with her own item answer her. The
listing, its search and its filters show only the host's member's items; what she records
goes to her member. On Alphaville's host, she and an Alphaville official are refused, and a
member that does not subscribe to courrier has no register and no menu.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from courrier import register
from courrier.models import Contact, Event, Item
from provisioning.models import RegistryMember
from tests.actes.staff import host_client
from tests.courrier.staff import clients, courrier_members, staff
from tests.factories import make_pdf
from tests.security.views import namespace_views

pytestmark = pytest.mark.django_db

PARAMS = {"pk": "item", "attachment_pk": "attachment"}
POST_DATA = {"department": "voirie", "nature": "courrier", "priority": "normale",
             "note": "Piraté", "outcome": "SERVICE_FAIT", "mandate_number": "M-1",
             "subject": "Piraté", "direction": "in", "kind": "letter", "channel": "guichet",
             "received_on": "2026-03-02"}


def courrier_views() -> list[tuple[str, tuple[str, ...]]]:
    return namespace_views("courrier")


def url_of(name, params, objects):
    return reverse(name, kwargs={p: objects[PARAMS[p]] for p in params} or None)


@pytest.fixture
def two(db, media):
    a, b = courrier_members()
    items = {}
    for member, town in ((a, "Alphaville"), (b, "Bravoville")):
        contact = register.add_contact(member, f"Entreprise de {town}")
        items[member] = register.record(member, subject=f"Facture de {town}", kind="invoice",
                                        correspondent=contact, reference="F-1",
                                        files=[("f.pdf", make_pdf(f"Facture {town}"))])
    return a, b, items, {a: clients(a, "a"), b: clients(b, "b")}


def snapshot(member):
    return (list(Item.objects.filter(member=member).values_list(
                "pk", "status", "department", "invoice_state", "subject")),
            Event.objects.filter(item__member=member).count(),
            Contact.objects.filter(member=member).count())


def test_every_courrier_admin_view_is_walked():
    views = courrier_views()
    assert len(views) >= 14, views
    assert all(p in PARAMS for _name, params in views for p in params), views


def test_no_courrier_view_shows_or_changes_another_members_item(two):
    a, b, items, c = two
    client = c[b]["secretaire"]
    others = {"item": items[a].pk, "attachment": items[a].attachments.get().pk}
    own = {"item": items[b].pk, "attachment": items[b].attachments.get().pk}
    before = snapshot(a)
    problems, reached = [], []
    for name, params in courrier_views():
        if not params:
            continue
        url = url_of(name, params, others)
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA)
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} ({name}): {response.status_code}")
            if b"Alphaville" in response.content:
                problems.append(f"{method.upper()} {url} ({name}): shows Alphaville")
        mine = url_of(name, params, own)
        response = client.get(mine)
        if response.status_code == 405:  # a button: it answers a POST
            response = client.post(mine, POST_DATA)
        if response.status_code in (200, 302):
            reached.append(name)
    assert not problems, "\n".join(problems)
    assert snapshot(a) == before
    assert sorted(reached) == sorted(n for n, p in courrier_views() if p and n !=
                                     "courrier:attachment-ocr"), reached
    alpha = c[a]["secretaire"]
    assert alpha.get(reverse("courrier:item", args=[items[a].pk])).status_code == 200


def test_listing_search_and_filters_show_only_the_hosts_items(two):
    a, b, items, c = two
    client = c[b]["secretaire"]
    queries = [{}, {"q": "Alphaville"}, {"q": "Facture"}, {"status": "recorded"},
               {"nature": "facture"}, {"department": "voirie"}, {"overdue": "false"},
               {"kind": "invoice"}, {"ordering": "subject"}, {"p": "2"}]
    for name in ("courrier:items", "courrier:items-results"):
        for query in queries:
            response = client.get(reverse(name), query)
            assert response.status_code in (200, 404), (name, query, response.status_code)
            html = response.content.decode()
            assert "de Alphaville" not in html, (name, query)  # its subject and contact
            assert reverse("courrier:item", args=[items[a].pk]) not in html, (name, query)
        assert "Facture de Bravoville" in client.get(reverse(name), {"q": "Facture"}
                                                     ).content.decode()
    # The contacts offered when recording are the host's member's.
    offered = client.get(reverse("courrier:add")).context["form"].fields["correspondent"]
    assert set(offered.queryset.values_list("member_id", flat=True)) == {b.pk}


def test_the_refusals_page_shows_only_the_hosts_and_only_to_its_secretariat(two):
    from courrier.models import Refusal

    a, b, items, c = two
    for member, town in ((a, "Alphaville"), (b, "Bravoville")):
        Refusal.objects.create(member=member, channel="courriel", what=f"Message de {town}",
                               where="courrier@ / Refusés", reason=f"Motif de {town}")
    for name in ("courrier:refusals", "courrier:refusals-results"):
        html = c[b]["secretaire"].get(reverse(name), {"p": "1"}).content.decode()
        assert "Motif de Bravoville" in html and "Alphaville" not in html, name
        assert c[b]["voirie"].get(reverse(name)).status_code == 404  # not the secrétariat


def test_what_staff_record_goes_to_their_own_member(two):
    a, b, items, c = two
    before = snapshot(a)
    alpha_contact = Contact.objects.get(member=a)
    response = c[b]["secretaire"].post(reverse("courrier:add"), {
        **POST_DATA, "subject": "Nouveau pli", "member": a.pk,
        "correspondent": alpha_contact.pk})
    assert response.status_code == 400  # not a contact of hers to choose
    response = c[b]["secretaire"].post(reverse("courrier:add"), {
        **POST_DATA, "subject": "Nouveau pli", "member": a.pk})
    assert response.status_code == 302
    assert Item.objects.get(subject="Nouveau pli").member == b
    assert snapshot(a) == before


def test_others_are_refused_on_a_members_host(two):
    a, b, items, c = two
    item = reverse("courrier:item", args=[items[a].pk])
    bravo_secretary = c[b]["secretaire"]
    bravo_secretary.defaults["HTTP_HOST"] = a.hostname
    assert bravo_secretary.get(item).status_code in (302, 403, 404)
    official = host_client(a, staff(a, "ealpha", roles=("conseiller-municipal",)))
    for url in (reverse("courrier:items"), item, reverse("courrier:add")):
        response = official.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        assert b"Facture d" not in response.content
    response = host_client(a).get(reverse("courrier:items"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_no_register_for_a_member_not_subscribing(two):
    a, b, items, c = two
    link = f'"{reverse("courrier:items")}"'
    assert link in c[a]["secretaire"].get(reverse("wagtailadmin_home")).content.decode()
    RegistryMember.objects.filter(pk=a.pk).update(services=["website", "extranet"])
    client = host_client(a, staff(a, "zsec", ("secretaire-de-mairie",)))
    assert link not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("courrier:items")).status_code == 404
    assert client.get(reverse("courrier:item", args=[items[a].pk])).status_code == 404
