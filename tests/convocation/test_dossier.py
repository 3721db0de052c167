"""The dossier PDF: order, bookmarks, clickable table of contents; and the audit trail."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from convocation import dossier
from convocation.models import AuditEntry, audit, verify_audit
from tests.factories import make_pdf as pdf

from .sittings import make_sitting


def link_targets(reader: PdfReader, page_index: int) -> list[int]:
    """The page index each link annotation of a page leads to, top to bottom."""
    out = []
    for ref in reader.pages[page_index].get("/Annots", []):
        annot = ref.get_object()
        assert annot["/Subtype"] == "/Link"
        out.append(reader.get_page_number(annot["/Dest"][0].get_object()))
    return out


@pytest.mark.django_db
def test_the_dossier_has_a_clickable_contents_and_bookmarks(council):
    sitting = make_sitting(council, items=2, annexes=2)
    built = dossier.build(sitting)
    reader = PdfReader(io.BytesIO(built.combined))
    # Sommaire (1) + convocation (1) + note (2) + 2 × (project 3 + 2 annexes × 2)
    assert built.pages == len(reader.pages) == 1 + 1 + 2 + 2 * 7
    assert [(title, level, page) for title, level, page in built.contents] == [
        ("Convocation", 0, 2), ("Note explicative de synthèse", 0, 3),
        ("1. Projet 1 : budget", 0, 5), ("Annexe 1 : Annexe 1 du projet 1", 1, 8),
        ("Annexe 2 : Annexe 2 du projet 1", 1, 10),
        ("2. Projet 2 : budget", 0, 12), ("Annexe 1 : Annexe 1 du projet 2", 1, 15),
        ("Annexe 2 : Annexe 2 du projet 2", 1, 17)]
    assert link_targets(reader, 0) == [page - 1 for _, _, page in built.contents]
    text = reader.pages[0].extract_text()
    assert "Sommaire" in text and "2. Projet 2 : budget" in text
    assert "Projet 2 — page 1" in reader.pages[11].extract_text()
    assert "Annexe 2.2 — page 2" in reader.pages[17].extract_text()
    outline = reader.outline
    assert [o.title for o in outline if not isinstance(o, list)] == [
        "Sommaire", "Convocation", "Note explicative de synthèse", "1. Projet 1 : budget",
        "2. Projet 2 : budget"]
    annexes = [o for o in outline if isinstance(o, list)]
    assert [[a.title for a in group] for group in annexes] == [
        ["Annexe 1 : Annexe 1 du projet 1", "Annexe 2 : Annexe 2 du projet 1"],
        ["Annexe 1 : Annexe 1 du projet 2", "Annexe 2 : Annexe 2 du projet 2"]]
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    letter = reader.pages[1].extract_text()
    assert "Convocation — Conseil municipal" in letter and "Salle du conseil" in letter
    assert "Élu0 Nom0, Maire" in letter
    # The separate files are the documents as uploaded.
    assert set(built.files) == {
        "dossier-complet.pdf", "00-convocation.pdf", "00-note-explicative-de-synthese.pdf",
        "01-projet-1-budget.pdf", "01-projet-1-budget-annexe-01-annexe-1-du-projet-1.pdf",
        "01-projet-1-budget-annexe-02-annexe-2-du-projet-1.pdf", "02-projet-2-budget.pdf",
        "02-projet-2-budget-annexe-01-annexe-1-du-projet-2.pdf",
        "02-projet-2-budget-annexe-02-annexe-2-du-projet-2.pdf"}
    with sitting.items.get(position=2).project.open("rb") as f:
        assert built.files["02-projet-2-budget.pdf"] == f.read()


def test_a_long_contents_takes_several_pages():
    parts = [dossier.Part(f"Projet {i} avec un intitulé " + "très long " * 20, f"{i}.pdf",
                          pdf(f"P{i}"), level=i % 2) for i in range(95)]
    combined, entries, pages = dossier.assemble(parts, "Conseil")
    reader = PdfReader(io.BytesIO(combined))
    assert pages == len(reader.pages) == 3 + 95
    assert [len(link_targets(reader, i)) for i in range(3)] == [40, 40, 15]
    assert link_targets(reader, 2)[-1] == 97 and entries[0][2] == 3


def test_documents_that_are_not_pdfs_are_named():
    with pytest.raises(dossier.DossierError, match="« Le budget » n'est pas un PDF lisible"):
        dossier.check_pdf(b"<html>", "Le budget")
    assert dossier.check_pdf(pdf("x", 4), "x") == 4


@pytest.mark.django_db
def test_the_audit_trail_is_chained_and_append_only(council):
    sitting = make_sitting(council, items=1, annexes=0, note=False)
    for i in range(3):
        audit(sitting, "step", n=i)
    assert verify_audit(sitting)
    entry = AuditEntry.objects.filter(sitting=sitting).order_by("pk")[1]
    with pytest.raises(Exception, match="append-only"):
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()
    AuditEntry.objects.filter(pk=entry.pk).update(payload={"n": 7})
    assert not verify_audit(sitting)
