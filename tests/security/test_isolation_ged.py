"""Isolation of the GED: a member's search, filters and listings never return another
member's documents. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from ged import retention, services
from ged.models import DocumentType
from ged.search import search
from tests.actes.staff import host_client, staff_user
from tests.factories import make_pdf
from tests.ged.members import make_member
from tests.security.views import namespace_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(tmp_path, settings):
    settings.MUTUALIS_PRIVATE_ROOT = str(tmp_path / "private")
    a, b = make_member("79101", "Alphaville"), make_member("79102", "Bravoville")
    for member in (a, b):
        for i in range(3):
            services.file_document(member, "FACTURES", f"Facture {member.name} {i}",
                                   make_pdf(f"Budget commun de la cantine {member.name}"),
                                   filename="f.pdf", created_on=date(2014, 1, 1))
    return a, b


def test_search_returns_only_the_searchers_member(two):
    a, b = two
    for query in ("", "cantine", "Budget", "Alphaville", "Facture"):
        found = list(search(b, query))
        assert all(d.member_id == b.pk for d in found), query
        assert not any("Alphaville" in d.title for d in found), query
    assert len(list(search(b, "cantine"))) == 3
    assert list(search(b, "Alphaville")) == []


def test_another_members_type_finds_nothing(two):
    a, b = two
    alpha_type = DocumentType.objects.get(member=a, code="FACTURES")
    assert list(search(b, doc_type=alpha_type)) == []


def test_proposals_hold_only_the_members_documents(two):
    a, b = two
    [proposal] = retention.propose(b, date(2026, 12, 1))
    assert {d.member_id for d in proposal.documents.all()} == {b.pk}
    with pytest.raises(services.FilingRefused, match="Bravoville"):
        services.place_hold(b, "X", "Y", list(a.ged_documents.all()))


# ------------------------------------------------------------------ the admin pages

PARAMS = {"pk": "document", "number": "number", "what": "what", "hold": "hold"}
PROPOSAL_VIEWS = {"ged:proposal", "ged:visa", "ged:eliminate", "ged:send", "ged:reply",
                  "ged:proposal-text"}
RULE_VIEWS = {"ged:rule"}
POST_ONLY = {"ged:visa", "ged:eliminate", "ged:send", "ged:reply", "ged:lift-hold"}


def ged_views() -> list[tuple[str, tuple[str, ...]]]:
    return namespace_views("ged")


def objects_of(member) -> dict:
    from ged.models import Proposal

    document = member.ged_documents.order_by("pk").first()
    proposal = Proposal.objects.filter(member=member).first()
    return {"document": document.pk, "proposal": proposal.pk, "number": 1,
            "rule": DocumentType.objects.get(member=member, code="FACTURES").pk,
            "what": "bordereau", "hold": document.holds.first().pk}


def url_of(name: str, params, objects: dict) -> str:
    from django.urls import reverse

    def value(p):
        if p == "pk":
            if name in PROPOSAL_VIEWS:
                return objects["proposal"]
            return objects["rule"] if name in RULE_VIEWS else objects["document"]
        return objects[PARAMS[p]]

    return reverse(name, kwargs={p: value(p) for p in params} or None)


@pytest.fixture
def staffed(two):
    a, b = two
    for member in (a, b):
        retention.propose(member, date(2026, 12, 1))
        first = member.ged_documents.order_by("pk").first()
        services.place_hold(member, f"Gel {member.name}", "Recours", [first])
    return a, b, host_client(b, staff_user(b, "sbravo")), host_client(a, staff_user(a, "salpha"))


def test_every_ged_view_is_walked():
    views = ged_views()
    assert len(views) >= 15, views
    assert all(p in PARAMS for _n, params in views for p in params), views


def test_no_ged_view_shows_or_changes_another_members_objects(staffed):
    from ged.models import Document, Proposal

    a, b, client, _alpha = staffed
    others, own = objects_of(a), objects_of(b)
    before = (list(Document.objects.filter(member=a).values_list("pk", "state", "title")),
              list(Proposal.objects.filter(member=a).values_list("pk", "state", "visa_by")),
              list(a.ged_holds.values_list("pk", "lifted_at")))
    problems, reached = [], []
    for name, params in ged_views():
        if not params:
            continue
        url = url_of(name, params, others)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"director": "X", "reference": "Y",
                                                     "title": "Piraté", "reason": "x"})
            if response.status_code not in (404, 405):
                problems.append(f"{method.upper()} {url} ({name}): {response.status_code}")
            if b"Alphaville" in response.content:
                problems.append(f"{method.upper()} {url} ({name}): shows Alphaville")
        mine = url_of(name, params, own)
        response = client.post(mine) if name in POST_ONLY else client.get(mine)
        if response.status_code in (200, 302):
            reached.append(name)
    assert not problems, "\n".join(problems)
    after = (list(Document.objects.filter(member=a).values_list("pk", "state", "title")),
             list(Proposal.objects.filter(member=a).values_list("pk", "state", "visa_by")),
             list(a.ged_holds.values_list("pk", "lifted_at")))
    assert after == before
    assert sorted(reached) == sorted(n for n, p in ged_views() if p), reached


def test_the_listing_search_and_filters_show_only_the_hosts_documents(staffed):
    from django.urls import reverse

    a, b, client, alpha = staffed
    alpha_type = DocumentType.objects.get(member=a, code="FACTURES").pk
    for name in ("ged:documents", "ged:documents-results"):
        for query in ({}, {"q": "Alphaville"}, {"q": "cantine"}, {"doc_type": alpha_type},
                      {"created_on_from": "2000-01-01"}, {"state": "active"}, {"p": "2"}):
            response = client.get(reverse(name), query)
            assert response.status_code in (200, 404), (name, query)
            assert b"Facture Alphaville" not in response.content, (name, query)
    assert b"Facture Bravoville" in client.get(reverse("ged:documents"), {"q": "cantine"}).content
    for page in ("ged:plan", "ged:proposals"):
        assert b"Alphaville" not in client.get(reverse(page)).content
    # On Alphaville's host, Bravoville's secrétaire is refused; Alphaville's is served.
    intruder = host_client(a, User.objects.get(username="sbravo"))
    assert intruder.get(reverse("ged:documents")).status_code in (302, 403, 404)
    assert alpha.get(reverse("ged:documents")).status_code == 200


def test_the_department_filter_keeps_to_the_searchers_member(two):
    """Both members have a « voirie »: filtering by it never brings the other's documents,
    and the filter offers only the host's own departments."""
    a, b = two
    a.departments = [{"slug": "voirie", "name": "Voirie"},
                     {"slug": "piscine", "name": "Piscine intercommunale d'Alphaville"}]
    b.departments = [{"slug": "voirie", "name": "Voirie et réseaux"}]
    for member in (a, b):
        member.save(update_fields=["departments"])
        services.file_document(member, "FACTURES", f"Enrobés {member.name}",
                               make_pdf("Enrobés de la cantine"), filename="e.pdf",
                               created_on=date(2014, 1, 1), department="voirie")
    assert [d.title for d in search(b, "enrobés", department="voirie")] == ["Enrobés Bravoville"]
    assert list(search(b, department="piscine")) == []
    client = host_client(b, staff_user(b, "sbravo"))
    from django.urls import reverse

    for params in ({"department": "voirie"}, {"department": "voirie", "q": "cantine"},
                   {"department": "piscine"}, {"q": "Alphaville"}):
        page = client.get(reverse("ged:documents"), params).content.decode()
        for theirs in ("Enrobés Alphaville", "Facture Alphaville", "Piscine intercommunale"):
            assert theirs not in page, (params, theirs)
    page = client.get(reverse("ged:documents"), {"department": "voirie"}).content.decode()
    assert "Enrobés Bravoville" in page and "Voirie et réseaux" in page
