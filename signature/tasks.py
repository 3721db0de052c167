"""The parapheur's periodic job, run by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="signature.renew_archive_timestamps")
def renew_archive_timestamps(horizon_days: int | None = None) -> dict[str, int]:
    """What `mutualis signature renew` does: renew the archive timestamps (PAdES B-LTA) of
    the finished folders' documents before they stop being verifiable. What failed is in the
    log, one line a document (a scheduled job: tried again at the next run)."""
    from .errors import SignatureError
    from .renewal import HORIZON_DAYS, renew_documents  # pyHanko: only where the job runs

    try:
        run = renew_documents(horizon_days=HORIZON_DAYS if horizon_days is None
                              else horizon_days)
    except SignatureError as exc:  # no timestamp authority or trust anchors configured
        log.warning("archive timestamps not renewed: %s", exc)
        return {"checked": 0, "renewed": 0, "failed": 0}
    for item in run.failed:
        log.warning("archive timestamp of %s %s not renewed: %s", item.folder_reference,
                    item.name, item.error)
    return {"checked": run.checked,
            "renewed": sum(1 for i in run.items if i.status == "renewed"),
            "failed": len(run.failed)}


@shared_task(name="signature.certificates_daily")
def certificates_daily() -> dict[str, int]:
    """The members' certificates, every morning: register the parapheur's new keys, check
    again those not checked for a day (revocation), and send the expiry reminders due (90 and
    30 days before)."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from .certificates import read_parapheur_keys, send_reminders
    from .certificates.checks import check_certificates
    from .certificates.models import MemberCertificate

    read = len(read_parapheur_keys())
    stale = timezone.now() - timedelta(hours=20)
    due = (MemberCertificate.objects.filter(archived=False, not_after__gt=timezone.now())
           .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=stale)).order_by("pk"))
    checked, batch = 0, []
    for certificate in due.iterator():
        batch.append(certificate)
        if len(batch) == 100:  # one validation context (CRLs fetched once) per batch
            checked += len(check_certificates(batch))
            batch = []
    checked += len(check_certificates(batch)) if batch else 0
    return {"read": read, "checked": checked, "reminded": send_reminders()}
