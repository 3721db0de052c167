"""Celery tasks of the register (eager in-process unless a broker is configured)."""

from __future__ import annotations

from celery import shared_task

from . import ocr


@shared_task(name="courrier.ocr", acks_late=True)
def ocr_attachment(attachment_id: int) -> bool:
    return ocr.recognise(attachment_id)
