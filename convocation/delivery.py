"""Mailing the convocations and the invitations of a sitting, and saying why a mail did not go.

Each convocation and invitation not yet sent is mailed once; one refused address never stops
the others. What failed keeps its reason (`mail_error`), a sentence for the staff: the mail
backend's own (mail_service, the project's backend, raises errors written for people), or ours
for the SMTP errors of Django's own backend. A new attempt mails only those not yet reached.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.drivers import ProvisioningError

from . import mail, receipts
from .models import Convocation, Sitting

log = logging.getLogger(__name__)


def mail_failure(exc: Exception, address: str = "") -> str:
    """Why a mail did not go, in one French sentence."""
    if isinstance(exc, ProvisioningError) and str(exc):  # the project's mail backend's
        return str(exc)
    server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _("Le serveur de courrier a refusé l'adresse %(address)s : faites-la corriger "
                 "dans l'annuaire du syndicat, puis relancez l'envoi.") % {
            "address": address or ", ".join(exc.recipients)}
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("Le serveur de courrier %(server)s a refusé l'identifiant de Mutualis : "
                 "vérifiez MUTUALIS_EMAIL_USER et MUTUALIS_EMAIL_PASSWORD.") % {
            "server": server}
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return _("Le serveur de courrier a refusé le message (réponse %(code)s : "
                 "%(detail)s) : réessayez plus tard ou voyez avec le syndicat.") % {
            "code": exc.smtp_code, "detail": detail}
    if isinstance(exc, OSError):  # smtplib's errors, a refused or lost connection
        return _("Le serveur de courrier %(server)s ne répond pas : vérifiez qu'il est "
                 "lancé, puis relancez l'envoi.") % {"server": server}
    log.error("mail failed", exc_info=exc)
    return _("Le courriel n'a pas pu partir à cause d'une erreur inattendue, consignée dans "
             "le journal du serveur.")


def _failed(record, reason: str) -> None:
    record.mail_error = reason
    record.save(update_fields=["mail_error"])


def mail_all(sitting: Sitting, convocations: list[Convocation]) -> int:
    """Mail every convocation and invitation not yet sent; returns how many failed."""
    pending = [c for c in convocations if c.sent_at is None]
    guests = list(sitting.guests.filter(invited_at__isnull=True))
    if not pending and not guests:
        return 0
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:  # no mail server: nobody can be reached this time
        reason = mail_failure(exc)
        log.warning("sitting %s: mail server unavailable: %s", sitting.pk, reason)
        for record in pending + guests:
            _failed(record, reason)
        return len(pending) + len(guests)
    failed = 0
    expires = receipts.link_expiry(sitting)
    try:
        for convocation in pending:
            token = receipts.issue_token(convocation)
            message = mail.convocation_message(
                convocation, receipts.link_url(sitting.member, token), expires)
            if _send(message, connection, convocation, convocation.email):
                convocation.sent_at = timezone.now()
                convocation.mail_error = ""
                convocation.save(update_fields=["sent_at", "mail_error"])
            else:
                failed += 1
        for guest in guests:
            if _send(mail.invitation_message(guest), connection, guest, guest.email):
                guest.invited_at = timezone.now()
                guest.mail_error = ""
                guest.save(update_fields=["invited_at", "mail_error"])
            else:
                failed += 1
    finally:
        connection.close()
    return failed


def _send(message, connection, record, address: str) -> bool:
    message.connection = connection
    try:
        message.send()
    except Exception as exc:  # one refused address must not stop the others
        reason = mail_failure(exc, address)
        log.warning("%s %s not mailed: %s", record._meta.model_name, record.pk, reason)
        _failed(record, reason)
        return False
    return True
