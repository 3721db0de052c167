"""A small CalDAV client (RFC 4791) over one pooled HTTP connection.

It does what the agendas need and nothing more: list the calendars of the service account in
one PROPFIND (with their shares on Nextcloud), create one (MKCALENDAR), rename one (PROPPATCH),
put an event, query events in a time range (REPORT calendar-query), and carry the sharing
requests that `sharing.py` builds. It works with Radicale and with Nextcloud's DAV
(`https://cloud.example.fr/remote.php/dav`, calendars under `calendars/<user>/`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlparse
from xml.etree import ElementTree as ET

import httpx

from provisioning.drivers import BackendError, TransientBackendError

from .ics import Event, event_to_ics, events_from_ics

# oc: Nextcloud's sharing namespace (apps/dav/lib/DAV/Sharing/Plugin.php, NS_OWNCLOUD).
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "oc": "http://owncloud.org/ns"}
NEXTCLOUD_DAV = "/remote.php/dav"


def is_nextcloud(url: str) -> bool:
    return url.rstrip("/").endswith(NEXTCLOUD_DAV)


def _calendar_home(url: str, user: str) -> str:
    base = url.rstrip("/")
    if is_nextcloud(base):  # Nextcloud: apps/dav's calendar home
        return f"{base}/calendars/{quote(user, safe='')}/"
    return f"{base}/{quote(user, safe='')}/"  # Radicale: the user's own collection


class CalDAV:
    def __init__(
        self, url: str, user: str, password: str, timeout: float = 10, max_connections: int = 8
    ):
        self.url = url.rstrip("/")
        self.user = user
        self.nextcloud = is_nextcloud(url)
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
    def list_calendars(self, invites: bool = False) -> dict[str, dict]:
        """Every calendar of the home, in one PROPFIND: slug -> {name, description}, and with
        `invites` (Nextcloud) `invite`: the calendar's sharees as [(href, access)]."""
        invite = "<oc:invite/>" if invites else ""
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
            f'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:oc="{NS["oc"]}"><d:prop>'
            f"<d:resourcetype/><d:displayname/><c:calendar-description/>{invite}"
            "</d:prop></d:propfind>"
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
        for r in _multistatus(response):
            href = unquote(r.findtext("d:href", "", NS)).rstrip("/")
            prop = _found_props(r)
            if prop.find("d:resourcetype/c:calendar", NS) is None:
                continue
            calendar = {
                "name": prop.findtext("d:displayname", "", NS) or "",
                "description": prop.findtext("c:calendar-description", "", NS) or "",
            }
            if invites:
                calendar["invite"] = _invite(prop)
            calendars[href.rsplit("/", 1)[-1]] = calendar
        return calendars

    def invite(self, slug: str) -> list[tuple[str, str]]:
        """One calendar's sharees (Nextcloud), as list_calendars(invites=True) gives them."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
            f'xmlns:oc="{NS["oc"]}"><d:prop><oc:invite/></d:prop></d:propfind>'
        )
        response = self._request(
            "PROPFIND", self.calendar_url(slug), body,
            {"Depth": "0", "Content-Type": "application/xml"},
        )
        found = _multistatus(response)
        return _invite(_found_props(found[0])) if found else []

    # -- sharing requests (bodies and meaning in sharing.py)
    def post_xml(self, url: str, body: str) -> httpx.Response:
        return self._request(
            "POST", url, body, {"Content-Type": "application/xml; charset=utf-8"}
        )

    def post_json(self, url: str, data: dict, ok: tuple[int, ...] = ()) -> httpx.Response:
        return self._request(
            "POST",
            url,
            json.dumps(data),
            {"Content-Type": "application/json", "Accept": "application/json"},
            ok=ok,
        )

    def _props(self, name: str, description: str) -> str:
        return (
            f"<d:prop><d:displayname>{xml_text(name)}</d:displayname>"
            f"<c:calendar-description>{xml_text(description)}</c:calendar-description></d:prop>"
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


def _multistatus(response: httpx.Response) -> list[ET.Element]:
    try:
        return ET.fromstring(response.content).findall("d:response", NS)
    except ET.ParseError as exc:
        raise BackendError(
            f"CalDAV {response.request.method} {urlparse(str(response.url)).path}: "
            f"the server's answer is not XML ({exc})"
        ) from None


def _found_props(response: ET.Element) -> ET.Element:
    """The properties the server has, from every propstat whose status is 200: a server
    reports the ones it does not know (oc:invite on Radicale) in a separate 404 propstat."""
    found = ET.Element(f"{{{NS['d']}}}prop")
    for propstat in response.findall("d:propstat", NS):
        if " 200 " in (propstat.findtext("d:status", "", NS) + " "):
            for prop in propstat.findall("d:prop", NS):
                found.extend(list(prop))
    return found


def _invite(prop: ET.Element) -> list[tuple[str, str]]:
    """Nextcloud's oc:invite (apps/dav/lib/DAV/Sharing/Xml/Invite.php): one oc:user per
    sharee, its d:href and an oc:access holding oc:read or oc:read-write."""
    sharees = []
    for user in prop.iterfind("oc:invite/oc:user", NS):
        access = "read-write" if user.find("oc:access/oc:read-write", NS) is not None else "read"
        sharees.append((user.findtext("d:href", "", NS).strip(), access))
    return sharees


def xml_text(text: str) -> str:
    """Text escaped for an XML element or attribute."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
