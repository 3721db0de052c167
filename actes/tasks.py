"""The acts' periodic job, run by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="actes.refresh")
def refresh() -> int:
    """What `mutualis actes-refresh` does, for every member: ask the tiers de
    télétransmission what became of the acts sent (acknowledgements, the prefecture's
    letters). Returns how many acts changed state; without a tiers, there is nothing to ask."""
    from .transmission import refresh_pending, tiers_configured

    if not tiers_configured():
        log.info("acts not refreshed: no tiers de télétransmission is configured")
        return 0
    return refresh_pending()


# Hélios: sending a flux, retried while the tiers cannot be reached (30 s, 1 min, 2 min…), then
# left stored for the periodic job; and the periodic job itself (actes/helios.py).
SEND_RETRIES = 5


@shared_task(name="actes.helios_send", bind=True, acks_late=True, max_retries=SEND_RETRIES)
def send_flux(self, flux_id: int) -> str:
    """Post a stored PES flux; returns its state."""
    from .helios import send, transient
    from .teletransmission.errors import TransmissionFailed

    try:
        return send(flux_id).state
    except TransmissionFailed as exc:
        if not transient(exc) or self.request.retries >= SEND_RETRIES:
            log.warning("PES flux %s not sent, the periodic job tries again: %s", flux_id, exc)
            return "stored"
        countdown = 30 * 2 ** self.request.retries
        if self.request.is_eager:  # no broker (the embedded default): the next attempt now
            retry = self.retry(exc=exc, countdown=countdown, throw=False)
            return retry.sig.apply(retries=self.request.retries + 1).result
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="actes.helios_refresh")
def helios_refresh() -> dict:
    """Send the flux still stored, ask what became of those pending, import the PES_Acquit
    and the PES_Retour. Without a tiers, there is nothing to ask."""
    from .helios import refresh_pending, tiers_configured

    if not tiers_configured():
        log.info("Hélios flux not refreshed: no tiers de télétransmission is configured")
        return {"sent": 0, "changed": 0, "retours": 0}
    return refresh_pending()
