"""The plan de classement: the standard headings and types (ged/data/retention.yml) loaded
into a member's plan, and each document's end of DUA from its type's rule."""

from __future__ import annotations

import calendar
from datetime import date
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from .models import CLOSING, CREATION, EVENT, MANDATE_END, DocumentType, Heading

DATA = Path(__file__).parent / "data" / "retention.yml"

# The general renewals of municipal and community councils (the first round's date): a
# mandate runs until the next one (Code électoral L227; the 2020 one was held in March).
GENERAL_ELECTIONS = [date(2008, 3, 9), date(2014, 3, 23), date(2020, 3, 15),
                     date(2026, 3, 15), date(2032, 3, 14)]


@cache
def standard() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@transaction.atomic
def load_standard(member) -> int:
    """Add the standard headings and types for the member's kind to its plan; what the
    member already has (by code) is left as it is. Returns the number of types added."""
    data, added = standard(), 0
    kind = "epci" if member.kind == "epci" else "commune"

    def walk(node: dict, parent: Heading | None) -> None:
        nonlocal added
        heading, _new = Heading.objects.get_or_create(
            member=member, code=node["code"], defaults={"title": node["title"], "parent": parent})
        for child in node.get("children", []):
            walk(child, heading)
        for row in node.get("types", []):
            _type, created = DocumentType.objects.get_or_create(
                member=member, code=row["code"], defaults={
                    "heading": heading, "title": row["title"], "dua_years": row["dua"],
                    "dua_months": row.get("months", 0), "start_event": row["start"],
                    "event_label": row.get("event", ""), "final_action": row["final"],
                    "source": f"{row['ref']} ({data['source']})"[:255]})
            added += created

    for top in data["headings"]:
        if kind in top["kinds"]:
            walk(top, None)
    return added


def add_period(start: date, years: int, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + years + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def mandate_end(on: date) -> date | None:
    """The end of the mandate running on that day: the next general renewal."""
    return next((d for d in GENERAL_ELECTIONS if d > on), None)


def start_date(doc_type: DocumentType, document) -> date | None:
    """The day the DUA runs from; None while the event has not happened (file not closed)."""
    return {CREATION: lambda: document.created_on, CLOSING: lambda: document.closed_on,
            MANDATE_END: lambda: mandate_end(document.created_on),
            EVENT: lambda: document.event_on}[doc_type.start_event]()


def retention_end(doc_type: DocumentType, document) -> date | None:
    """The end of the DUA; None when it is unlimited or its start is not known yet."""
    if doc_type.dua_years is None:
        return None
    start = start_date(doc_type, document)
    return None if start is None else add_period(start, doc_type.dua_years, doc_type.dua_months)
