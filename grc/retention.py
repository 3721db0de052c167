"""Retention of the citizens' personal data (RGPD art. 5-1-e): once a request has been closed
for longer than its démarche's retention delay, its identity, answers, attachments and the
texts of its history are erased; what the statistics need stays (démarche, channel, dates,
statuses)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CitizenRequest, Event

ERASED = "—"


@transaction.atomic
def anonymise(request_obj: CitizenRequest, now=None) -> None:
    now = now or timezone.now()
    for attachment in request_obj.files.all():
        attachment.file.delete(save=False)  # personal data: the file itself must go
        attachment.delete()
    request_obj.name, request_obj.email, request_obj.phone = ERASED, "", ""
    request_obj.postal_address, request_obj.answers, request_obj.delivered = "", {}, ""
    request_obj.anonymised_at = now
    request_obj.save(update_fields=["name", "email", "phone", "postal_address", "answers",
                                    "delivered", "anonymised_at"])
    request_obj.events.exclude(text="").update(text="")
    Event.objects.create(request=request_obj, at=now, kind=Event.ANONYMISED,
                         text=_("Données personnelles anonymisées (délai de conservation "
                                "écoulé)."))


def anonymise_expired(now=None) -> int:
    """Anonymise every closed request past its démarche's delay; how many were."""
    now = now or timezone.now()
    count = 0
    closed = CitizenRequest.objects.filter(closed_at__isnull=False, anonymised_at__isnull=True)
    for request_obj in closed.select_related("demarche").iterator():
        if request_obj.closed_at + timedelta(days=request_obj.demarche.retention_days) <= now:
            anonymise(request_obj, now)
            count += 1
    return count
