"""Text recognition of scanned PDFs with OCRmyPDF and Tesseract's French data (the Debian
packages ocrmypdf and tesseract-ocr-fra): a searchable copy of each PDF attachment is kept
beside the original, and its text goes on the item, where the register's search finds it.

It runs as a Celery task (`courrier.ocr`), eager in the demo; it is idempotent (a copy already
made is not made again), and a failure is written in the item's history, the scan kept.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from . import filing
from .models import Attachment, Item
from .register import SYSTEM, log_step

log = logging.getLogger(__name__)

LANGUAGE = "fra"
TIMEOUT = 600  # seconds for one file


class OcrError(Exception):
    pass


def available() -> bool:
    return shutil.which("ocrmypdf") is not None


def ocr_pdf(content: bytes, language: str | None = None) -> tuple[bytes, str]:
    """(the searchable PDF, its text). Pages that already carry text are kept as they are
    (--skip-text); the text is read back from the result, so both kinds of page count."""
    if not available():
        raise OcrError(_("OCRmyPDF n'est pas installé sur ce serveur (paquet Debian "
                         "ocrmypdf)."))
    with tempfile.TemporaryDirectory(prefix="courrier-ocr-") as tmp:
        source, target = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        source.write_bytes(content)
        done = subprocess.run(
            ["ocrmypdf", "-l", language or LANGUAGE, "--skip-text", "--output-type", "pdf",
             "--optimize", "0", "--jobs", "1", "--quiet", str(source), str(target)],
            capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if done.returncode != 0 or not target.exists():
            last = (done.stderr.strip().splitlines() or [""])[-1][:300]
            raise OcrError(_("la reconnaissance de texte a échoué (OCRmyPDF, code %(rc)s) : "
                             "%(why)s") % {"rc": done.returncode, "why": last})
        searchable = target.read_bytes()
    return searchable, pdf_text(searchable)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def recognise(attachment_id: int) -> bool:
    """Make the searchable copy of one attachment and add its text to the item; False when
    there was nothing to do (not a PDF, or done already)."""
    attachment = Attachment.objects.select_related("item").get(pk=attachment_id)
    if attachment.searchable or not attachment.name.lower().endswith(".pdf"):
        return False
    with attachment.file.open("rb") as f:
        content = f.read()
    item = attachment.item
    try:
        searchable, text = ocr_pdf(content)
    except (OcrError, subprocess.TimeoutExpired) as exc:
        log.warning("courrier: OCR of attachment %s failed: %s", attachment_id, exc)
        log_step(item, "ocr_failed", SYSTEM, str(exc), attachment=attachment.name)
        return False
    with transaction.atomic():
        attachment.searchable.save(f"ocr-{attachment.name}", ContentFile(searchable),
                                   save=False)
        attachment.save(update_fields=["searchable"])
        Item.objects.filter(pk=item.pk).update(
            text=(item.text + "\n" + text).strip() if item.text else text)
        log_step(item, "ocr", SYSTEM, attachment=attachment.name, characters=len(text))
        item.refresh_from_db(fields=["status"])
        filing.schedule(item)  # closed before its text was recognised: the GED gets the text
    return True


def schedule(item: Item) -> None:
    """Queue the recognition of the item's PDF attachments once the item is committed."""
    from .tasks import ocr_attachment

    for pk in item.attachments.filter(searchable="").values_list("pk", flat=True):
        transaction.on_commit(lambda pk=pk: ocr_attachment.delay(pk))
