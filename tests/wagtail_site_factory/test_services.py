"""publish_act and publish_sitting: an app puts an act online, or announces a sitting, on a
member's website."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from provisioning.drivers import ProvisioningError
from wagtail_site_factory.models import ActPage, MunicipalLifePage, SittingPage
from wagtail_site_factory.services import publish_act, publish_sitting

PDF = b"%PDF-1.4\n% liste des deliberations\n%%EOF\n"


def test_an_act_goes_online_with_its_hash_once(sites, settings):
    settings.MUTUALIS_BASE_URL = "http://127.0.0.1:8000"
    member = sites.members[0]
    url = publish_act(member.code, "deliberation", "Liste des délibérations du 3 mars",
                      date(2026, 3, 3), "deliberations.pdf", PDF)
    page = ActPage.objects.get(title="Liste des délibérations du 3 mars")
    path = page.relative_url(page.get_site())
    assert url == f"http://{member.hostname}:8000{path}"  # the port of the demo kept
    assert page.live and page.get_site().hostname == member.hostname
    html = Client().get(page.url, HTTP_HOST=member.hostname).content.decode()
    assert hashlib.sha256(PDF).hexdigest() in html
    assert page.document.file.read() == PDF
    # Publishing it again (a retried task) changes nothing.
    again = publish_act(member.code, "deliberation", "Liste des délibérations du 3 mars",
                        date(2026, 3, 3), "deliberations.pdf", b"%PDF-other")
    assert again == url and ActPage.objects.count() == 1


@pytest.mark.django_db
def test_a_member_without_a_website_is_a_clear_error():
    with pytest.raises(ProvisioningError, match="le membre 79999 n'a pas de site internet"):
        publish_act("79999", "deliberation", "x", date(2026, 3, 3), "x.pdf", PDF)


def test_an_unknown_kind_is_refused(sites):
    with pytest.raises(ProvisioningError, match="« loi » n'est pas une nature d'acte"):
        publish_act(sites.members[0].code, "loi", "x", date(2026, 3, 3), "x.pdf", PDF)


def test_a_sitting_is_announced_once_and_updated_in_place(sites, settings):
    settings.MUTUALIS_BASE_URL = "http://127.0.0.1:8000"  # the demo's address and port
    member = sites.members[0]
    start = datetime(2026, 3, 12, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))
    url = publish_sitting(member.code, "conseil-municipal-7", "Conseil municipal du 12 mars",
                          start, "Salle du conseil", ["Budget primitif", "Tarifs <cantine>"])
    assert url == (f"http://{member.hostname}:8000/vie-municipale/"
                   "seance-conseil-municipal-7/")
    page = SittingPage.objects.get()
    assert page.live and page.get_parent().specific_class is MunicipalLifePage
    visitor = Client()
    shown = visitor.get(page.url, HTTP_HOST=member.hostname).content.decode()
    assert "Salle du conseil" in shown and "<li>Tarifs &lt;cantine&gt;</li>" in shown
    life = visitor.get("/vie-municipale/", HTTP_HOST=member.hostname).content.decode()
    assert "Aucune séance n&#x27;est annoncée" not in life
    assert "Conseil municipal du 12 mars" in life

    # Published again unchanged: the same page, no new revision; changed: updated in place.
    revisions = page.revisions.count()
    assert publish_sitting(member.code, "conseil-municipal-7", "Conseil municipal du 12 mars",
                           start, "Salle du conseil", ["Budget primitif", "Tarifs <cantine>"]
                           ) == url
    assert page.revisions.count() == revisions
    publish_sitting(member.code, "conseil-municipal-7", "Conseil municipal du 12 mars", start,
                    "Salle des fêtes", ["Budget primitif"])
    page.refresh_from_db()
    assert SittingPage.objects.count() == 1 and page.place == "Salle des fêtes"
    assert "Salle des fêtes" in visitor.get(page.url, HTTP_HOST=member.hostname).content.decode()

    # An act of that sitting links to its page, and its URL keeps the port too.
    act = publish_act(member.code, "deliberation", "Liste des délibérations du 12 mars",
                      date(2026, 3, 12), "deliberations.pdf", PDF,
                      sitting_key="conseil-municipal-7")
    assert act.startswith(f"http://{member.hostname}:8000/vie-municipale/actes/")
    assert ActPage.objects.get().sitting_id == page.pk


@pytest.mark.django_db
def test_a_sitting_needs_a_website():
    with pytest.raises(ProvisioningError, match="le membre 79999 n'a pas de site internet"):
        publish_sitting("79999", "k", "x", datetime(2026, 3, 12, tzinfo=ZoneInfo("UTC")), "x", [])
