"""The public sites: every page type served on its commune's hostname, the council from the
registry, acts with their SHA-256, the contact form's mail, the agenda from a real CalDAV
server (Radicale), the per-site page cache, the theme."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from nextcloud_bridge.agendas import Event, upsert_event
from nextcloud_bridge.agendas.client import CalDAV
from provisioning.loader import parse_inventory
from provisioning.naming import PUBLIC_CALENDAR, calendar_id
from tests.factories import provision
from wagtail_site_factory.models import CommuneSettings, MemberSite, NewsPage
from wagtail_site_factory.theme import contrast

from .content import add_content

PATHS = ["/", "/actualites/", "/actualites/nouveau-site/", "/agenda/", "/vie-municipale/",
         "/vie-municipale/actes/", "/demarches/", "/contact/", "/mentions-legales/",
         "/accessibilite/"]


def path_of(page) -> str:
    """The page's path on its own site: '/site-79100/actualites/' -> '/actualites/'."""
    return "/" + page.url_path.split("/", 2)[2]


def fetch(client: Client, path: str, host: str = "alphaville.localhost", **kw):
    return client.get(path, HTTP_HOST=host, **kw)


@pytest.fixture
def content(sites):
    return add_content(sites.members[0].code, "Alphaville")


@pytest.fixture
def no_caldav(settings):
    """A CalDAV backend that does not answer (a closed port on loopback)."""
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "x", "password": "y"}


def test_every_page_type_is_served_in_french_with_one_h1(content, no_caldav):
    client = Client()
    paths = PATHS + [path_of(content.sitting),
                     path_of(content.act)]
    for path in paths:
        response = fetch(client, path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert '<html lang="fr">' in html
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        assert 'href="#contenu"' in html and 'id="contenu"' in html
        assert "<nav class=\"main-nav\" aria-label=\"Menu principal\">" in html
        assert "Bravoville" not in html


def test_each_hostname_serves_its_own_site(sites, no_caldav):
    client = Client()
    alpha = fetch(client, "/").content.decode()
    bravo = fetch(client, "/", host="bravoville.localhost").content.decode()
    assert "<h1>Alphaville</h1>" in alpha and "<h1>Bravoville</h1>" in bravo
    assert "mairie@alphaville.example.fr" in alpha and "Bravoville" not in alpha
    # Titles: the commune's name alone on its home page, "page — commune" elsewhere.
    assert "<title>Alphaville</title>" in alpha
    contact = fetch(client, "/contact/").content.decode()
    assert "— Alphaville</title>" in contact and "<title>Alphaville</title>" not in contact


def test_the_council_comes_from_the_registry_with_role_labels(sites, no_caldav):
    html = fetch(Client(), "/vie-municipale/").content.decode()
    council = html.split('id="conseil"')[1].split("</section>")[0]
    assert "Sylvie MaireAlphaville" in council and "Maire" in council
    assert "Paul AdjointAlphaville" in council and "Adjoint au maire" in council
    assert "Adjoint aux finances" in council and "Conseiller municipal" in council
    assert "Secretaire" not in council  # staff are not elected officials
    assert council.index("Sylvie") < council.index("Paul") < council.index("Inès")


COUNCIL = """\
syndicate: {name: Syndicat test, siren: "200000000", domain: example.fr, sites_domain: localhost}
members:
  - code: "79174"
    name: Melle
    kind: commune
    services: [website]
    people:
      - {given_name: Anne, surname: Martin, email: a.martin@example.fr, roles: [maire],
         civility: Mme}
      - {given_name: Catherine, surname: Guérin, email: c.guerin@example.fr, roles: [adjointe]}
      - {given_name: Stéphane, surname: Bernardeau, email: s.b@example.fr, roles: [adjoint]}
      - {given_name: Dominique, surname: Naudin, email: d.naudin@example.fr, roles: [adjoint],
         civility: Madame}
      - {given_name: Géraldine, surname: Chollet, email: g.chollet@example.fr,
         roles: [conseillère municipale]}
      - {given_name: Clément, surname: Savin, email: c.savin@example.fr,
         roles: [conseiller municipal]}
"""


def test_each_official_gets_the_label_of_their_civility(db, no_caldav):
    provision(parse_inventory(COUNCIL, "inv.yml"))
    html = fetch(Client(), "/vie-municipale/", host="melle.localhost").content.decode()
    council = html.split('id="conseil"')[1].split("</section>")[0]
    labels = dict(re.findall(r'<span class="name">([^<]+)</span>([^<]+)<', council))
    assert labels == {
        "Anne Martin": "Maire",  # « la maire », the label stays
        "Catherine Guérin": "Adjointe au maire",
        "Stéphane Bernardeau": "Adjoint au maire",
        "Dominique Naudin": "Adjointe au maire",  # the declared civility wins over "adjoint"
        "Géraldine Chollet": "Conseillère municipale",
        "Clément Savin": "Conseiller municipal",
    }


def test_an_act_shows_its_online_date_and_the_sha256_of_its_file(content, no_caldav):
    expected = hashlib.sha256(content.document.file.open("rb").read()).hexdigest()
    html = fetch(Client(), path_of(content.act)).content.decode()
    assert expected in html
    assert "Mis en ligne le" in html and timezone.localdate().strftime("%Y") in html
    assert content.document.url in html
    index = fetch(Client(), "/vie-municipale/actes/?type=deliberation").content.decode()
    assert "Budget de Alphaville" in index
    assert "Budget de" not in fetch(Client(), "/vie-municipale/actes/?type=arrete").content.decode()


def test_a_replaced_file_gets_its_new_hash(content):
    from django.core.files.base import ContentFile

    from .content import pdf_bytes

    document = content.document
    document.file.save("nouveau.pdf", ContentFile(pdf_bytes("version 2")), save=False)
    document._set_document_file_metadata()
    document.save()
    assert content.act.sha256() == hashlib.sha256(pdf_bytes("version 2")).hexdigest()


def test_the_contact_form_mails_the_mairie_address_from_the_registry(sites, no_caldav):
    client = Client(enforce_csrf_checks=True)
    page = fetch(client, "/demarches/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    data = {"csrfmiddlewaretoken": token, "name": "Jeanne Habitante",
            "email": "jeanne@example.org", "subject": "Salle des fêtes",
            "message": "Bonjour, la salle est-elle libre le 12 ?"}
    response = client.post("/demarches/", data, HTTP_HOST="alphaville.localhost")
    assert response.status_code == 302 and response["Location"].endswith("?envoye=1#formulaire")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mairie@alphaville.example.fr"]
    assert sent.subject == "[Site de Alphaville] Salle des fêtes"
    assert "jeanne@example.org" in sent.body and "libre le 12" in sent.body
    confirmation = fetch(client, "/demarches/?envoye=1").content.decode()
    assert "bien été envoyé" in confirmation


def test_the_contact_form_refuses_a_flood_from_one_address(sites, no_caldav, settings):
    settings.MUTUALIS_CONTACT_MAX_MESSAGES = 2
    data = {"name": "Jeanne Habitante", "email": "jeanne@example.org", "subject": "Salle",
            "message": "Bonjour"}
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [client.post("/demarches/", data, HTTP_HOST="alphaville.localhost").status_code
             for _ in range(3)]
    assert codes == [302, 302, 429] and len(mail.outbox) == 2
    refused = client.post("/demarches/", data, HTTP_HOST="alphaville.localhost")
    assert "réessayez dans une heure" in refused.content.decode()
    # Another address, and the same address on another commune's site, are not affected.
    assert Client(REMOTE_ADDR="203.0.113.8").post(
        "/demarches/", data, HTTP_HOST="alphaville.localhost").status_code == 302
    assert client.post("/demarches/", data, HTTP_HOST="bravoville.localhost").status_code == 302
    assert len(mail.outbox) == 4


def test_an_invalid_message_is_not_sent_and_says_why(sites, no_caldav):
    response = Client().post("/demarches/", {"name": "", "email": "pas-une-adresse",
                                              "subject": "x", "message": "y"},
                             HTTP_HOST="alphaville.localhost")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Champ requis." in html and "Saisissez une adresse de courriel valide." in html
    assert not mail.outbox


def test_the_agenda_reads_the_members_caldav_calendar_and_caches_it(sites, caldav):
    code = sites.members[0].code
    client_dav = CalDAV(caldav.url, caldav.admin_user, caldav.admin_password)
    client_dav.create_calendar(calendar_id(code, PUBLIC_CALENDAR), "Agenda — Alphaville")
    client_dav.close()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    upsert_event(code, PUBLIC_CALENDAR, Event("fete-1", "Fête du village", start,
                                              start + timedelta(hours=4), "Place de l'église",
                                              "Bal et feu d'artifice"))
    html = fetch(Client(), "/agenda/").content.decode()
    assert "Fête du village" in html and "Place de l&#x27;église" in html
    assert "Fête du village" in fetch(Client(), "/").content.decode()  # home: upcoming
    # Cached per site: a new event shows only once the cache expires.
    upsert_event(code, PUBLIC_CALENDAR, Event("loto-1", "Loto", start, start + timedelta(hours=2)))
    NewsPage.objects.first().save_revision().publish()  # pages change, events stay cached
    assert "Loto" not in fetch(Client(), "/agenda/").content.decode()
    assert "Fête du village" not in fetch(Client(), "/agenda/",
                                          host="bravoville.localhost").content.decode()


def test_an_unreachable_caldav_gives_an_empty_agenda_with_a_message(sites, no_caldav):
    response = fetch(Client(), "/agenda/")
    assert response.status_code == 200
    assert "L'agenda est momentanément indisponible" in response.content.decode()


def test_pages_are_cached_per_site_and_refreshed_on_publish(sites, no_caldav):
    client = Client()
    assert fetch(client, "/actualites/")["X-Mutualis-Cache"] == "miss"
    assert fetch(client, "/actualites/")["X-Mutualis-Cache"] == "hit"
    assert fetch(client, "/actualites/", host="bravoville.localhost")[
        "X-Mutualis-Cache"] == "miss"
    member = MemberSite.objects.get(code=sites.members[0].code)
    news = NewsPage.objects.descendant_of(member.site.root_page).get()
    news.title = "Nouvelle fête"
    news.save_revision().publish()
    response = fetch(client, "/actualites/")
    assert response["X-Mutualis-Cache"] == "miss" and "Nouvelle fête" in response.content.decode()
    assert fetch(client, "/actualites/", host="bravoville.localhost")["X-Mutualis-Cache"] == "hit"


def test_the_theme_uses_the_communes_colours_with_readable_text(sites, no_caldav):
    member = MemberSite.objects.get(code=sites.members[0].code)
    settings = CommuneSettings.for_site(member.site)
    settings.primary_color, settings.secondary_color = "#ffd23f", "#0b3d2e"  # yellow, dark green
    settings.save()
    html = fetch(Client(), "/").content.decode()
    href = re.search(r'<link rel="stylesheet" href="(/_theme/\?v=\w+)">', html)[1]
    css = fetch(Client(), href).content.decode()
    values = dict(re.findall(r"--([a-z-]+):(#[0-9a-f]{6})", css))
    assert values["primary"] == "#ffd23f" and values["on-primary"] == "#000000"
    assert values["on-secondary"] == "#ffffff"
    assert contrast(values["link"], "#ffffff") >= 4.5  # the yellow darkened for links
    assert "Marianne" not in css and "dsfr" not in css.lower()


def test_an_alert_shows_on_its_own_site_only(content, no_caldav):
    assert "route barrée" in fetch(Client(), "/contact/").content.decode()
    assert "route barrée" not in fetch(Client(), "/contact/",
                                       host="bravoville.localhost").content.decode()
