"""The watched folder: a PDF dropped in the member's folder becomes an item (OCR'd, a
Factur-X one an invoice), the file moves to traités/; anything else moves to refusés/ with
its reason beside it; the same file is never recorded twice; members see their own folder."""

from __future__ import annotations

import os
import time

import pytest

from courrier import folders
from courrier import natures as n
from courrier.models import Item, Refusal
from courrier.tasks import watch_folders
from tests.courrier.facturx_cii import facturx_pdf
from tests.courrier.helpers import member
from tests.courrier.scans import scanned_pdf
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db


def drop(folder, name: str, content: bytes, age: float = 60) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    old = time.time() - age
    os.utime(path, (old, old))


def test_dropped_files_become_items_and_move(settings, tmp_path,
                                             django_capture_on_commit_callbacks):
    settings.MUTUALIS_COURRIER_WATCH_ROOT = str(tmp_path)
    melle, celles = member(), member("79061", "Celles-sur-Belle")
    scan = scanned_pdf(["Demande de raccordement", "Rue des Écoles"])
    drop(tmp_path / "79174", "raccordement.pdf", scan)
    drop(tmp_path / "79174", "facture-colas.pdf", facturx_pdf(make_pdf("Facture F-1"),
                                                              number="F-1"))
    drop(tmp_path / "79174", "photo.txt", b"pas un PDF")
    drop(tmp_path / "79174", "en-cours.pdf", make_pdf("encore en copie"), age=0)
    drop(tmp_path / "79061", "celles.pdf", make_pdf("Lettre pour Celles"))
    with django_capture_on_commit_callbacks(execute=True):
        done = watch_folders.delay().get()
    assert done == {"members": 2, "recorded": 3, "refused": 1, "failed": 0}
    letter = Item.objects.get(member=melle, subject="raccordement")
    assert letter.channel == n.FOLDER and letter.attachments.get().file.read() == scan
    assert "Écoles" in Item.objects.get(pk=letter.pk).text or "coles" in \
        Item.objects.get(pk=letter.pk).text  # OCR'd
    invoice = Item.objects.get(member=melle, kind=n.INVOICE)
    assert invoice.reference == "F-1" and invoice.channel == n.FOLDER
    assert Item.objects.filter(member=celles).count() == 1
    melle_dir = tmp_path / "79174"
    assert sorted(p.name for p in (melle_dir / "traités").iterdir()) == [
        "facture-colas.pdf", "raccordement.pdf"]
    assert sorted(p.name for p in (melle_dir / "refusés").iterdir()) == [
        "photo.txt", "photo.txt.motif.txt"]
    assert "n'est pas un PDF" in (melle_dir / "refusés" / "photo.txt.motif.txt").read_text()
    assert (melle_dir / "en-cours.pdf").exists()  # still being written: next time
    assert Refusal.objects.get(member=melle).channel == n.FOLDER

    # The same file again: moved, not recorded twice; nothing overwritten.
    drop(melle_dir, "raccordement.pdf", scan)
    assert folders.scan(melle, settle=0)["recorded"] == 2  # it, and en-cours.pdf now
    assert Item.objects.filter(member=melle, subject="raccordement").count() == 1
    assert sorted(p.name for p in (melle_dir / "traités").iterdir()) == [
        "en-cours.pdf", "facture-colas.pdf", "raccordement (2).pdf", "raccordement.pdf"]


def test_no_root_no_work(settings):
    settings.MUTUALIS_COURRIER_WATCH_ROOT = ""
    member()
    assert watch_folders.delay().get() == {"members": 0, "recorded": 0, "refused": 0,
                                           "failed": 0}


def test_a_folder_that_cannot_be_read_does_not_stop_the_others(settings, tmp_path):
    settings.MUTUALIS_COURRIER_WATCH_ROOT = str(tmp_path)
    member(), member("79061", "Celles-sur-Belle")
    (tmp_path / "79174").write_text("un fichier là où le dossier de Melle devrait être")
    drop(tmp_path / "79061", "demande.pdf", make_pdf("Demande de Celles"))
    assert watch_folders.delay().get() == {"members": 2, "recorded": 1, "refused": 0,
                                           "failed": 1}
    assert Item.objects.get().member.code == "79061"
