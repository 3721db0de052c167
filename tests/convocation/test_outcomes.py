"""What a sending does when a backend is missing or fails, and what the staff page then says:
against real servers (SMTP, Radicale, the Nextcloud emulator, the project's mail backend), as
the demo runs them. The assertions read the servers and the page a person sees."""

from __future__ import annotations

import html
import re

import httpx
import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from convocation import sending
from convocation.models import AuditEntry, Dispatch, Sitting, verify_audit
from convocation.rules import long_date
from mail_service.backend import not_configured
from nextcloud_bridge.agendas.client import CalDAV
from provisioning.backends import free_port, write_embedded_services
from provisioning.naming import calendar_id
from tests.factories import Council
from wagtail_site_factory.models import SittingPage

from .sittings import make_sitting
from .test_sending import folder_dir, link_pattern

CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(Error|Exception)\b")


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces joined."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def send(client: Client, council: Council, sitting: Sitting) -> str:
    client.force_login(council.user())
    page = client.post(reverse("convocation:send", args=[sitting.pk]), follow=True)
    assert page.status_code == 200
    shown = text(page)
    assert not CLASS_NAME.search(shown), CLASS_NAME.search(shown)
    return shown


def actions(sitting: Sitting) -> list[str]:
    return list(AuditEntry.objects.filter(sitting=sitting).values_list("action", flat=True))


def calendar_events(radicale, council: Council) -> list:
    s = radicale.settings()
    client = CalDAV(s["url"], s["user"], s["password"])
    try:
        url = client.calendar_url(calendar_id(council.member.code, council.assembly.slug))
    finally:
        client.close()
    answer = httpx.get(url, auth=(s["user"], s["password"]))
    return icalendar.Calendar.from_ical(answer.text).walk("VEVENT")


@pytest.mark.django_db(transaction=True)
def test_without_nextcloud_the_sending_goes_on_and_the_sitting_is_on_the_site(
        client, demo_commune, smtp, radicale):
    council = demo_commune
    sitting = make_sitting(council, items=2, annexes=1)

    shown = send(client, council, sitting)

    assert "Convocation envoyée aux 3 membres de l'assemblée." in shown
    assert ("Le dossier n'a pas été déposé dans Nextcloud (aucun Nextcloud n'est configuré "
            "pour ce syndicat) : les élus le trouvent sur leur lien personnel.") in shown
    assert "La séance est dans l'agenda de l'assemblée." in shown
    sitting.refresh_from_db()
    dispatch = Dispatch.objects.get(sitting=sitting)
    assert sitting.status == Sitting.SENT and sitting.sent_at is not None
    assert dispatch.finished_at is not None and dispatch.published_paths == []
    assert "not-published" in actions(sitting) and verify_audit(sitting)
    assert "Relancer l'envoi" not in shown  # nothing is left to do

    # The mails went out, each with a link on the commune's host, which serves the dossier.
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(p.email for p in
                                                                  council.elected)
    body = smtp.to(council.elected[0].email)[0].get_body(("plain",)).get_content()
    token = link_pattern(council).search(body).group(1)
    official = Client()
    link = official.get(reverse("convocation_link:link", args=[token]),
                        HTTP_HOST=council.member.hostname)
    assert link.status_code == 200 and "dossier-complet.pdf" in link.content.decode()
    assert "hors connexion" not in text(link)  # no Nextcloud: no tablet folder to point at
    document = official.get(reverse("convocation_link:link-document",
                                    args=[token, "dossier-complet.pdf"]),
                            HTTP_HOST=council.member.hostname)
    assert b"".join(document.streaming_content).startswith(b"%PDF")

    # The sitting is in the assembly's calendar (Radicale).
    assert [str(e["UID"]) for e in calendar_events(radicale, council)].count(
        dispatch.calendar_uid) == 1

    # And on the commune's website: « Vie municipale » announces it, its page shows the date,
    # the place and the agenda, never the dossier.
    (page,) = SittingPage.objects.all()
    assert dispatch.site_url == (f"http://{council.member.hostname}/vie-municipale/"
                                 f"seance-conseil-municipal-{sitting.pk}/")
    visitor = Client()
    life = text(visitor.get("/vie-municipale/", HTTP_HOST=council.member.hostname))
    assert "Aucune séance n'est annoncée" not in life and page.title in life
    public = visitor.get(dispatch.site_url.removeprefix(f"http://{council.member.hostname}"),
                         HTTP_HOST=council.member.hostname)
    assert public.status_code == 200
    public_text = text(public)
    assert page.title == f"Conseil municipal du {long_date(sitting.local_start.date())}"
    assert "18:30" in public_text and "Salle du conseil, mairie" in public_text
    assert "Projet 1 : budget" in public_text and "Projet 2 : budget" in public_text
    assert "/convocation/" not in public.content.decode()
    assert "dossier-complet" not in public.content.decode()
    assert f"La séance est annoncée sur le site internet : {dispatch.site_url}" in shown

    # Sending again (a second click, a task run twice) changes nothing.
    again = send(client, council, sitting)
    assert "Convocation envoyée aux 3 membres de l'assemblée." in again
    assert len(smtp.received) == 3 and SittingPage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_nextcloud_is_named_and_a_new_attempt_finishes_the_publication(
        client, provisioned, smtp, nc_emulator, settings):
    council = provisioned
    working = settings.MUTUALIS_NEXTCLOUD
    settings.MUTUALIS_NEXTCLOUD = {**working, "url": f"http://127.0.0.1:{free_port()}"}
    sitting = make_sitting(council, items=1, annexes=0)

    shown = send(client, council, sitting)

    dispatch = Dispatch.objects.get(sitting=sitting)
    assert dispatch.publication_error  # the bridge's own sentence
    assert (f"Le dossier n'a pas été déposé dans Nextcloud ({dispatch.publication_error}) : "
            "les élus le trouvent sur leur lien personnel, et un nouvel envoi terminera le "
            "dépôt.") in shown
    assert "Convocation envoyée aux 5 membres de l'assemblée." in shown
    assert len(smtp.received) == 5 and dispatch.finished_at is None
    assert "publish-failed" in actions(sitting)
    assert "Relancer l'envoi" in shown

    settings.MUTUALIS_NEXTCLOUD = working
    shown = send(client, council, sitting)

    dispatch.refresh_from_db()
    stored = folder_dir(nc_emulator, council) / sending.folder_name(sitting)
    assert sorted(p.name for p in stored.iterdir()) == sorted(f["name"] for f in dispatch.files)
    assert dispatch.finished_at is not None and dispatch.publication_error == ""
    assert "Le dossier est déposé dans le dossier Nextcloud de l'assemblée" in shown
    assert len(smtp.received) == 5  # nobody mailed twice


@pytest.mark.django_db(transaction=True)
def test_with_no_mail_server_nobody_is_convened_and_the_page_says_why(
        client, provisioned, smtp_server, settings):
    council = provisioned
    smtp_server.received.clear()
    # The demo's settings: the project's mail backend, no relay configured, and (at first)
    # no embedded mail server either.
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False  # and the test's VAR_DIR has no mail server
    sitting = make_sitting(council, items=1, annexes=0)

    shown = send(client, council, sitting)

    cause = str(not_configured())
    assert (f"{cause} La convocation n'est donc partie vers aucun des 5 membres : relancez "
            "l'envoi une fois ce problème réglé.") in shown
    assert "Convocation envoyée" not in shown
    assert shown.count(cause) == 1 + 5  # the summary, then each member not reached
    sitting.refresh_from_db()
    assert sitting.status == Sitting.SENDING and sitting.sent_at is None
    assert "envoi inachevé" in shown and "Relancer l'envoi" in shown
    listing = text(client.get(reverse("convocation:sittings")))
    assert "envoi inachevé" in listing and "convocation envoyée" not in listing
    # The dossier is frozen: the sitting can no longer be edited.
    edit = client.post(reverse("convocation:sitting-edit", args=[sitting.pk]), {"place": "x"},
                       follow=True)
    assert ("Cette séance n'est plus modifiable : sa convocation est partie ou en cours "
            "d'envoi, et le dossier envoyé ne change plus.") in text(edit)
    sitting.refresh_from_db()
    assert sitting.place == "Salle du conseil, mairie"

    # The demo's mail server starts: a new attempt convenes everybody through it.
    write_embedded_services({"mail": {"host": smtp_server.host, "port": smtp_server.port}})
    shown = send(client, council, sitting)

    assert "Convocation envoyée aux 5 membres de l'assemblée." in shown
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        p.email for p in council.elected)
    sitting.refresh_from_db()
    assert sitting.status == Sitting.SENT and sitting.sent_at is not None
    assert Dispatch.objects.get(sitting=sitting).finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_refused_address_is_named_and_only_it_is_mailed_again(client, provisioned, smtp):
    council = provisioned
    refused = council.elected[2]
    smtp.refused.add(refused.email)
    sitting = make_sitting(council, items=1, annexes=0)

    shown = send(client, council, sitting)

    name = f"{refused.given_name} {refused.surname}"
    assert (f"Convocation envoyée à 4 membres sur 5 ; {name} ne l'a pas reçue (la raison est "
            "indiquée ci-dessous) : relancez l'envoi, il ne partira que vers les membres qui ne "
            "l'ont pas reçue.") in shown
    assert (f"{name} ({refused.email}) : Le serveur de courrier a refusé l'adresse "
            f"{refused.email} : faites-la corriger dans l'annuaire du syndicat, puis relancez "
            "l'envoi.") in shown
    sitting.refresh_from_db()
    assert sitting.status == Sitting.SENT  # four members were convened
    assert len(smtp.received) == 4 and smtp.to(refused.email) == []

    smtp.refused.clear()
    shown = send(client, council, sitting)

    assert "Convocation envoyée aux 5 membres de l'assemblée." in shown
    assert len(smtp.received) == 5 and len(smtp.to(refused.email)) == 1
    assert Dispatch.objects.get(sitting=sitting).finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_silent_timestamp_authority_stops_the_sending_before_anything_goes_out(
        client, provisioned, smtp, settings):
    council = provisioned
    silent = f"http://127.0.0.1:{free_port()}/tsa"
    settings.MUTUALIS_TSA_URL = silent
    sitting = make_sitting(council, items=1, annexes=0)

    shown = send(client, council, sitting)

    # The authority's own sentence names it; ours says that nothing went out, and what to do.
    assert re.search(re.escape(silent) + r"[^.]*\. Rien n'est encore parti : relancez l'envoi "
                     r"dans quelques minutes, et signalez-le au syndicat si cela persiste\.",
                     shown), shown
    assert smtp.received == []
    sitting.refresh_from_db()
    assert sitting.status == Sitting.DRAFT and "timestamp-failed" in actions(sitting)
