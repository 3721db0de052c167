"""The standard plan loaded per member kind and editable per member; each document's end of
DUA from its rule and start event (a table); filing, versions and the audit chain."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from ged import audit, plan, services
from ged.models import (
    CLOSING,
    CREATION,
    DESTROY,
    EVENT,
    KEEP,
    MANDATE_END,
    AuditEntry,
    DocumentType,
    Heading,
)
from tests.factories import make_pdf


def test_the_standard_plan_follows_the_member_kind(commune, epci):
    commune_types = set(DocumentType.objects.filter(member=commune).values_list("code", flat=True))
    epci_types = set(DocumentType.objects.filter(member=epci).values_list("code", flat=True))
    assert {"DELIB", "ETAT-CIVIL-REGISTRE", "CONV-DOSSIER", "PARAPH-SIGNE"} <= commune_types
    assert "CLECT" not in commune_types and "CLECT" in epci_types
    assert "ETAT-CIVIL-REGISTRE" not in epci_types
    assert len(commune_types) >= 25
    delib = DocumentType.objects.get(member=commune, code="DELIB")
    assert delib.dua_years is None and delib.final_action == KEEP
    assert "DGP/SIAF/2014/006" in delib.source
    # Nested headings: 1.1 sits under 1.
    assert Heading.objects.get(member=commune, code="1.1").parent.code == "1"


def test_a_member_edits_its_rules_and_reloading_keeps_them(commune):
    rule = DocumentType.objects.get(member=commune, code="FACTURES")
    rule.dua_years, rule.edited = 12, True
    rule.save()
    assert plan.load_standard(commune) == 0
    assert DocumentType.objects.get(pk=rule.pk).dua_years == 12


class Doc:
    def __init__(self, created_on, closed_on=None, event_on=None):
        self.created_on, self.closed_on, self.event_on = created_on, closed_on, event_on


# (DUA years, months, start event, created, closed, event) -> end of DUA
TABLE = [
    ((10, 0, CREATION), (date(2015, 6, 30), None, None), date(2025, 6, 30)),
    ((0, 6, CREATION), (date(2020, 3, 15), None, None), date(2020, 9, 15)),
    ((5, 0, CREATION), (date(2020, 2, 29), None, None), date(2025, 2, 28)),  # leap day
    ((0, 1, CREATION), (date(2021, 1, 31), None, None), date(2021, 2, 28)),
    ((10, 0, CLOSING), (date(2010, 1, 1), date(2016, 9, 1), None), date(2026, 9, 1)),
    ((10, 0, CLOSING), (date(2010, 1, 1), None, None), None),  # not closed yet: not running
    ((5, 0, MANDATE_END), (date(2015, 5, 4), None, None), date(2025, 3, 15)),  # 2020 renewal
    ((5, 0, MANDATE_END), (date(2020, 3, 15), None, None), date(2031, 3, 15)),  # on the day
    ((80, 0, EVENT), (date(2001, 9, 1), None, date(1961, 4, 2)), date(2041, 4, 2)),
    ((None, 0, CREATION), (date(2001, 9, 1), None, None), None),  # unlimited
]


@pytest.mark.parametrize(("rule", "dates", "end"), TABLE)
def test_the_end_of_dua_from_the_rule_and_its_start_event(rule, dates, end):
    years, months, start = rule
    doc_type = DocumentType(dua_years=years, dua_months=months, start_event=start,
                            final_action=DESTROY)
    assert plan.retention_end(doc_type, Doc(*dates)) == end


def test_filing_keeps_the_digest_and_a_new_version_keeps_the_old_one(commune):
    first = make_pdf("Facture de chauffage numéro 1")
    document = services.file_document(commune, "FACTURES", "Facture chauffage", first,
                                      filename="facture.pdf", created_on=date(2024, 1, 10),
                                      author="Mme Roux", actor="zsecretaire")
    v1 = document.current_version()
    assert v1.number == 1 and v1.mime_type == "application/pdf" and v1.puid.startswith("fmt/")
    assert v1.sha256 == hashlib.sha256(first).hexdigest()
    assert "chauffage" in document.search_text  # the PDF's own text
    assert document.retention_end == date(2034, 1, 10)
    second = make_pdf("Facture de chauffage rectifiée")
    v2 = services.add_version(document, second, filename="facture.pdf", note="rectifiée")
    assert v2.number == 2
    assert [v.number for v in document.versions.all()] == [1, 2]
    with v1.file.open("rb") as f:
        assert f.read() == first  # the old version is still there, unchanged
    assert v1.file.name != v2.file.name
    assert audit.verify(commune) is None
    assert list(AuditEntry.objects.filter(member=commune).values_list("action", flat=True)) == [
        "filed", "version"]


def test_an_altered_audit_entry_breaks_the_chain(commune):
    for i in range(3):
        services.file_document(commune, "FACTURES", f"Facture {i}", b"texte", filename="f.txt")
    entry = AuditEntry.objects.get(member=commune, seq=2)
    entry.details = {**entry.details, "sha256": "0" * 64}
    entry.save()
    assert audit.verify(commune) == 2


def test_an_unknown_type_is_one_sentence(commune):
    with pytest.raises(services.FilingRefused, match="« INCONNU » n'existe pas .*Aigonnay"):
        services.file_document(commune, "INCONNU", "X", b"x")


def test_the_apps_file_only_for_subscribers(db, private_root):
    from tests.ged.members import make_member

    other = make_member("79002", "Brioux", services=("website",))
    assert services.file_from_app(other, "DELIB", "Délibération", b"x") is None
    member = make_member("79003", "Celles")
    filed = services.file_from_app(member, "DELIB", "Délibération", b"x", object_app="actes",
                                   object_key="7")
    again = services.file_from_app(member, "DELIB", "Délibération", b"x", object_app="actes",
                                   object_key="7")
    assert filed is not None and again.pk == filed.pk
