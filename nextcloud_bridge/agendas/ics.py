"""iCalendar text for events, with a VTIMEZONE for Europe/Paris, and parsing back.

Times are written as local Paris wall-clock times with TZID=Europe/Paris and a VTIMEZONE that
carries the EU daylight-saving rule (since 1996: summer time from the last Sunday of March at
02:00 to the last Sunday of October at 03:00), so that any client shows a sitting at the hour
it was called for, on either side of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//Mutualis//Agendas//FR"

VTIMEZONE_PARIS = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
)


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: datetime  # aware
    end: datetime  # aware
    location: str = ""
    description: str = ""
    url: str = ""


def _escape(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets are folded (without cutting a character)."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _local(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return dt.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def event_to_ics(event: Event, stamp: datetime | None = None) -> str:
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        VTIMEZONE_PARIS,
        "BEGIN:VEVENT",
        f"UID:{_escape(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID=Europe/Paris:{_local(event.start)}",
        f"DTEND;TZID=Europe/Paris:{_local(event.end)}",
        f"SUMMARY:{_escape(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) if "\r\n" not in line else line for line in lines) + "\r\n"


def _aware(value) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=PARIS) if value.tzinfo is None else value
    if isinstance(value, date):  # an all-day event starts at midnight, Paris time
        return datetime(value.year, value.month, value.day, tzinfo=PARIS)
    raise ValueError(f"not a date: {value!r}")


def events_from_ics(text: str) -> list[Event]:
    cal = icalendar.Calendar.from_ical(text)
    events = []
    for comp in cal.walk("VEVENT"):
        start = _aware(comp.decoded("DTSTART"))
        end = _aware(comp.decoded("DTEND")) if "DTEND" in comp else start
        events.append(
            Event(
                uid=str(comp.get("UID")),
                summary=str(comp.get("SUMMARY", "")),
                start=start.astimezone(PARIS),
                end=end.astimezone(PARIS),
                location=str(comp.get("LOCATION", "")),
                description=str(comp.get("DESCRIPTION", "")),
                url=str(comp.get("URL", "")),
            )
        )
    return events
