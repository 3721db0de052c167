"""Full-text search over a member's documents (titles, metadata, the text of their files).

PostgreSQL (production): `search_vector @@ websearch_to_tsquery('french', q)`, ranked by
ts_rank, where `search_vector` is the stored French tsvector of `search_text` that migration
0002 adds with its GIN index (French stemming: « délibérations » finds « délibération »).
SQLite (the demo): the FTS5 index of migration 0004, ranked by bm25. The same query
language as far as FTS5 allows: every word must be there, "a phrase" in quotes, -word
excluded, `or` between two words; accents and case do not count; without a French stemmer,
each word is asked as a prefix, a plural's final s or x dropped (« scolaires » finds
« scolaire », « écoles » finds « école »).
Either way the best match first, then the latest filed; results are always the given
member's only."""

from __future__ import annotations

import re
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from .models import Document

CONFIG = "french"
FTS = "ged_document_fts"  # migration 0004
_TERMS = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


def vector() -> RawSQL:
    """The stored column (PostgreSQL only; not a model field: see migration 0002)."""
    return RawSQL('"ged_document"."search_vector"', [], output_field=SearchVectorField())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def fts5_query(text: str) -> str:
    """websearch-like input as an FTS5 query, every word quoted (nothing the user types is
    FTS5 syntax); '' when nothing is left to search."""
    must, must_not, pending_or = [], [], False
    for neg_phrase, phrase, neg_word, word in _TERMS.findall(text):
        if word.lower() == "or" and must:
            pending_or = True
            continue
        words = _WORD.findall(phrase or word)
        if not phrase and len(words) > 1:  # « l'école »: the elided article says nothing
            words = [w for w in words if len(w) > 1] or words
        if not words:
            continue
        if phrase:
            term = '"' + " ".join(words) + '"'
        else:
            term = " ".join(f'"{_stem(w)}"*' for w in words)
            term = f"({term})" if len(words) > 1 else term
        if neg_phrase or neg_word:
            must_not.append(term)
        elif pending_or:
            must[-1] = f"({must[-1]} OR {term})"
            pending_or = False
        else:
            must.append(term)
    if not must:
        return ""
    query = " AND ".join(must)
    return query + "".join(f" NOT {t}" for t in must_not)


def _fts5(found: QuerySet, text: str) -> QuerySet:
    query = fts5_query(text)
    if not query:
        return found.none()
    # A join on the FTS5 table, so that its MATCH drives the query and bm25 (lower is better)
    # comes with each row found; the ORM has no join on a virtual table, hence extra(). The
    # unary + keeps SQLite from looping over the member's documents and evaluating the MATCH
    # once per document (as it chose for count(): minutes over 200,000 documents, like a
    # correlated subquery did; benchmarks/bench_ged.py).
    where = [f"{FTS} MATCH %s", f'+{FTS}.rowid = "ged_document"."id"']
    return (found.extra(tables=[FTS], where=where, params=[query],
                        select={"rank": f"bm25({FTS})"}).order_by("rank", "-pk"))


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
    if connection.vendor == "sqlite":
        return _fts5(found, text)
    for word in text.split():  # any other database: the words as written
        found = found.filter(search_text__icontains=word)
    return found
