"""The member's dashboard on the Wagtail admin's home: what each panel shows, only the host's
member's objects, only the subscribed services' panels, and as many queries with a few rows as
with many."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actes.models import Act, PrefectureMessage, Transmission
from convocation.models import Sitting
from provisioning.models import RegistrySeat
from signature.models import Folder
from tests.factories import add_person

from .data import add_acts, add_folders, add_sittings, fill, parapheur_council

pytestmark = pytest.mark.django_db


def dashboard(client, filled, person=None) -> str:
    client.force_login(filled.council.user(person))
    response = client.get("/admin/", HTTP_HOST=filled.member.hostname)
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str, name: str) -> str:
    """The content of one panel (an empty string when it is not there)."""
    found = re.search(rf'id="workspace-{name}-section".*?</section>', html, re.S)
    return found.group(0) if found else ""


# Where the rows link, whatever path the pages get: a sitting, a folder, an act.
SITTING, FOLDER, ACT = "convocation:sitting", "signature:folder", "actes:act"


def links(html: str, name: str) -> set[int]:
    """The ids of the objects the html links to through the URL `name`."""
    prefix = re.escape(reverse(name, args=[0])[:-2])
    return {int(pk) for pk in re.findall(rf'href="{prefix}(\d+)/"', html)}


@pytest.fixture
def melle():
    return parapheur_council("Melle")


def test_the_sittings_panel_gives_the_last_legal_sending_date_and_flags_late_ones(client, melle):
    now = timezone.now()
    assembly = melle.council.assembly
    late = Sitting.objects.create(assembly=assembly, title="Séance urgente oubliée",
                                  starts_at=now + timedelta(days=2), place="Mairie")
    in_time = Sitting.objects.create(assembly=assembly, title="Séance de printemps",
                                     starts_at=now + timedelta(days=30), place="Mairie")
    urgent = Sitting.objects.create(assembly=assembly, title="Séance d'urgence",
                                    starts_at=now + timedelta(days=2), place="Mairie",
                                    urgent=True)
    sent = Sitting.objects.create(assembly=assembly, title="Séance convoquée",
                                  starts_at=now + timedelta(days=10), place="Mairie",
                                  status=Sitting.SENT, sent_at=now)
    Sitting.objects.create(assembly=assembly, title="Séance passée", place="Mairie",
                           starts_at=now - timedelta(days=10), status=Sitting.CLOSED)
    html = panel(dashboard(client, melle), "sittings")
    assert links(html, SITTING) == {late.pk, in_time.pk, urgent.pk, sent.pk}
    assert "3 séances à convoquer" in html and "1 en retard sur le délai légal" in html
    # 800 inhabitants: 3 jours francs, so sent at the latest 4 days before the sitting.
    day = timezone.localtime(in_time.starts_at).date() - timedelta(days=4)
    assert re.search(rf"au plus tard le\s+\w+ {day.day} ", html)
    row = html.split("Séance urgente oubliée")[1].split("</tr>")[0]
    assert "en retard" in row and "w-status" in row
    # Urgent: one jour franc, so the day before yesterday's sitting... still in time.
    row = html.split("Séance d&#x27;urgence")[1].split("</tr>")[0]
    assert "en retard" not in row and "à envoyer" in row
    row = html.split("Séance convoquée")[1].split("</tr>")[0]
    assert "convocation envoyée" in row
    assert f'href="{reverse("convocation:sittings")}"' in html


def test_the_folders_panel_shows_what_waits_for_the_person_at_their_step(client, melle):
    folders = add_folders(melle, 20)
    html = panel(dashboard(client, melle), "folders")
    mine = {f.pk for f in folders if f.status == "in_progress"
            and f.circuit_id == melle.visa_circuit.pk and f.position == 0}
    assert links(html, FOLDER) == mine
    assert f"{len(mine)} dossiers attendent votre visa" in html
    assert "Visa du secrétariat" in html and "Signature du maire" not in html
    assert f'href="{reverse("signature:index")}"' in html


def test_the_acts_panel_counts_what_to_publish_and_transmit(client, melle):
    acts = add_acts(melle, 40)
    html = panel(dashboard(client, melle), "acts")
    to_publish = [a for a in acts if a.published_at is None]
    sent = set(Transmission.objects.filter(state__in=["sent", "acknowledged"])
               .values_list("act_id", flat=True))
    to_transmit = [a for a in acts if a.pk not in sent]
    assert f"{len(to_publish)} actes à publier" in html
    assert f"{len(to_transmit)} actes à transmettre en préfecture" in html
    shown = links(html, ACT)
    assert len(shown) == 10 and shown <= {a.pk for a in to_publish + to_transmit}
    newest = max(to_publish + to_transmit, key=lambda a: (a.decision_date, a.pk))
    assert newest.pk in shown
    assert f'href="{reverse("actes:acts")}"' in html


def test_the_prefecture_panel_shows_its_latest_answers(client, melle):
    acts = add_acts(melle, 60)
    html = panel(dashboard(client, melle), "prefecture")
    # The refusals of today first, then acknowledgements and a letter of February.
    assert "accusé de réception" in html and "demande de pièces complémentaires" in html
    assert html.count("KO : enveloppe refusée") == 3
    assert len(re.findall(r"<tr>", html)) == 1 + 10  # the header, ten answers
    letter = PrefectureMessage.objects.order_by("-received_on").first()
    assert letter.act_id in links(html, ACT)
    assert {a.pk for a in acts} >= links(html, ACT)


def test_a_refusal_is_flagged_with_its_reason(client, melle):
    [act] = add_acts(melle, 1)
    Transmission.objects.create(act=act, sequence=9, archive_name="t.tar.gz", archive=b"",
                                state=Transmission.FAILED, error="KO : SIRET inconnu")
    html = panel(dashboard(client, melle), "prefecture")
    [row] = [r for r in html.split("</tr>") if "KO : SIRET inconnu" in r]
    assert "refusé" in row and "#icon-warning" in row


def test_another_members_objects_never_appear(client, melle):
    fill(melle, sittings=8, folders=20, acts=30)
    other = parapheur_council("Celles-sur-Belle")
    fill(other, sittings=8, folders=20, acts=30)

    def objects(member) -> dict[str, set[int]]:
        return {SITTING: set(Sitting.objects.filter(
                    assembly__member=member).values_list("pk", flat=True)),
                FOLDER: set(Folder.objects.filter(
                    member=member).values_list("pk", flat=True)),
                ACT: set(Act.objects.filter(member=member).values_list("pk", flat=True))}

    mine, theirs = objects(melle.member), objects(other.member)
    # Their secrétaire is also an agent of Melle: on each host, that member's objects only.
    RegistrySeat.objects.create(member=melle.member, person=other.secretary, roles=["agent"])
    for host, own, foreign in ((melle, mine, theirs), (other, theirs, mine)):
        html = dashboard(client, host, other.secretary)
        for prefix in own:
            shown = links(html, prefix)
            assert shown <= own[prefix] and not shown & foreign[prefix], (host.member, prefix)
        assert links(html, SITTING) and links(html, ACT)
    assert links(dashboard(client, other, other.secretary), FOLDER)
    # Staff of the other member alone get no panel of Melle's on Melle's host.
    agent = add_person(other.member, "agent-celles", roles=["agent"])
    client.force_login(other.council.user(agent))
    html = client.get("/admin/", HTTP_HOST=melle.member.hostname).content.decode()
    assert "workspace-" not in html
    assert not any(links(html, prefix) for prefix in mine)


def test_panels_absent_without_the_service_or_the_staff_standing(client, melle):
    add_sittings(melle, 8)
    add_folders(melle, 10)
    html = dashboard(client, melle)
    assert panel(html, "sittings") and panel(html, "folders") and panel(html, "acts")
    melle.member.services = ["extranet"]
    melle.member.save()
    html = dashboard(client, melle)
    assert not panel(html, "sittings") and not panel(html, "folders")
    assert panel(html, "acts") and panel(html, "prefecture")  # every member keeps acts
    # On a host that is no member's, no member's dashboard.
    client.force_login(melle.council.user())
    html = client.get("/admin/", HTTP_HOST="localhost").content.decode()
    assert "workspace-" not in html


def test_the_dashboard_costs_as_many_queries_with_ten_times_the_rows(client, melle):
    fill(melle, sittings=10, folders=100, acts=200)
    client.force_login(melle.council.user())
    client.get("/admin/", HTTP_HOST=melle.member.hostname)  # sessions, caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/", HTTP_HOST=melle.member.hostname).status_code == 200
        return len(queries)

    small = count()
    fill(melle, sittings=90, folders=900, acts=1800)
    assert count() == small
