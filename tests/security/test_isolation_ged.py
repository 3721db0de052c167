"""Isolation of the GED: a member's search, filters and listings never return another
member's documents. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from datetime import date

import pytest

from ged import retention, services
from ged.models import DocumentType
from ged.search import search
from tests.factories import make_pdf
from tests.ged.members import make_member

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
