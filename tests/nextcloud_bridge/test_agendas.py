"""Agendas against a real Radicale: calendars provisioned, events written and read back."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest

from nextcloud_bridge.agendas import PARIS, Event, public_events, upsert_event
from nextcloud_bridge.agendas.client import CalDAV
from nextcloud_bridge.agendas.driver import AgendaDriver
from provisioning.drivers import Scope
from provisioning.engine import apply_plan
from provisioning.engine import make_plan as make_full_plan
from tests.factories import make_inventory


@pytest.fixture
def inventory():
    inv = make_inventory(members=2, people=2)
    # Fresh member codes per test: calendars from other tests stay out of the way.
    base = uuid.uuid4().int % 90000 + 10000
    members = tuple(
        replace(m, code=f"{base + i:05d}", services=("agenda", "website"))
        for i, m in enumerate(inv.members)
    )
    return replace(inv, members=members, people=())


def make_plan(inventory, drivers):
    """Plans limited to this test's members: the server also holds other tests' calendars."""
    return make_full_plan(inventory, drivers, Scope(frozenset(m.code for m in inventory.members)))


@pytest.fixture
def driver(radicale):
    return AgendaDriver(radicale.settings())


@pytest.mark.django_db(transaction=True)
def test_calendars_are_provisioned_once_then_archived_and_restored(inventory, driver):
    plan = make_plan(inventory, [driver])
    code = inventory.members[0].code
    keys = {c.key for c in plan.pending}
    assert {f"caldav.calendar:{code}/agenda", f"caldav.calendar:{code}/conseil-municipal"} <= keys
    assert apply_plan(plan, [driver]).status == "succeeded"
    assert make_plan(inventory, [driver]).empty
    names = driver.client.list_calendars()
    assert names[f"{code}-agenda"]["name"] == f"Agenda — {inventory.members[0].name}"

    # The member stops subscribing: its calendars are archived, not deleted.
    first = inventory.members[0]
    left = replace(
        inventory, members=(replace(first, services=("website",)), *inventory.members[1:])
    )
    plan = make_plan(left, [driver])
    assert {c.action for c in plan.pending} == {"archive"}
    apply_plan(plan, [driver], allow_destroy=True)
    assert driver.client.list_calendars()[f"{code}-agenda"]["name"].startswith("[Archivé] ")
    assert make_plan(left, [driver]).empty
    # Subscribing again restores them.
    apply_plan(make_plan(inventory, [driver]), [driver])
    assert (
        driver.client.list_calendars()[f"{code}-agenda"]["name"]
        == f"Agenda — {inventory.members[0].name}"
    )


@pytest.mark.django_db(transaction=True)
def test_events_keep_their_paris_time_across_daylight_saving(
    inventory, driver, radicale, caldav_settings
):
    apply_plan(make_plan(inventory, [driver]), [driver])
    code = inventory.members[0].code
    # The Sunday of each change, and the days around it.
    times = [
        datetime(2026, 3, 28, 18, 30),
        datetime(2026, 3, 29, 18, 30),
        datetime(2026, 10, 24, 18, 30),
        datetime(2026, 10, 25, 18, 30),
        datetime(2026, 10, 26, 9, 0),
    ]
    for i, t in enumerate(times):
        start = t.replace(tzinfo=PARIS)
        upsert_event(
            code,
            "agenda",
            Event(
                f"ev-{i}",
                f"Séance n°{i}, budget; vote",
                start,
                start + timedelta(hours=2),
                "Salle du conseil",
            ),
        )
    events = public_events(
        code, datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS)
    )
    assert [(e.start.hour, e.start.minute) for e in events] == [(t.hour, t.minute) for t in times]
    assert [e.start.utcoffset() for e in events] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert events[0].summary == "Séance n°0, budget; vote"
    # What Radicale stores carries the VTIMEZONE and local times with TZID.
    raw = httpx.get(
        driver.client.event_url(f"{code}-agenda", "ev-1"),
        auth=(radicale.admin_user, radicale.admin_password),
    ).text
    assert "BEGIN:VTIMEZONE" in raw and "DTSTART;TZID=Europe/Paris:20260329T183000" in raw


@pytest.mark.django_db(transaction=True)
def test_an_event_written_twice_is_one_event(inventory, driver, caldav_settings):
    apply_plan(make_plan(inventory, [driver]), [driver])
    code = inventory.members[0].code
    start = datetime(2026, 6, 1, 20, tzinfo=PARIS)
    upsert_event(code, "agenda", Event("fete", "Fête de la musique", start, start))
    upsert_event(code, "agenda", Event("fete", "Fête de la musique (déplacée)", start, start))
    events = public_events(code, start - timedelta(days=1), start + timedelta(days=1))
    assert [e.summary for e in events] == ["Fête de la musique (déplacée)"]


@pytest.mark.django_db(transaction=True)
def test_an_event_uid_cannot_escape_its_calendar(inventory, driver, radicale, caldav_settings):
    apply_plan(make_plan(inventory, [driver]), [driver])
    code = inventory.members[0].code
    other = inventory.members[1].code
    start = datetime(2026, 6, 2, 20, tzinfo=PARIS)
    upsert_event(code, "agenda", Event(f"../{other}-agenda/intrus", "Intrus", start, start))
    assert public_events(other, start - timedelta(days=1), start + timedelta(days=1)) == []
    mine = public_events(code, start - timedelta(days=1), start + timedelta(days=1))
    assert [e.uid for e in mine] == [f"../{other}-agenda/intrus"]


def test_an_unreachable_server_is_a_transient_error():
    from provisioning.drivers import TransientBackendError

    client = CalDAV("http://127.0.0.1:9", "u", "p", timeout=1)
    with pytest.raises(TransientBackendError, match="CalDAV server unreachable"):
        client.list_calendars()


def test_creating_a_calendar_that_exists_updates_it(radicale):
    client = CalDAV(radicale.url, radicale.admin_user, radicale.admin_password)
    slug = f"{uuid.uuid4().int % 90000 + 10000:05d}-agenda"
    client.create_calendar(slug, "Premier nom")
    client.create_calendar(slug, "Second nom", "décrit")  # a retried create: no error
    assert client.list_calendars()[slug] == {"name": "Second nom", "description": "décrit"}


def test_a_restarted_radicale_accepts_the_new_service_password(tmp_path):
    """Each start draws a new service password; the users file must follow it."""
    from nextcloud_bridge.agendas.server import start_radicale

    with start_radicale(tmp_path / "radicale") as first:
        first.add_user("secretaire", "motdepasse")
        CalDAV(first.url, first.admin_user, first.admin_password).list_calendars()
    with start_radicale(tmp_path / "radicale") as second:
        assert second.admin_password != first.admin_password
        CalDAV(second.url, second.admin_user, second.admin_password).list_calendars()
    lines = (tmp_path / "radicale" / "users").read_text().splitlines()
    assert lines == ["secretaire:motdepasse", f"mutualis:{second.admin_password}"]
