"""A small CalDAV client (RFC 4791) over one pooled HTTP connection.

It does what the agendas need and nothing more: list the calendars of the service account in
one PROPFIND, create one (MKCALENDAR), rename one (PROPPATCH), put an event, and query events
in a time range (REPORT calendar-query). It works with Radicale and with Nextcloud's DAV
(`https://cloud.example.fr/remote.php/dav`, calendars under `calendars/<user>/`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlparse
from xml.etree import ElementTree as ET

import httpx

from provisioning.drivers import BackendError, TransientBackendError

from .ics import Event, event_to_ics, events_from_ics

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}


def _calendar_home(url: str, user: str) -> str:
    base = url.rstrip("/")
    if base.endswith("/remote.php/dav"):  # Nextcloud: apps/dav's calendar home
        return f"{base}/calendars/{quote(user, safe='')}/"
    return f"{base}/{quote(user, safe='')}/"  # Radicale: the user's own collection


class CalDAV:
    def __init__(
        self, url: str, user: str, password: str, timeout: float = 10, max_connections: int = 8
    ):
        self.home = _calendar_home(url, user)
        self.http = httpx.Client(
            auth=(user, password),
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections),
        )

    def close(self) -> None:
        self.http.close()

    def _request(
        self,
        method: str,
        url: str,
        body: str | None = None,
        headers: dict | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        try:
            response = self.http.request(method, url, content=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise TransientBackendError(f"CalDAV server unreachable at {url}: {exc}") from exc
        if response.status_code in ok or response.is_success:
            return response
        what = f"CalDAV {method} {urlparse(url).path}: HTTP {response.status_code}"
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientBackendError(what)
        raise BackendError(what)

    def calendar_url(self, slug: str) -> str:
        return f"{self.home}{quote(slug, safe='')}/"

    # -- calendars
    def list_calendars(self) -> dict[str, dict]:
        """Every calendar of the home, in one PROPFIND: slug -> {name, description}."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:resourcetype/>'
            "<d:displayname/><c:calendar-description/></d:prop></d:propfind>"
        )
        response = self._request(
            "PROPFIND",
            self.home,
            body,
            {"Depth": "1", "Content-Type": "application/xml"},
            ok=(404,),
        )
        if response.status_code == 404:
            return {}
        calendars = {}
        for r in ET.fromstring(response.content).findall("d:response", NS):
            href = unquote(r.findtext("d:href", "", NS)).rstrip("/")
            prop = r.find("d:propstat/d:prop", NS)
            if prop is None or prop.find("d:resourcetype/c:calendar", NS) is None:
                continue
            calendars[href.rsplit("/", 1)[-1]] = {
                "name": prop.findtext("d:displayname", "", NS) or "",
                "description": prop.findtext("c:calendar-description", "", NS) or "",
            }
        return calendars

    def _props(self, name: str, description: str) -> str:
        return (
            f"<d:prop><d:displayname>{_xml(name)}</d:displayname>"
            f"<c:calendar-description>{_xml(description)}</c:calendar-description></d:prop>"
        )

    def create_calendar(self, slug: str, name: str, description: str = "") -> None:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" '
            f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set>{self._props(name, description)}'
            "</d:set></c:mkcalendar>"
        )
        # The collection exists already: 405 (RFC 4791 §5.3.1.2) or, from Radicale, 409. Set its
        # properties instead; a real conflict (no parent collection) fails in PROPPATCH.
        response = self._request(
            "MKCALENDAR",
            self.calendar_url(slug),
            body,
            {"Content-Type": "application/xml"},
            ok=(405, 409),
        )
        if response.status_code in (405, 409):
            self.update_calendar(slug, name, description)

    def update_calendar(self, slug: str, name: str, description: str = "") -> None:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" '
            f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set>{self._props(name, description)}'
            "</d:set></d:propertyupdate>"
        )
        self._request(
            "PROPPATCH", self.calendar_url(slug), body, {"Content-Type": "application/xml"}
        )

    # -- events
    def event_url(self, slug: str, uid: str) -> str:
        """The event's resource name is a digest of its UID: the same event always lands on
        the same resource, and no UID (`../other-calendar/x`, `%2F`) can name a path; servers
        decode and normalise paths, so quoting alone does not hold."""
        return f"{self.calendar_url(slug)}{hashlib.sha256(uid.encode()).hexdigest()[:32]}.ics"

    def put_event(self, slug: str, event: Event) -> None:
        self._request(
            "PUT",
            self.event_url(slug, event.uid),
            event_to_ics(event),
            {"Content-Type": "text/calendar; charset=utf-8"},
        )

    def events(self, slug: str, start: datetime, end: datetime) -> list[Event]:
        def utc(dt: datetime) -> str:
            return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

        body = (
            '<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>'
            '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
            f'<c:time-range start="{utc(start)}" end="{utc(end)}"/></c:comp-filter>'
            "</c:comp-filter></c:filter></c:calendar-query>"
        )
        response = self._request(
            "REPORT",
            self.calendar_url(slug),
            body,
            {"Depth": "1", "Content-Type": "application/xml"},
        )
        events = []
        for data in ET.fromstring(response.content).iterfind(".//c:calendar-data", NS):
            if data.text:
                events.extend(events_from_ics(data.text))
        return sorted(events, key=lambda e: e.start)


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
