"""Full-text search over titles, metadata and the PDFs' text, with filters by type and date.
On PostgreSQL (DATABASE_URL set) it is the French full-text search: stemming finds a word's
other forms and the GIN index serves the query. On SQLite (the demo) it is FTS5: accents and
case folded, plurals found by prefix, its index kept by triggers. Both order by relevance,
then the latest filed."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from ged import services
from ged.models import Document, DocumentType
from ged.search import search, vector
from tests.factories import make_pdf


@pytest.fixture
def filed(commune):
    def add(code, title, text, created, **fields):
        return services.file_document(commune, code, title, make_pdf(text), filename="d.pdf",
                                      created_on=created, **fields)

    return {
        "cantine": add("DELIB", "Tarifs 2026", "Les tarifs de la cantine scolaire augmentent",
                       date(2026, 3, 3)),
        "voirie": add("ARRETE", "Arrêté de circulation", "Travaux de voirie rue des Écoles",
                      date(2025, 6, 1), metadata={"numéro": "A2025_114"}),
        "facture": add("FACTURES", "Facture Dupont", "Réparation de la toiture de l'école",
                       date(2024, 1, 5), author="Entreprise Dupont"),
    }


def titles(found) -> set[str]:
    return {d.title for d in found}


def test_a_word_of_the_pdf_text_finds_its_document(commune, filed):
    assert titles(search(commune, "cantine")) == {"Tarifs 2026"}
    assert titles(search(commune, "voirie")) == {"Arrêté de circulation"}
    assert titles(search(commune, "A2025_114")) == {"Arrêté de circulation"}  # metadata
    assert titles(search(commune, "Dupont")) == {"Facture Dupont"}  # author
    assert titles(search(commune, "introuvable")) == set()


def test_filters_by_type_and_date(commune, filed):
    arretes = DocumentType.objects.get(member=commune, code="ARRETE")
    assert titles(search(commune, doc_type=arretes)) == {"Arrêté de circulation"}
    assert titles(search(commune, date_from=date(2025, 1, 1))) == {
        "Tarifs 2026", "Arrêté de circulation"}
    assert titles(search(commune, date_to=date(2024, 12, 31))) == {"Facture Dupont"}
    assert titles(search(commune, "tarifs", date_to=date(2025, 12, 31))) == set()


def test_french_stemming_and_the_index_on_postgresql(commune, filed):
    """PostgreSQL: stemming, and the plan uses the GIN index."""
    if connection.vendor != "postgresql":
        return test_fts5_on_sqlite_folds_accents_plurals_and_uses_its_index(commune, filed)
    assert titles(search(commune, "scolaires")) == {"Tarifs 2026"}  # plural → scolaire
    assert titles(search(commune, "réparations toitures")) == {"Facture Dupont"}
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        # The full-text condition alone (on three rows the member's own index wins): the
        # planner can serve it from the GIN index, so the expressions match.
        query = SearchQuery("cantine", config="french", search_type="websearch")
        sql, params = (Document.objects.annotate(match=vector()).filter(match=query)
                       .query.sql_with_params())
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "ged_document_fts_fr" in plan, plan


def test_fts5_on_sqlite_folds_accents_plurals_and_uses_its_index(commune, filed):
    """SQLite (the demo): FTS5, accents and case folded, plurals found by prefix."""
    if connection.vendor != "sqlite":
        return
    assert titles(search(commune, "CANTINE scolaires")) == {"Tarifs 2026"}
    assert titles(search(commune, "ecole toitures")) == {"Facture Dupont"}
    assert titles(search(commune, "cantine -scolaire")) == set()
    assert titles(search(commune, "cantine or voirie")) == {"Tarifs 2026",
                                                            "Arrêté de circulation"}
    assert titles(search(commune, '"rue des écoles"')) == {"Arrêté de circulation"}
    assert titles(search(commune, '"des rue"')) == set()  # a phrase, in its order
    assert titles(search(commune, 'AND ( "* NEAR')) == set()  # no FTS5 syntax gets through
    with connection.cursor() as cursor:
        sql, params = search(commune, "cantine").query.sql_with_params()
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan and "ged_document_fts" in plan, plan


def test_the_index_follows_every_write(commune, filed):
    """A new version's text is found; an eliminated document's file text no longer is (its
    record keeps only its title); on both databases."""
    document = filed["cantine"]
    services.add_version(document, make_pdf("Tarifs de la garderie périscolaire"),
                         filename="v2.pdf")
    assert titles(search(commune, "garderie")) == {"Tarifs 2026"}
    Document.objects.filter(pk=document.pk).update(search_text=document.title)  # as eliminate
    assert titles(search(commune, "garderie")) == set()
    assert titles(search(commune, "tarifs")) == {"Tarifs 2026"}


def test_the_best_match_comes_first_then_the_latest(commune):
    """The same ordering rule on both databases: relevance, then the latest filed."""
    def add(title, text):
        return services.file_document(commune, "DELIB", title, make_pdf(text),
                                      filename="d.pdf", created_on=date(2026, 1, 1))

    once = add("Compte rendu du conseil", "Travaux, budget, associations, écoles, lavoir")
    often = add("Restauration du lavoir", "Lavoir communal : devis de restauration du lavoir.")
    twin_a = add("Budget annexe A", "Budget annexe de l'assainissement")
    twin_b = add("Budget annexe B", "Budget annexe de l'assainissement")
    assert list(search(commune, "lavoir")) == [often, once]
    found = list(search(commune, "assainissement"))
    assert found == [twin_b, twin_a]  # equally relevant: the latest filed first
