"""Who lands where, on which host: the portal's rules read from the registry (the browser
journeys walk the same paths in Chromium on the demo)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from portal.welcome import send_welcome_mails
from provisioning.models import RegistryMember
from tests.factories import add_person

pytestmark = pytest.mark.django_db

MELLE, CELLES = "melle.localhost", "celles.localhost"


@pytest.fixture
def registry():
    melle = RegistryMember.objects.create(code="79174", name="Melle", kind="commune",
                                          slug="melle", hostname=MELLE,
                                          services=["website", "convocation", "parapheur"])
    celles = RegistryMember.objects.create(code="79061", name="Celles-sur-Belle",
                                           kind="commune", slug="celles", hostname=CELLES,
                                           services=["website"])

    def person(uid, member, roles, given="Prénom"):
        return add_person(member, uid, given, uid.capitalize(), roles, civility="mme",
                          assemblies=["conseil-municipal"])

    person("maire", melle, ["maire"])
    person("adjointe", melle, ["adjoint"])
    person("dgs", melle, ["dgs"])
    person("agent", celles, ["agent"])
    return melle, celles


def client_for(client, uid):
    user, _ = get_user_model().objects.get_or_create(username=uid)
    client.force_login(user)
    return client


@pytest.mark.parametrize("uid, host, landing", [
    ("maire", MELLE, "/espace-elus/"),
    ("dgs", MELLE, "/admin/"),
    ("dgs", "127.0.0.1", "/admin/"),
    ("agent", CELLES, "/admin/"),
])
def test_each_person_lands_where_they_work(client, registry, uid, host, landing):
    response = client_for(client, uid).get("/connexion/suite/", HTTP_HOST=host)
    assert response.status_code == 302 and response["Location"] == landing


@pytest.mark.parametrize("uid, host, told", [
    ("agent", MELLE, "Celles-sur-Belle"),  # another commune's staff on Melle's host
    ("maire", "127.0.0.1", "Melle"),  # an official on the syndicate's host
    ("maire", CELLES, "Melle"),
])
def test_a_person_with_no_place_here_is_told_where_they_have_one(client, registry, uid, host,
                                                                 told):
    response = client_for(client, uid).get("/connexion/suite/", HTTP_HOST=host)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Aucun espace ici" in page and told in page and "/connexion/" in page


def test_the_officials_space_is_theirs_on_their_host_only(client, registry):
    maire = client_for(client, "maire")
    page = maire.get("/espace-elus/", HTTP_HOST=MELLE)
    assert page.status_code == 200
    assert "Espace des élus" in page.content.decode() and "Maire" in page.content.decode()
    assert maire.get("/espace-elus/", HTTP_HOST=CELLES).status_code == 403
    adjointe = client_for(client, "adjointe").get("/espace-elus/", HTTP_HOST=MELLE)
    assert "Adjointe au maire" in adjointe.content.decode()
    # The DGS is staff: her space is the admin.
    dgs = client_for(client, "dgs").get("/espace-elus/", HTTP_HOST=MELLE)
    assert dgs.status_code == 302 and dgs["Location"] == "/admin/"


def test_anonymous_visitors_are_sent_to_the_login_page_of_the_host(client, registry):
    response = client.get("/espace-elus/", HTTP_HOST=MELLE)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")
    login = client.get("/connexion/", HTTP_HOST=MELLE).content.decode()
    assert "Élus et agents de Melle" in login


def test_another_officials_convocation_cannot_be_opened(client, registry):
    response = client_for(client, "maire").post("/espace-elus/convocations/999/",
                                                HTTP_HOST=MELLE)
    assert response.status_code == 404


def test_the_welcome_mail_carries_the_uid_the_link_and_where_to_log_in(registry, settings):
    settings.MUTUALIS_BASE_URL = "https://mutualis.example.fr"
    link = "https://mutualis.example.fr/activation/jeton/"
    assert send_welcome_mails({"maire": link, "inconnu": link}) == 1
    [message] = mail.outbox
    assert message.to == ["maire@example.fr"]
    assert "Votre identifiant est : maire" in message.body and link in message.body
    assert "Melle : https://melle.localhost/connexion/" in message.body


def test_a_welcome_mail_that_cannot_leave_never_undoes_the_account(registry, settings, caplog):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False  # and this test's var/ has no mail server
    assert send_welcome_mails({"maire": "https://mutualis.example.fr/activation/x/"}) == 0
    assert "passwd-link UID --mail" in caplog.text


def test_welcome_mails_cost_a_few_queries_whatever_their_number(registry, settings,
                                                               django_assert_max_num_queries):
    links = {uid: f"https://mutualis.example.fr/activation/{uid}/"
             for uid in ("maire", "adjointe", "dgs", "agent")}
    with django_assert_max_num_queries(2):  # the people, then their seats
        assert send_welcome_mails(links) == 4
    assert "valable 7 jours" in mail.outbox[0].body
