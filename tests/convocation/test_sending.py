"""Sending a convocation against real servers: SMTP (aiosmtpd), Radicale, the Nextcloud
emulator and a timestamp authority over HTTP; the assertions read what those servers hold."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import timedelta

import httpx
import icalendar
import pytest
from django.utils import timezone
from pypdf import PdfReader

from convocation import receipts, sending, tasks
from convocation.models import AccessToken, Convocation, Dispatch, Guest, Sitting, verify_audit
from convocation.timestamp import verify
from nextcloud_bridge.agendas import PARIS
from nextcloud_bridge.agendas.client import CalDAV
from provisioning.models import RegistryPerson
from provisioning.naming import calendar_id
from tests.factories import Council, make_council

from .sittings import make_sitting, paris


def link_pattern(council: Council) -> re.Pattern:
    """Personal links point at the member's own host (MUTUALIS_BASE_URL's scheme and port)."""
    return re.compile(rf"http://{re.escape(council.member.hostname)}/espace-elus/convocation/"
                      r"([A-Za-z0-9_-]+)/")


def folder_dir(nc_emulator, council: Council):
    state = nc_emulator.emulator.state
    mount = f"Conseil municipal — {council.member.name} ({council.member.code})"
    folder = next(f for f in state.folders.values() if f.mount_point == mount)
    return state.folder_dir(folder.id)


@pytest.mark.django_db(transaction=True)
def test_sending_lands_in_every_server(provisioned, smtp, tsa, timestamp_ca, nc_emulator,
                                       radicale):
    council = provisioned
    link = link_pattern(council)
    leaving = council.elected[-1]  # disabled before the sending: receives nothing
    RegistryPerson.objects.filter(pk=leaving.pk).update(active=False)
    members = [p for p in council.elected if p != leaving]
    day = timezone.localdate() + timedelta(days=12)
    sitting = make_sitting(council, starts_at=paris(day, 18, 30), items=3, annexes=1)
    Guest.objects.create(sitting=sitting, name="Presse locale", email="presse@example.fr",
                         quality=Guest.PRESS)

    assert tasks.send_convocation.delay(sitting.pk).get() == len(members)

    # SMTP: one convocation per member in office, with a personal link and the .ics.
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(
        [p.email for p in members] + ["presse@example.fr"])
    assert smtp.to(leaving.email) == []
    tokens = {}
    for person in members:
        (message,) = smtp.to(person.email)
        assert str(message["Subject"]).strip().startswith("Convocation : Conseil municipal")
        body = message.get_body(("plain",)).get_content()
        tokens[person.uid] = link.search(body).group(1)
        assert len(tokens[person.uid]) >= 43  # 256 bits, base64url
        (ics,) = [part for part in message.iter_attachments()
                  if part.get_content_type() == "text/calendar"]
        text = ics.get_content()
        assert f"DTSTART;TZID=Europe/Paris:{day:%Y%m%d}T183000" in text
        event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
        assert event.decoded("DTSTART").astimezone(PARIS) == paris(day, 18, 30)
    (press,) = smtp.to("presse@example.fr")
    assert str(press["Subject"]).strip().startswith("Invitation") and not link.search(
        press.get_body(("plain",)).get_content())
    # Only the tokens' hashes are stored; each link leads to its own convocation.
    assert not AccessToken.objects.filter(digest__in=list(tokens.values())).exists()
    for uid, token in tokens.items():
        assert receipts.resolve(token).person.uid == uid

    # Nextcloud: the dossier in the assembly's folder, as built.
    dispatch = Dispatch.objects.get(sitting=sitting)
    stored = folder_dir(nc_emulator, council) / sending.folder_name(sitting)
    names = sorted(p.name for p in stored.iterdir())
    assert names == sorted(f["name"] for f in dispatch.files)
    assert len(names) == 1 + 1 + 1 + 3 + 3  # combined, convocation, note, 3 projects, annexes
    combined = PdfReader(io.BytesIO((stored / "dossier-complet.pdf").read_bytes()))
    titles = [o.title if not isinstance(o, list) else [x.title for x in o]
              for o in combined.outline]
    assert titles[:4] == ["Sommaire", "Convocation", "Note explicative de synthèse",
                          "1. Projet 1 : budget"]
    assert titles[4] == ["Annexe 1 : Annexe 1 du projet 1"]
    # 1 ToC + 1 letter + 2 note + 3 × (3 project + 2 annex)
    assert len(combined.pages) == 1 + 1 + 2 + 3 * 5

    # Radicale: the sitting in the assembly's calendar at 18:30, Paris time.
    client = CalDAV(**{k: radicale.settings()[k] for k in ("url", "user", "password")})
    try:
        url = client.calendar_url(calendar_id(council.member.code, "conseil-municipal"))
    finally:
        client.close()
    answer = httpx.get(url, auth=(radicale.settings()["user"], radicale.settings()["password"]))
    events = icalendar.Calendar.from_ical(answer.text).walk("VEVENT")
    (event,) = [e for e in events if str(e["UID"]) == dispatch.calendar_uid]
    assert event.decoded("DTSTART").astimezone(PARIS) == paris(day, 18, 30)
    assert event.decoded("DTSTART").utcoffset() == paris(day, 18, 30).utcoffset()

    # The timestamp token verifies against the manifest, which names every file and member.
    assert tsa.requests >= 1
    check = verify(bytes(dispatch.timestamp_token), bytes(dispatch.manifest),
                   [timestamp_ca.root])
    assert check.ok, check
    assert not verify(bytes(dispatch.timestamp_token), bytes(dispatch.manifest) + b" ",
                      [timestamp_ca.root]).intact
    manifest = json.loads(bytes(dispatch.manifest))
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in stored.iterdir()}
    assert sorted(r["uid"] for r in manifest["recipients"]) == sorted(tokens)
    assert hashlib.sha256(bytes(dispatch.manifest)).hexdigest() == dispatch.manifest_sha256

    sitting.refresh_from_db()
    assert sitting.status == Sitting.SENT and dispatch.finished_at is not None
    # Sending again changes nothing: no second mail.
    tasks.send_convocation.delay(sitting.pk).get()
    assert len(smtp.received) == len(members) + 1
    assert verify_audit(sitting)


@pytest.mark.django_db(transaction=True)
def test_a_late_sending_is_refused_with_its_last_valid_date(smtp):
    council = make_council(population=5000)
    today = timezone.localdate()
    sitting = make_sitting(council, days_ahead=4)
    latest = today + timedelta(days=4 - 6)
    with pytest.raises(sending.SendingRefused) as refused:
        tasks.send_convocation.delay(sitting.pk).get()
    message = str(refused.value)
    from convocation.rules import long_date

    assert (f"La convocation devait être envoyée au plus tard le {long_date(latest)} pour la "
            f"séance du {long_date(today + timedelta(days=4))} (5 jours francs, article "
            "L2121-12 du CGCT)") in message
    assert smtp.received == [] and not Convocation.objects.filter(sitting=sitting).exists()
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.DRAFT


@pytest.mark.django_db(transaction=True)
def test_the_note_is_required_from_3500_inhabitants_and_in_epcis(smtp):
    for population, kind in ((3500, "commune"), (100, "epci")):
        council = make_council(population=population, kind=kind)
        sitting = make_sitting(council, days_ahead=10, note=False)
        with pytest.raises(sending.SendingRefused, match="note explicative de synthèse est "
                                                         "obligatoire"):
            sending.send(sitting.pk)
    small = make_sitting(make_council(population=3499), days_ahead=10, note=False, items=1)
    assert sending.problems(small) == []
    assert smtp.received == []


@pytest.mark.django_db(transaction=True)
def test_urgent_sittings_need_one_jour_franc(smtp):
    council = make_council(population=5000)
    sitting = make_sitting(council, days_ahead=1, urgent=True)
    assert "au plus tard le" in " ".join(sending.problems(sitting))  # tomorrow: too late
    sitting.starts_at += timedelta(days=1)
    sitting.save()
    assert sending.problems(sitting) == []
