"""OCR of scanned PDFs with OCRmyPDF and Tesseract's French data: a scan the test renders
(an image, no text), uploaded through the admin's scan page, recognised by the Celery task
(eager), its text stored on the item and found by the register's search; a searchable copy
kept beside the original; a failure written in the history, the scan kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courrier import ocr, register
from courrier.models import Item
from tests.courrier.scans import scanned_pdf
from tests.courrier.staff import clients, courrier_members

pytestmark = pytest.mark.django_db

LINES = ["Mairie de Melle", "Objet : demande de subvention",
         "pour la restauration du lavoir communal."]


def test_a_scan_uploaded_is_recognised_and_found(db, media, django_capture_on_commit_callbacks):
    member = courrier_members()[0]
    client = clients(member, "a")["secretaire"]
    scan = scanned_pdf(LINES)
    assert ocr.pdf_text(scan) == ""  # an image: nothing to read before OCR
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        response = client.post(reverse("courrier:scan"), {
            "files": [SimpleUploadedFile("scan-0042.pdf", scan, "application/pdf")],
            "kind": "letter", "nature": "demande", "received_on": "2026-03-02"})
    assert response.status_code == 302, response.content.decode()[:1500]
    item = Item.objects.get(member=member)
    assert item.channel == "numerisation" and item.subject == "scan-0042"
    text = item.text.lower()
    assert "subvention" in text and "lavoir" in text, list(item.events.values("step", "note"))
    attachment = item.attachments.get()
    assert attachment.file.read() == scan  # the original, as scanned
    assert "subvention" in ocr.pdf_text(attachment.searchable.read()).lower()
    assert item.events.filter(step="ocr").exists()
    found = client.get(reverse("courrier:items"), {"q": "lavoir"}).context["object_list"]
    assert list(found) == [item]
    # The task runs twice (a redelivery): nothing is done again.
    assert ocr.recognise(attachment.pk) is False


def test_a_failed_ocr_is_in_the_history_and_the_scan_kept(db, media, monkeypatch):
    member = courrier_members()[0]
    item = register.record(member, subject="Scan", files=[("scan.pdf", scanned_pdf(["x"]))])
    monkeypatch.setattr(ocr, "LANGUAGE", "zzz")  # no such Tesseract language
    assert ocr.recognise(item.attachments.get().pk) is False
    failed = item.events.get(step="ocr_failed")
    assert "OCRmyPDF" in failed.note
    assert item.attachments.get().file.read().startswith(b"%PDF")
