"""Celery tasks: sending a convocation (eager by default) and the daily reminders (Celery beat,
see `CELERY_BEAT_SCHEDULE` in the settings)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from celery import shared_task
from django.core.mail import get_connection
from django.utils import timezone

from mail_service.backend import MailError
from mutualis import conf
from nextcloud_bridge.agendas.ics import PARIS

from . import delivery, mail, receipts, sending
from .models import Convocation, Sitting, audit

log = logging.getLogger(__name__)


@shared_task(name="convocation.send", acks_late=True)
def send_convocation(sitting_id: int, today: str | None = None) -> int:
    """Send the convocation of a sitting; returns the number of members mailed."""
    dispatch = sending.send(sitting_id, date.fromisoformat(today) if today else None)
    return dispatch.sitting.convocations.filter(sent_at__isnull=False).count()


def reminder_days() -> int:
    return int(conf.MUTUALIS_CONVOCATION_REMINDER_DAYS)


def due_reminders(today: date | None = None) -> list[Convocation]:
    """Convocations sent but not opened, for sittings within the reminder window."""
    today = today or timezone.localdate()
    start = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=PARIS)
    end = datetime.combine(today + timedelta(days=reminder_days() + 1), time(0, 0),
                           tzinfo=PARIS)
    sittings = Sitting.objects.filter(status=Sitting.SENT, starts_at__gte=start,
                                      starts_at__lt=end)
    return list(Convocation.objects.filter(sitting__in=sittings, sent_at__isnull=False,
                                           reminded_at__isnull=True, receipt__isnull=True)
                .select_related("sitting__assembly__member", "person"))


@shared_task(name="convocation.reminders")
def send_reminders(today: str | None = None) -> int:
    """Remind the members who have not opened their convocation; returns how many."""
    due = due_reminders(date.fromisoformat(today) if today else None)
    if not due:
        return 0
    connection = get_connection()
    try:
        connection.open()
    except MailError as exc:  # a scheduled job: said in the log, tried again tomorrow
        log.warning("%d reminders not mailed: %s", len(due), exc)
        return 0
    sent = 0
    with connection:
        for convocation in due:
            if not receipts.still_seated(convocation):
                continue
            token = receipts.issue_token(convocation)
            message = mail.reminder_message(
                convocation, receipts.link_url(convocation.sitting.member, token))
            message.connection = connection
            try:
                message.send()
            except Exception as exc:
                log.warning("reminder %s not mailed: %s", convocation.pk,
                            delivery.mail_failure(exc, convocation.email))
                continue
            convocation.reminded_at = timezone.now()
            convocation.save(update_fields=["reminded_at"])
            audit(convocation.sitting, "reminder", person=convocation.person.uid)
            sent += 1
    return sent
