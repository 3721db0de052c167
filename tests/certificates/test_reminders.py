"""Expiry reminders, run by Celery beat's daily task: 90 and 30 days before expiry, one mail
to the holder with the syndicate in copy, once per threshold; a certificate registered late
gets only the closest one; an archived or expired certificate gets none. The mails are those
Django's test mail backend catches (mail.outbox)."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from mutualis.celery import app
from signature.certificates import import_file, send_reminders
from signature.certificates.models import SIGNING, ExpiryReminder

from .pki import issue


def test_reminders_at_90_and_30_days_once_each(registry, pki, syndicate_admin):
    reg = registry
    identity = issue(pki, "Sylvie Maire", days=200)
    record = import_file(identity.pem, "maire.pem", reg.alpha, SIGNING, holder=reg.maire,
                         check=False)
    expiry = timezone.localtime(record.not_after).date()
    mail.outbox.clear()
    for days_before in (120, 91):
        assert send_reminders(expiry - timedelta(days=days_before)) == 0
    assert send_reminders(expiry - timedelta(days=90)) == 1
    [sent] = mail.outbox
    assert sent.to == [reg.maire.email] and sent.cc == ["ra@syndicat.example.fr"]
    assert sent.subject == (f"Certificat à renouveler : Sylvie Maire (Alphaville), expire le "
                            f"{expiry:%d/%m/%Y}")
    assert "expire le" in sent.body and "dans 90 jours" in sent.body
    assert f"/admin/certificats/{record.pk}/" in sent.body
    for days_before in (90, 89, 45, 31):  # the same day again, and the days after
        assert send_reminders(expiry - timedelta(days=days_before)) == 0
    assert send_reminders(expiry - timedelta(days=30)) == 1
    assert "dans 30 jours" in mail.outbox[-1].body
    for days_before in (30, 10, 1, 0, -3):
        assert send_reminders(expiry - timedelta(days=days_before)) == 0
    assert sorted(ExpiryReminder.objects.values_list("threshold", flat=True)) == [30, 90]
    assert len(mail.outbox) == 2


def test_a_late_import_gets_the_closest_reminder_only_and_archived_ones_none(
        registry, pki, syndicate_admin, settings):
    reg = registry
    settings.MUTUALIS_CERTIFICATES_MAIL_TO = ["certificats@syndicat.example.fr"]
    late = import_file(issue(pki, "Agent Hélios", days=20).pem, "helios.pem", reg.alpha,
                       SIGNING, check=False)  # no holder in the directory: the syndicate
    archived = import_file(issue(pki, "Ancien agent", days=20).pem, "ancien.pem", reg.alpha,
                           SIGNING, check=False)
    archived.archived = True
    archived.save()
    mail.outbox.clear()
    # The daily task, as beat runs it (eagerly here).
    app.loader.import_default_modules()
    result = app.tasks["signature.certificates_daily"].delay().get()
    assert result["reminded"] == 1
    [sent] = mail.outbox
    assert sent.to == ["certificats@syndicat.example.fr"] and sent.cc == []
    assert "Agent Hélios" in sent.subject
    assert list(late.reminders.values_list("threshold", flat=True)) == [30]
    assert not archived.reminders.exists()
    assert app.tasks["signature.certificates_daily"].delay().get()["reminded"] == 0
