"""The GED's staff pages answer the host's staff: filing, the listing with its full-text
search and filters, a document with its versions, rule and history, the plan and a rule's
edit, and the elimination flow with its visa."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ged import services
from ged.models import Document, DocumentType, Proposal
from tests.actes.staff import host_client, staff_user
from tests.factories import make_pdf


@pytest.fixture
def client(commune):
    return host_client(commune, staff_user(commune, "zsecretaire"))


def test_a_secretaire_files_finds_and_reads_a_document(commune, client):
    doc_type = DocumentType.objects.get(member=commune, code="ARRETE")
    response = client.post(reverse("ged:add"), {
        "doc_type": doc_type.pk, "title": "Arrêté de voirie", "author": "Le maire",
        "created_on": "2026-02-02",
        "file": SimpleUploadedFile("arrete.pdf", make_pdf("Stationnement interdit place "
                                                          "du marché"))})
    assert response.status_code == 302, response.content[:2000]
    document = Document.objects.get(member=commune)
    assert document.versions.get().filed_by == "zsecretaire"
    listing = client.get(reverse("ged:documents"), {"q": "stationnement"})
    assert b"Arr\xc3\xaat\xc3\xa9 de voirie" in listing.content
    assert b"Arr\xc3\xaat\xc3\xa9 de voirie" not in client.get(
        reverse("ged:documents"), {"q": "piscine"}).content
    filtered = client.get(reverse("ged:documents-results"), {"doc_type": doc_type.pk})
    assert b"Arr\xc3\xaat\xc3\xa9 de voirie" in filtered.content
    page = client.get(reverse("ged:document", args=[document.pk])).content.decode()
    assert "DUA illimitée" in page and document.current_version().sha256 in page
    assert "Classé à la main" in page  # its origin in words, not the stored code
    assert client.get(reverse("ged:version-file", args=[document.pk, 1])).status_code == 200
    response = client.post(reverse("ged:add-version", args=[document.pk]), {
        "file": SimpleUploadedFile("arrete.pdf", make_pdf("Version rectifiée")),
        "note": "coquille"})
    assert response.status_code == 302 and document.versions.count() == 2
    response = client.post(reverse("ged:hold", args=[document.pk]),
                           {"reference": "TA Poitiers 2601234", "reason": "Recours"})
    assert response.status_code == 302 and services.is_held(document)
    hold = document.holds.get()
    client.post(reverse("ged:lift-hold", args=[document.pk, hold.pk]))
    assert not services.is_held(document)


def test_a_file_that_is_not_allowed_is_refused_with_a_sentence(commune, client):
    doc_type = DocumentType.objects.get(member=commune, code="ARRETE")
    response = client.post(reverse("ged:add"), {
        "doc_type": doc_type.pk, "title": "X", "created_on": "2026-02-02",
        "file": SimpleUploadedFile("page.html", b"<script>alert(1)</script>")})
    assert response.status_code == 400 and "page.html" in response.content.decode()
    assert not Document.objects.exists()


def test_the_plan_shows_the_rules_and_a_rule_is_edited(commune, client):
    page = client.get(reverse("ged:plan")).content.decode()
    assert "Factures reçues" in page and "destruction" in page
    rule = DocumentType.objects.get(member=commune, code="FACTURES")
    filed = services.file_document(commune, "FACTURES", "Facture", b"x", filename="f.txt",
                                   created_on=date(2020, 1, 1))
    response = client.post(reverse("ged:rule", args=[rule.pk]), {
        "title": rule.title, "dua_years": 12, "dua_months": 0, "start_event": "creation",
        "event_label": "", "final_action": "detruire", "notes": ""})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.retention_end == date(2032, 1, 1)


def test_the_elimination_flow_needs_the_visa(commune, client):
    doc = services.file_document(commune, "FACTURES", "Vieille facture", b"x", filename="f.txt",
                                 created_on=date(2012, 1, 1))
    client.post(reverse("ged:proposals"))
    proposal = Proposal.objects.get(member=commune)
    assert client.get(reverse("ged:proposal", args=[proposal.pk])).status_code == 200
    client.post(reverse("ged:eliminate", args=[proposal.pk]))
    doc.refresh_from_db()
    assert doc.state == Document.ACTIVE  # no visa: nothing removed
    client.post(reverse("ged:visa", args=[proposal.pk]),
                {"director": "Directeur des AD 79", "reference": "AD79-1"})
    client.post(reverse("ged:eliminate", args=[proposal.pk]))
    doc.refresh_from_db()
    assert doc.state == Document.ELIMINATED
    certificate = client.get(reverse("ged:proposal-text", args=[proposal.pk, "certificat"]))
    assert "AD79-1" in certificate.content.decode()


def test_a_transfer_is_sent_and_its_acceptance_imported_from_the_pages(commune, client,
                                                                       settings):
    from tests.doubles.archive_standin import ArchiveStandIn

    doc = services.file_document(commune, "OUVRAGE-EXECUTE", "DOE de la mairie", b"x",
                                 filename="doe.txt", created_on=date(2010, 1, 1),
                                 closed_on=date(2012, 1, 1))
    client.post(reverse("ged:proposals"))
    proposal = Proposal.objects.get(member=commune, kind=Proposal.TRANSFER)
    page = client.get(reverse("ged:proposal", args=[proposal.pk])).content.decode()
    assert "Aucun système d'archivage n'est configuré" in page  # one sentence, no button
    standin = ArchiveStandIn(auto_accept=True)
    url, stop = standin.serve()
    settings.MUTUALIS_GED_ARCHIVE_URL = url
    try:
        client.post(reverse("ged:send", args=[proposal.pk]))
        client.post(reverse("ged:reply", args=[proposal.pk]))
    finally:
        stop()
    proposal.refresh_from_db()
    doc.refresh_from_db()
    assert proposal.state == Proposal.ACCEPTED and doc.state == Document.TRANSFERRED
    assert standin.transfers[0].identifier == proposal.identifier


def test_a_document_is_filed_for_a_department_and_found_by_it(commune, client):
    commune.departments = [{"slug": "voirie", "name": "Services techniques et voirie"},
                           {"slug": "ecoles", "name": "Affaires scolaires"}]
    commune.save(update_fields=["departments"])
    doc_type = DocumentType.objects.get(member=commune, code="ARRETE")
    form = client.get(reverse("ged:add")).content.decode()
    assert "Affaires scolaires" in form and "Toute la collectivité" in form
    response = client.post(reverse("ged:add"), {
        "doc_type": doc_type.pk, "title": "Arrêté de voirie", "created_on": "2026-02-02",
        "department": "voirie",
        "file": SimpleUploadedFile("arrete.pdf", make_pdf("Stationnement interdit"))})
    assert response.status_code == 302, response.content[:2000]
    document = Document.objects.get(member=commune)
    assert document.department == "voirie"
    services.file_document(commune, "ARRETE", "Arrêté de la cantine", make_pdf("Stationnement"),
                           filename="a.pdf", created_on=date(2026, 2, 3), department="ecoles")
    listing = client.get(reverse("ged:documents"), {"q": "stationnement",
                                                    "department": "voirie"}).content.decode()
    assert "Arrêté de voirie" in listing and "Arrêté de la cantine" not in listing
    assert "Services techniques et voirie" in listing  # the column says the department
    page = client.get(reverse("ged:document", args=[document.pk])).content.decode()
    assert "Services techniques et voirie" in page
    response = client.post(reverse("ged:add"), {
        "doc_type": doc_type.pk, "title": "X", "created_on": "2026-02-02",
        "department": "piscine", "file": SimpleUploadedFile("x.pdf", make_pdf("x"))})
    assert response.status_code == 400 and "piscine" in response.content.decode()
    assert Document.objects.filter(member=commune).count() == 2
