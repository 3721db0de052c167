"""The mails of a sitting: convocations (a personal link and the .ics), invitations of the
guests (the .ics, no link), reminders. Sent by SMTP through Django's mail settings."""

from __future__ import annotations

from datetime import datetime
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import conf
from nextcloud_bridge.agendas.ics import Event, event_to_ics

from .dossier import when
from .models import Convocation, Guest, Sitting
from .rules import long_date


def sender(sitting: Sitting) -> str:
    address = conf.MUTUALIS_CONVOCATION_FROM or settings.DEFAULT_FROM_EMAIL
    return formataddr((sitting.member.name, address))


def event_of(sitting: Sitting, url: str = "") -> Event:
    """The sitting as a calendar event (the same uid in the calendar and in every mail)."""
    return Event(uid=f"seance-{sitting.member.code}-{sitting.pk}@mutualis",
                 summary=f"{sitting.assembly.name} — {sitting.member.name}",
                 start=sitting.starts_at, end=sitting.ends_at, location=sitting.place,
                 description=agenda_text(sitting), url=url)


def agenda_text(sitting: Sitting) -> str:
    lines = [_("Ordre du jour :")]
    lines += [f"{item.position}. {item.title}" for item in sitting.items.order_by("position")]
    return "\n".join(lines)


def subject(sitting: Sitting, prefix: str) -> str:
    return f"{prefix} : {sitting.assembly.name} — {sitting.member.name} — {when(sitting)}"


def _message(sitting: Sitting, to: str, title: str, body: str, ics_url: str = ""
             ) -> EmailMessage:
    reply_to = [sitting.member.email] if sitting.member.email else None
    message = EmailMessage(subject(sitting, title), body, sender(sitting), [to],
                           reply_to=reply_to)
    message.attach("seance.ics", event_to_ics(event_of(sitting, ics_url)),
                   "text/calendar; charset=utf-8")
    return message


def convocation_message(convocation: Convocation, link: str, expires: datetime
                        ) -> EmailMessage:
    sitting = convocation.sitting
    parts = [
        _("Bonjour %(name)s,") % {"name": convocation.name},
        _("Vous êtes convoqué(e) à la séance %(kind)s du %(assembly)s de %(member)s, le "
          "%(when)s, %(place)s.") % {
            "kind": _("d'urgence") if sitting.urgent else _("ordinaire"),
            "assembly": sitting.assembly.name.lower(), "member": sitting.member.name,
            "when": when(sitting), "place": sitting.place},
        agenda_text(sitting),
        _("Votre convocation et le dossier de la séance : %(link)s") % {"link": link},
        _("En ouvrant ce lien, vous accusez réception de la convocation. Vous pourrez y "
          "indiquer si vous serez présent(e), absent(e), ou donner pouvoir à un autre membre. "
          "Ce lien vous est personnel ; il reste valable jusqu'au %(expires)s.") % {
            "expires": long_date(timezone.localtime(expires).date())},
    ]
    if sitting.remote_allowed:
        parts.append(_("La participation à distance est autorisée pour cette séance."))
    return _message(sitting, convocation.email, _("Convocation"), "\n\n".join(parts))


def reminder_message(convocation: Convocation, link: str) -> EmailMessage:
    sitting = convocation.sitting
    body = "\n\n".join([
        _("Bonjour %(name)s,") % {"name": convocation.name},
        _("Vous n'avez pas encore ouvert votre convocation à la séance du %(assembly)s de "
          "%(member)s, le %(when)s, %(place)s.") % {
            "assembly": sitting.assembly.name.lower(), "member": sitting.member.name,
            "when": when(sitting), "place": sitting.place},
        _("Votre convocation et le dossier de la séance : %(link)s") % {"link": link},
    ])
    return _message(sitting, convocation.email, _("Rappel de convocation"), body)


def invitation_message(guest: Guest) -> EmailMessage:
    sitting = guest.sitting
    body = "\n\n".join([
        _("Bonjour %(name)s,") % {"name": guest.name},
        _("Vous êtes invité(e) à assister à la séance du %(assembly)s de %(member)s, le "
          "%(when)s, %(place)s.") % {
            "assembly": sitting.assembly.name.lower(), "member": sitting.member.name,
            "when": when(sitting), "place": sitting.place},
        agenda_text(sitting),
    ])
    return _message(sitting, guest.email, _("Invitation"), body)


def send(messages: list[EmailMessage]) -> int:
    """Send over one SMTP connection; returns how many were accepted."""
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
