"""A closed courrier item is filed in the GED with the text OCR recognised in its scan (real
OCRmyPDF and Tesseract), and with its department: the GED's search finds the scanned letter
by a word of its text, filtered by department, and only in the searcher's member."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from courrier import ocr, register, routing
from courrier.access import Desk
from ged import plan
from ged.models import Document
from ged.search import search
from tests.courrier.helpers import member as courrier_member
from tests.courrier.scans import scanned_pdf

LINES = ["Mairie de Melle, services techniques", "Objet : le lavoir de la rue du Pont",
         "menace de s'effondrer depuis l'orage."]
SECRETARIAT = register.Actor("tlhuillier", "Thomas L'Huillier")


@pytest.fixture
def melle(db, private_root):
    member = courrier_member(services=("courrier", "ged"))
    plan.load_standard(member)
    return member


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what waits for the commit (OCR task, filing) as each step is done."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def letter(member, subject="Lavoir de la rue du Pont", confidential=False):
    return register.record(member, subject=subject, received_on=date(2026, 3, 2),
                           confidential=confidential,
                           files=[("scan-0042.pdf", scanned_pdf(LINES))])


def desk(member) -> Desk:
    return Desk(member, SECRETARIAT.username, True, frozenset())


def treat_and_close(item, committing, department="voirie"):
    d = desk(item.member)
    routing.qualify(item, d, SECRETARIAT, department=department)
    routing.treat(item, d, SECRETARIAT, "Réparé.")
    committing(routing.close, item, d, SECRETARIAT)


def test_a_closed_scanned_letter_is_found_by_a_word_of_its_ocr_text(melle, committing):
    item = letter(melle)
    committing(ocr.recognise, item.attachments.get().pk)
    assert search(melle, "effondrer").count() == 0  # not closed yet: not filed
    treat_and_close(item, committing)
    document = Document.objects.get(member=melle, source="courrier")
    assert document.title == "Lavoir de la rue du Pont"
    assert document.doc_type.code == "COURRIER-ARRIVEE"
    assert document.department == "voirie"
    assert document.object_key == f"{item.pk}/{item.attachments.get().pk}"
    assert document.metadata["chrono"] == item.chrono
    with item.attachments.get().file.open("rb") as f:
        assert document.current_version().sha256 == hashlib.sha256(f.read()).hexdigest()
    assert list(search(melle, "effondrer")) == [document]  # only in the scan's image
    assert list(search(melle, "effondrer", department="voirie")) == [document]
    assert list(search(melle, "effondrer", department="urbanisme")) == []
    assert list(search(melle, department="voirie")) == [document]
    # Closed again (a redelivered task): nothing filed twice.
    from courrier import filing

    assert filing.file_item(item.pk) == 1
    assert Document.objects.filter(member=melle, source="courrier").count() == 1


def test_text_recognised_after_the_closing_reaches_the_ged(melle, committing):
    item = letter(melle)
    treat_and_close(item, committing, department="urbanisme")
    document = Document.objects.get(member=melle, source="courrier")
    assert search(melle, "orage").count() == 0  # a scan without text, not recognised yet
    committing(ocr.recognise, item.attachments.get().pk)
    assert list(search(melle, "orage", department="urbanisme")) == [document]


def test_a_confidential_letter_is_not_filed(melle, committing):
    item = letter(melle, subject="Signalement confidentiel", confidential=True)
    treat_and_close(item, committing)
    assert not Document.objects.filter(member=melle).exists()


def test_another_members_scanned_letter_is_never_found(melle, committing):
    other = courrier_member("79048", "Celles-sur-Belle", services=("courrier", "ged"))
    plan.load_standard(other)
    item = letter(other)
    committing(ocr.recognise, item.attachments.get().pk)
    treat_and_close(item, committing)
    assert search(other, "effondrer", department="voirie").count() == 1
    assert search(melle, "effondrer").count() == 0
    assert search(melle, "effondrer", department="voirie").count() == 0
    assert search(melle, department="voirie").count() == 0
