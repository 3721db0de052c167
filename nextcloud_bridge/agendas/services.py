"""Public functions of the agendas, for the apps and the site factory."""

from __future__ import annotations

import time
from datetime import datetime

from provisioning.backends import runtime_backend
from provisioning.drivers import TransientBackendError
from provisioning.naming import PUBLIC_CALENDAR, calendar_id

from .client import CalDAV
from .ics import Event


def caldav_settings() -> dict:
    """The CalDAV backend as the web app and workers reach it: MUTUALIS_CALDAV in settings
    (url, user, password), else the embedded Radicale of `mutualis services start`."""
    return runtime_backend("caldav", "MUTUALIS_CALDAV", "CalDAV backend")


def client() -> CalDAV:
    s = caldav_settings()
    return CalDAV(s["url"], s["user"], s["password"])


def _with_retries(call, attempts: int = 3):
    for attempt in range(attempts):
        try:
            return call()
        except TransientBackendError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * 2**attempt)


def public_events(member_code: str, start: datetime, end: datetime) -> list[Event]:
    """Events of the member's public calendar between two aware datetimes, in order."""
    c = client()
    try:
        return _with_retries(
            lambda: c.events(calendar_id(member_code, PUBLIC_CALENDAR), start, end)
        )
    finally:
        c.close()


def upsert_event(member_code: str, calendar: str, event: Event) -> None:
    """Create or replace an event (same uid, same event) in one of the member's calendars:
    `agenda` for the public one, an assembly slug for an assembly's."""
    c = client()
    try:
        _with_retries(lambda: c.put_event(calendar_id(member_code, calendar), event))
    finally:
        c.close()
