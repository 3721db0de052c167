"""The GRC's periodic work (Celery beat; eager in-process by default): reminders and
escalation of requests waiting too long, and the anonymisation of personal data past the
démarche's retention delay. Each task is idempotent: a request reminded, escalated or
anonymised is marked so, and is not done twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.access import staff_addresses

from .models import CitizenRequest, Event
from .retention import anonymise_expired

# Who hears of an overdue request: the démarche's role first, then the member's heads.
ESCALATION_ROLES = ("dgs", "secretaire-de-mairie")


def _tell(request_obj, addresses, subject: str, body: str) -> None:
    if addresses:
        link = f"https://{request_obj.member.hostname}" + reverse(
            "grc:request", args=[request_obj.pk])
        send_mail(subject, f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, addresses)


@shared_task(name="grc.reminders")
def reminders(now_iso: str | None = None) -> dict:
    """Remind the treating role of open requests older than the démarche's reminder delay;
    escalate to the member's DGS or secrétaire those past their deadline."""
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    done = {"reminded": 0, "escalated": 0}
    open_ = CitizenRequest.objects.filter(closed_at__isnull=True, anonymised_at__isnull=True)
    for request_obj in open_.filter(reminded_at__isnull=True).select_related(
            "demarche", "member").iterator():
        if request_obj.created_at + timedelta(days=request_obj.demarche.reminder_days) > now:
            continue
        _tell(request_obj, staff_addresses(request_obj.member, (request_obj.demarche.role,)),
              _("Relance : demande %(code)s en attente") % {"code": request_obj.code},
              _("La demande %(code)s (« %(title)s ») attend depuis %(days)s jours.") % {
                  "code": request_obj.code, "title": request_obj.demarche.title,
                  "days": (now - request_obj.created_at).days})
        request_obj.reminded_at = now
        request_obj.save(update_fields=["reminded_at"])
        Event.objects.create(request=request_obj, at=now, kind=Event.REMINDER,
                             text=_("Relance envoyée au service."))
        done["reminded"] += 1
    for request_obj in open_.filter(escalated_at__isnull=True, due_at__lt=now).select_related(
            "demarche", "member").iterator():
        _tell(request_obj, staff_addresses(request_obj.member, ESCALATION_ROLES),
              _("Escalade : demande %(code)s en retard") % {"code": request_obj.code},
              _("La demande %(code)s (« %(title)s ») a dépassé son délai de traitement.") % {
                  "code": request_obj.code, "title": request_obj.demarche.title})
        request_obj.escalated_at = now
        request_obj.save(update_fields=["escalated_at"])
        Event.objects.create(request=request_obj, at=now, kind=Event.ESCALATION,
                             text=_("Délai dépassé : escalade au secrétariat."))
        done["escalated"] += 1
    return done


@shared_task(name="grc.retention")
def retention(now_iso: str | None = None) -> int:
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    return anonymise_expired(now)
