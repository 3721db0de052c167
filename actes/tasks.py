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


# Hélios: sending a flux (retried while the tiers cannot be reached) and the periodic job;
# defined beside what they run (actes/helios.py), imported here for the workers to know them.
from .helios import helios_refresh, send_flux  # noqa: E402, F401
