"""Celery tasks of the GED (eager in-process unless a broker is configured)."""

from __future__ import annotations

from celery import shared_task

from . import mirror as mirrors


@shared_task(name="ged.mirror", acks_late=True)
def mirror(member_pk: int) -> None:
    """Bring the member's read-only Nextcloud copies up to date (idempotent)."""
    mirrors.run(member_pk)
