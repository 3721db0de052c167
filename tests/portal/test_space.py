"""The officials' space's home: convocations with their answer and dossier, one-tap answers,
the parapheur's folders and credential, the gendered role labels, and one list of what
waits for an official in every member where they sit, each item on its own member's host."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from convocation.models import Answer, Receipt
from convocation.receipts import current_answer
from provisioning.catalogue import role_label
from provisioning.models import RegistrySeat
from tests.convocation.sittings import prepared
from tests.factories import add_person, make_council

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _links(settings, media):
    settings.MUTUALIS_BASE_URL = "https://mutualis.example.fr"
    settings.MUTUALIS_TSA_URL = ""


@pytest.fixture
def two_members():
    """A commune and its EPCI; the commune's maire (a woman) is also vice-présidente of the
    EPCI. Each has a sitting she is convened to."""
    commune = make_council(members=3, name="Melle")
    epci = make_council(members=3, kind="epci", name="CC Mellois en Poitou")
    maire = commune.elected[0]
    maire.civility = "mme"
    maire.save()
    RegistrySeat.objects.create(member=epci.member, person=maire, roles=["vice-president"],
                                assemblies=["conseil-communautaire"])
    here, _tokens = prepared(commune, items=1, annexes=0)
    there, _tokens = prepared(epci, items=1, annexes=0)
    return commune, epci, maire, here, there


def logged_in(client, person):
    user, _created = get_user_model().objects.get_or_create(username=person.uid)
    client.force_login(user)
    return client


def test_gendered_role_labels():
    assert [role_label(r, "mme") for r in (
        "maire", "maire-delegue", "adjoint", "conseiller-municipal", "president",
        "vice-president", "conseiller-communautaire", "dgs", "secretaire-de-mairie")] == [
        "Maire", "Maire déléguée", "Adjointe au maire", "Conseillère municipale", "Présidente",
        "Vice-présidente", "Conseillère communautaire", "Directrice générale des services",
        "Secrétaire de mairie"]
    assert [role_label(r, "m") for r in ("adjoint", "conseiller-municipal", "vice-president")
            ] == ["Adjoint au maire", "Conseiller municipal", "Vice-président"]
    assert role_label("conseiller-municipal", "") == "Conseiller municipal"


def test_the_space_says_each_role_in_the_persons_gender(client):
    council = make_council(members=2)
    her = add_person(council.member, "claire", "Claire", "Durand", ["conseiller-municipal"],
                     civility="mme")
    him = add_person(council.member, "paul", "Paul", "Martin", ["conseiller-municipal"],
                     civility="m")
    host = council.member.hostname
    page = logged_in(client, her).get("/espace-elus/", HTTP_HOST=host).content.decode()
    assert "Claire Durand — Conseillère municipale" in page
    page = logged_in(client, him).get("/espace-elus/", HTTP_HOST=host).content.decode()
    assert "Paul Martin — Conseiller municipal" in page


def test_one_list_of_what_waits_in_every_member_each_on_its_host(client, two_members):
    commune, epci, maire, here, there = two_members
    page = logged_in(client, maire).get("/espace-elus/", HTTP_HOST=commune.member.hostname)
    assert page.status_code == 200
    html = page.content.decode()
    waiting = html.split('id="en-attente"')[1].split("</section>")[0]
    mine_here = here.convocations.get(person=maire)
    mine_there = there.convocations.get(person=maire)
    # This host's item is linked here; the EPCI's on the EPCI's own host.
    assert f'href="/espace-elus/#convocation-{mine_here.pk}"' in waiting
    assert (f'href="https://{epci.member.hostname}/espace-elus/#convocation-{mine_there.pk}"'
            in waiting)
    assert "CC Mellois en Poitou" in waiting and "Conseil communautaire" in waiting
    # Her roles, feminine, in this member and in the other.
    assert "Maire" in html and "Vice-présidente" in html
    # The convocations of this host only in "Mes convocations".
    convocations = html.split('id="convocations"')[1].split("</section>")[0]
    assert f'id="convocation-{mine_here.pk}"' in convocations
    assert f'id="convocation-{mine_there.pk}"' not in convocations
    # Answered, it leaves the list; the other member's stays.
    Answer.objects.create(convocation=mine_here, choice=Answer.PRESENT)
    html = client.get("/espace-elus/", HTTP_HOST=commune.member.hostname).content.decode()
    waiting = html.split('id="en-attente"')[1].split("</section>")[0]
    assert f"#convocation-{mine_here.pk}" not in waiting
    assert f"#convocation-{mine_there.pk}" in waiting
    assert "Vous serez présent(e)" in html
    # On the EPCI's host, the same list, with the commune's items there.
    html = client.get("/espace-elus/", HTTP_HOST=epci.member.hostname).content.decode()
    convocations = html.split('id="convocations"')[1].split("</section>")[0]
    assert f'id="convocation-{mine_there.pk}"' in convocations
    assert "Pas encore répondu" in convocations


def test_another_officials_items_never_show(client, two_members):
    commune, epci, maire, here, there = two_members
    colleague = commune.elected[1]
    html = logged_in(client, colleague).get(
        "/espace-elus/", HTTP_HOST=commune.member.hostname).content.decode()
    assert 'id="en-attente"' not in html  # one member: no list across members
    ids = set(re.findall(r'id="convocation-(\d+)"', html))
    assert ids == {str(here.convocations.get(person=colleague).pk)}


def test_an_answer_in_one_tap_from_the_home(client, two_members):
    commune, epci, maire, here, there = two_members
    mine = here.convocations.get(person=maire)
    host = commune.member.hostname
    response = logged_in(client, maire).post(f"/espace-elus/convocations/{mine.pk}/reponse/",
                                             {"choice": "absent"}, HTTP_HOST=host)
    assert response.status_code == 302
    assert response["Location"] == f"/espace-elus/#convocation-{mine.pk}"
    assert current_answer(mine).choice == Answer.ABSENT
    assert Receipt.objects.filter(convocation=mine).exists()  # answering is having received
    assert "Votre réponse est enregistrée : absent" in client.get(
        "/espace-elus/", HTTP_HOST=host).content.decode()
    # A proxy names its holder on the convocation's page; another member's convocation, or
    # someone else's, is not found here.
    assert client.post(f"/espace-elus/convocations/{mine.pk}/reponse/", {"choice": "proxy"},
                       HTTP_HOST=host).status_code == 404
    theirs = here.convocations.get(person=commune.elected[1])
    elsewhere = there.convocations.get(person=maire)
    for pk in (theirs.pk, elsewhere.pk):
        assert client.post(f"/espace-elus/convocations/{pk}/reponse/", {"choice": "present"},
                           HTTP_HOST=host).status_code == 404
    assert [a.choice for a in mine.answers.all()] == [Answer.ABSENT]
    assert not theirs.answers.exists() and not elsewhere.answers.exists()
    # Answers are refused through GET.
    assert client.get(f"/espace-elus/convocations/{mine.pk}/reponse/",
                      HTTP_HOST=host).status_code == 405


def test_the_dossier_and_the_proxy_form_open_from_the_home(client, two_members):
    commune, epci, maire, here, there = two_members
    mine = here.convocations.get(person=maire)
    host = commune.member.hostname
    maire_client = logged_in(client, maire)
    home = maire_client.get("/espace-elus/", HTTP_HOST=host).content.decode()
    assert "Lire le dossier" in home and "Donner pouvoir" in home
    response = maire_client.post(f"/espace-elus/convocations/{mine.pk}/",
                                 {"document": "dossier-complet.pdf"}, HTTP_HOST=host)
    assert response.status_code == 302
    assert re.fullmatch(r"/espace-elus/convocation/[\w-]+/documents/dossier-complet\.pdf",
                        response["Location"])
    pdf = maire_client.get(response["Location"], HTTP_HOST=host)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Accept-Ranges"] == "bytes"
    # Any other name opens the convocation's page, at its answer form when asked.
    response = maire_client.post(f"/espace-elus/convocations/{mine.pk}/",
                                 {"document": "../secret", "to": "reponse"}, HTTP_HOST=host)
    assert re.fullmatch(r"/espace-elus/convocation/[\w-]+/#reponse", response["Location"])
    page = maire_client.get(response["Location"].split("#")[0], HTTP_HOST=host)
    html = page.content.decode()
    assert 'href="/espace-elus/"' in html and "Je donne pouvoir à" in html
    assert "Conseil municipal" in html


def test_the_parapheur_part_links_the_official_pages_and_says_the_credential(client):
    council = make_council(members=2)
    council.member.services = [*council.member.services, "parapheur"]
    council.member.save()
    maire = council.elected[0]
    html = logged_in(client, maire).get("/espace-elus/",
                                        HTTP_HOST=council.member.hostname).content.decode()
    section = html.split('id="parapheur"')[1].split("</section>")[0]
    assert 'href="/espace-elus/parapheur/"' in section
    assert 'href="/espace-elus/parapheur/mon-certificat/"' in section
    assert "Aucun certificat" in section and "Aucun dossier n'attend votre signature" in section


def test_the_home_lists_the_oldest_folders_and_links_the_parapheur_for_all(client):
    from portal.space import FOLDERS_SHOWN
    from tests.workspace.data import add_folders, parapheur_council
    from workspace.folders import waiting_folders

    filled = parapheur_council()
    add_folders(filled, 3 * FOLDERS_SHOWN)
    waiting = list(waiting_folders(filled.maire))
    assert len(waiting) > FOLDERS_SHOWN
    html = logged_in(client, filled.maire).get(
        "/espace-elus/", HTTP_HOST=filled.member.hostname).content.decode()
    section = html.split('id="parapheur"')[1].split("</section>")[0]
    listed = re.findall(r'href="/espace-elus/parapheur/dossiers/(\d+)/"', section)
    assert listed == [str(f.pk) for f in waiting[:FOLDERS_SHOWN]]
    assert f"{len(waiting)} dossiers attendent votre visa ou votre signature" in section
    assert f"les {len(waiting)} dossiers" in section
