"""Full-text search over a member's documents (titles, metadata, the text of their files).

PostgreSQL: `search_vector @@ websearch_to_tsquery('french', q)`, ranked by ts_rank, where
`search_vector` is the stored French tsvector of `search_text` that migration 0002 adds with
its GIN index (French stemming: « délibérations » finds « délibération »).
SQLite (tests, demo): every word of the query must appear in the text, case-insensitively
(`icontains`; no stemming, no FTS5 table to keep in sync).
Results are always the given member's only."""

from __future__ import annotations

from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from .models import Document

CONFIG = "french"


def vector() -> RawSQL:
    """The stored column (PostgreSQL only; not a model field: see migration 0002)."""
    return RawSQL('"ged_document"."search_vector"', [], output_field=SearchVectorField())


def search(member, text: str = "", *, doc_type=None, date_from: date | None = None,
           date_to: date | None = None, department: str = "",
           queryset: QuerySet | None = None) -> QuerySet:
    found = (queryset if queryset is not None else Document.objects).filter(member=member)
    if doc_type is not None:
        found = found.filter(doc_type=doc_type)
    if department:
        found = found.filter(department=department)
    if date_from is not None:
        found = found.filter(created_on__gte=date_from)
    if date_to is not None:
        found = found.filter(created_on__lte=date_to)
    text = text.strip()
    if not text:
        return found
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return (found.annotate(match=vector()).filter(match=query)
                .annotate(rank=SearchRank(F("match"), query)).order_by("-rank", "-pk"))
    for word in text.split():
        found = found.filter(search_text__icontains=word)
    return found
