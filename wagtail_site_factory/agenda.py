"""The public agenda of a commune, read from its CalDAV calendar and cached per site.

When the CalDAV backend cannot be reached, the page shows an empty agenda with a message; the
failure is remembered for a short while so that visitors do not each wait for it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Site

log = logging.getLogger(__name__)

EVENTS_TTL = 300  # seconds: events are re-read from CalDAV every five minutes at most
FAILURE_TTL = 60
# Set when the CalDAV backend failed: every site skips it for FAILURE_TTL seconds, so that a
# backend down costs one slow request per minute, not one per site.
DOWN_KEY = "wsf:agenda:backend-down"
HORIZON = timedelta(days=180)


def _fetch(code: str, start: datetime, end: datetime) -> list:
    from nextcloud_bridge.agendas import public_events

    return public_events(code, start, end)


def events_for(site_id: int, code: str) -> tuple[list, bool]:
    """Upcoming events of the member (from today on) and whether the agenda could be read."""
    today = timezone.localdate()
    key = f"wsf:agenda:{site_id}:{code}:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    if cache.get(DOWN_KEY):
        return [], False
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    try:
        events = sorted(_fetch(code, start, start + HORIZON), key=lambda e: e.start)
        result = (events, True)
        cache.set(key, result, EVENTS_TTL)
    except Exception as exc:  # the backend is down or refuses: the site stays up
        log.warning("agenda of %s unavailable: %s", code, exc)
        result = ([], False)
        cache.set(DOWN_KEY, True, FAILURE_TTL)
    return result


def upcoming_events(request: HttpRequest, code: str, limit: int | None = None
                    ) -> tuple[list, bool]:
    site = Site.find_for_request(request)
    if site is None or not code:
        return [], False
    now = timezone.now()
    events, available = events_for(site.pk, code)
    events = [e for e in events if e.end >= now]
    return (events[:limit] if limit else events), available
