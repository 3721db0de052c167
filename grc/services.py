"""What happens to a request: filed (web form or agent), treated (status, messages, notes),
delivered; every step in its history, the citizen told by mail where the step concerns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Channel, CitizenRequest, Demarche, Event


class RequestRefused(Exception):
    """A step that cannot be done; its message is one French sentence for the agent."""


@dataclass
class Upload:
    slot: str
    label: str
    name: str
    content: bytes
    content_type: str


def follow_path(request_obj: CitizenRequest) -> str:
    return reverse("grc_public:follow", args=[request_obj.code])


def follow_url(request_obj: CitizenRequest, base: str) -> str:
    """The follow link for the mails: `base` is the scheme and host the citizen used."""
    return base.rstrip("/") + follow_path(request_obj)


def _mail_citizen(request_obj: CitizenRequest, subject: str, body: str, base: str) -> bool:
    if not request_obj.email:
        return False
    member = request_obj.member
    text = _("%(body)s\n\nVotre code de suivi : %(code)s\nSuivre votre demande : %(url)s\n\n"
             "— %(member)s") % {"body": body, "code": request_obj.code,
                                "url": follow_url(request_obj, base), "member": member.name}
    send_mail(f"[{member.name}] {subject}", text, settings.DEFAULT_FROM_EMAIL,
              [request_obj.email])
    return True


@transaction.atomic
def file_request(demarche: Demarche, *, name: str, email: str = "", phone: str = "",
                 postal_address: str = "", answers: dict, uploads: list[Upload] = (),
                 channel: str = Channel.WEB, by=None, form_token: str | None = None,
                 courrier_chrono: str = "", now=None) -> tuple[CitizenRequest, bool]:
    """A new request (and whether it is new: a form token already used returns the request it
    made, so that a form posted twice makes one request)."""
    if form_token:
        done = CitizenRequest.objects.filter(form_token=form_token).first()
        if done is not None:
            return done, False
    now = now or timezone.now()
    request_obj = CitizenRequest(
        member=demarche.member, demarche=demarche, channel=channel,
        status=demarche.first_status, name=name, email=email, phone=phone,
        postal_address=postal_address, answers=answers, created_at=now,
        due_at=now + timedelta(days=demarche.deadline_days), recorded_by=by,
        form_token=form_token or None, courrier_chrono=courrier_chrono)
    try:
        request_obj.save_with_new_code()
    except IntegrityError:  # the same form token, posted at the same instant
        return CitizenRequest.objects.get(form_token=form_token), False
    for upload in uploads:
        attachment = Attachment(request=request_obj, slot=upload.slot, label=upload.label,
                                content_type=upload.content_type, size=len(upload.content))
        attachment.file.save(upload.name, ContentFile(upload.content), save=True)
    Event.objects.create(request=request_obj, at=now, kind=Event.CREATED,
                         status=request_obj.status, by=by,
                         text=_("Demande reçue par %(channel)s.") % {
                             "channel": request_obj.get_channel_display()})
    return request_obj, True


def send_receipt(request_obj: CitizenRequest, base: str) -> bool:
    return _mail_citizen(
        request_obj, _("Votre demande « %(title)s » est enregistrée") % {
            "title": request_obj.demarche.title},
        _("Bonjour %(name)s,\n\nNous avons bien reçu votre demande « %(title)s » le "
          "%(date)s. Le service « %(department)s » la traitera dans les %(days)s jours.")
        % {"name": request_obj.name, "title": request_obj.demarche.title,
           "date": timezone.localtime(request_obj.created_at).strftime("%d/%m/%Y"),
           "department": request_obj.demarche.department,
           "days": request_obj.demarche.deadline_days}, base)


def _refuse_if_closed_or_anonymous(request_obj: CitizenRequest) -> None:
    if request_obj.anonymised_at:
        raise RequestRefused(_("La demande %(code)s est anonymisée : elle ne peut plus être "
                               "traitée.") % {"code": request_obj.code})
    if request_obj.closed_at:
        raise RequestRefused(_("La demande %(code)s est déjà close.")
                             % {"code": request_obj.code})


@transaction.atomic
def change_status(request_obj: CitizenRequest, status: str, *, by, base: str,
                  message: str = "") -> Event:
    _refuse_if_closed_or_anonymous(request_obj)
    info = request_obj.demarche.status(status)
    if status not in {s["slug"] for s in request_obj.demarche.open_statuses()}:
        raise RequestRefused(_("Le statut « %(status)s » n'existe pas pour la démarche "
                               "« %(title)s ».") % {"status": status,
                                                    "title": request_obj.demarche.title})
    if status == "delivree":
        raise RequestRefused(_("Pour clore la demande avec ce qui a été délivré, utilisez "
                               "« Délivrer »."))
    request_obj.status = status
    now = timezone.now()
    if info["final"]:
        request_obj.closed_at = now
    request_obj.save(update_fields=["status", "closed_at"])
    event = Event.objects.create(request=request_obj, kind=Event.STATUS, status=status,
                                 text=message, by=by, at=now)
    body = _("Bonjour %(name)s,\n\nVotre demande « %(title)s » : %(status)s.") % {
        "name": request_obj.name, "title": request_obj.demarche.title,
        "status": info["citizen_label"]}
    if message:
        body += "\n\n" + message
    _mail_citizen(request_obj, info["citizen_label"], body, base)
    return event


@transaction.atomic
def send_message(request_obj: CitizenRequest, text: str, *, by, base: str) -> Event:
    if request_obj.anonymised_at:
        _refuse_if_closed_or_anonymous(request_obj)
    if not text.strip():
        raise RequestRefused(_("Le message au demandeur est vide."))
    event = Event.objects.create(request=request_obj, kind=Event.MESSAGE, text=text, by=by)
    _mail_citizen(request_obj, _("Un message au sujet de votre demande"),
                  _("Bonjour %(name)s,\n\n%(text)s") % {"name": request_obj.name, "text": text},
                  base)
    return event


def add_note(request_obj: CitizenRequest, text: str, *, by) -> Event:
    if not text.strip():
        raise RequestRefused(_("La note interne est vide."))
    return Event.objects.create(request=request_obj, kind=Event.NOTE, text=text, by=by)


@transaction.atomic
def deliver(request_obj: CitizenRequest, delivered: str, *, by, base: str) -> Event:
    """Close the request with what was delivered (a document, an appointment, an answer)."""
    _refuse_if_closed_or_anonymous(request_obj)
    if not delivered.strip():
        raise RequestRefused(_("Dites ce qui a été délivré au demandeur (un document, un "
                               "rendez-vous, une réponse)."))
    now = timezone.now()
    request_obj.status, request_obj.closed_at = "delivree", now
    request_obj.delivered = delivered
    request_obj.save(update_fields=["status", "closed_at", "delivered"])
    event = Event.objects.create(request=request_obj, kind=Event.DELIVERED, status="delivree",
                                 text=delivered, by=by, at=now)
    info = request_obj.demarche.status("delivree")
    _mail_citizen(request_obj, info["citizen_label"],
                  _("Bonjour %(name)s,\n\nVotre demande « %(title)s » est traitée.\n\n"
                    "%(delivered)s") % {"name": request_obj.name,
                                        "title": request_obj.demarche.title,
                                        "delivered": delivered}, base)
    return event


def citizen_history(request_obj: CitizenRequest):
    """What the citizen sees of the history: no internal note, no reminder."""
    return request_obj.events.filter(kind__in=Event.CITIZEN_KINDS).order_by("at", "pk")


def other_requests(request_obj: CitizenRequest):
    """The citizen's other requests in the same member (the 360° view): by e-mail address,
    else by phone number, else none."""
    found = CitizenRequest.objects.filter(member_id=request_obj.member_id,
                                          anonymised_at__isnull=True).exclude(pk=request_obj.pk)
    if request_obj.email:
        return found.filter(email__iexact=request_obj.email)
    if request_obj.phone:
        return found.filter(phone=request_obj.phone)
    return found.none()
