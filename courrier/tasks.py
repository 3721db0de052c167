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


@shared_task(name="courrier.chorus_import")
def chorus_import() -> dict:
    """Every member's new invoices in Chorus Pro, then the statuses waiting to go back."""
    from . import chorus

    return chorus.import_all()


@shared_task(name="courrier.chorus_push", acks_late=True)
def chorus_push(item_id: int | None = None) -> dict:
    """The statuses of one item (all items: None) waiting to go to Chorus Pro."""
    from . import chorus

    return chorus.push_pending(item_id)


@shared_task(name="courrier.watch_folders")
def watch_folders() -> dict:
    """Every member's watched folder (courrier/folders.py)."""
    from . import folders

    return folders.scan_all()


@shared_task(name="courrier.reminders")
def reminders(now_iso: str | None = None) -> dict:
    """Items past their due date: reminded to their department, then escalated."""
    from datetime import datetime

    from . import reminders as r

    return r.run(datetime.fromisoformat(now_iso) if now_iso else None)
