"""Expiry reminders: 90 and then 30 days before a registered certificate expires, one mail to
its holder with the syndicate in copy (MUTUALIS_CERTIFICATES_MAIL_TO, else the syndicate's
superusers). Each threshold is sent once (`ExpiryReminder`, unique per certificate and
threshold); a certificate registered with 20 days left gets the 30-day reminder only. A mail
that cannot be sent leaves no record, so the next day's run tries again."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import conf
from mutualis.links import app_url

from .models import ExpiryReminder, MemberCertificate

logger = logging.getLogger(__name__)
THRESHOLDS = (90, 30)  # days before expiry, widest first


def syndicate_addresses() -> list[str]:
    configured = list(conf.MUTUALIS_CERTIFICATES_MAIL_TO or ())
    if configured:
        return configured
    return sorted(set(get_user_model().objects.filter(is_superuser=True, is_active=True)
                      .exclude(email="").values_list("email", flat=True)))


def days_left(certificate: MemberCertificate, today: date) -> int:
    return (timezone.localtime(certificate.not_after).date() - today).days


def _message(certificate: MemberCertificate, left: int, to: list[str], cc: list[str]
             ) -> EmailMessage:
    expiry = timezone.localtime(certificate.not_after).strftime("%d/%m/%Y")
    subject = _("Certificat à renouveler : %(holder)s (%(member)s), expire le %(date)s") % {
        "holder": certificate.holder_name, "member": certificate.member.name, "date": expiry}
    body = _(
        "Bonjour,\n\n"
        "Le certificat « %(kind)s » de %(holder)s (%(member)s), émis par %(issuer)s, numéro de "
        "série %(serial)s, expire le %(date)s, dans %(days)d jours.\n\n"
        "Pour le renouveler, le syndicat prépare la demande de renouvellement à adresser à "
        "l'autorité de certification et vérifie à nouveau l'identité du titulaire : prenez "
        "rendez-vous avec lui muni de votre pièce d'identité.\n\n"
        "La fiche du certificat : %(link)s\n") % {
        "kind": certificate.get_kind_display(), "holder": certificate.holder_name,
        "member": certificate.member.name, "issuer": certificate.issuer_name,
        "serial": certificate.serial, "date": expiry, "days": left,
        "link": app_url(reverse("certificates:certificate", args=[certificate.pk]))}
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to, cc=cc)


def send_reminders(today: date | None = None) -> int:
    """Send the reminders due today; how many mails were sent."""
    today = today or timezone.localdate()

    def midnight(day: date):
        return timezone.make_aware(datetime.combine(day, time.min))

    due = (MemberCertificate.objects.filter(
        archived=False, not_after__gte=midnight(today),
        not_after__lt=midnight(today + timedelta(days=max(THRESHOLDS) + 1)))
        .select_related("member", "holder").order_by("not_after", "pk"))
    syndicate = syndicate_addresses()
    sent = 0
    for certificate in due.iterator():
        left = days_left(certificate, today)
        reached = [t for t in THRESHOLDS if left <= t]
        if left < 0 or not reached:
            continue
        threshold = min(reached)
        if certificate.reminders.filter(threshold__lte=threshold).exists():
            continue  # this one, or a closer one, already went
        holder = certificate.holder_email or (certificate.holder.email
                                              if certificate.holder else "")
        to = [holder] if holder else list(syndicate)
        cc = [a for a in syndicate if a not in to]
        if not to:
            logger.warning("certificate %s expires in %d days and nobody can be told",
                           certificate.pk, left)
            continue
        with transaction.atomic():
            _reminder, created = ExpiryReminder.objects.get_or_create(
                certificate=certificate, threshold=threshold,
                defaults={"recipients": to + cc, "sent_at": timezone.now()})
            if created:  # a run going on at the same time sent it already otherwise
                _message(certificate, left, to, cc).send()
                sent += 1
    return sent
