"""Celery tasks of the register (eager in-process unless a broker is configured). The
periodic ones (Celery beat, settings.CELERY_BEAT_SCHEDULE) are idempotent: a message, an
invoice, a file or a reminder is recorded or sent once however often they run."""

from __future__ import annotations

from celery import shared_task

from . import ocr


@shared_task(name="courrier.ocr", acks_late=True)
def ocr_attachment(attachment_id: int) -> bool:
    return ocr.recognise(attachment_id)


@shared_task(name="courrier.fetch_mail")
def fetch_mail() -> dict:
    """Every member's courrier@ mailbox, over IMAP (courrier/mailbox.py)."""
    from . import mailbox

    return mailbox.fetch_all()
