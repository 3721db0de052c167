"""Django's mail backend: mail sent by Django really goes through the demo mail server and
lands in its Maildir; the operator's server wins when configured; one French sentence when
there is no server or it does not answer."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail import EmailMessage, get_connection, send_mail

from mail_service import maildir
from mail_service.backend import EmailBackend, MailError
from provisioning.backends import free_port, write_embedded_services
from provisioning.drivers import ProvisioningError
from provisioning.models import RegistrySyndicate

from .conftest import address

# The backend reads the inventory's `smtp` backend from the registry.
pytestmark = pytest.mark.django_db

NOT_CONFIGURED = ("Aucun serveur de courrier n'est configuré : définissez MUTUALIS_EMAIL_HOST "
                  "ou lancez `mutualis services start`.")
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mutualis//FR\r\nBEGIN:VEVENT\r\n"
       "UID:seance-79174-1@mutualis\r\nSUMMARY:Conseil municipal — Melle\r\n"
       "DTSTART:20260312T183000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_send_mail_lands_in_the_maildir(embedded_mail):
    to = address("maire")
    link = "http://melle.localhost:8000/convocation/lien/abc123/"
    sent = send_mail("Convocation : Conseil municipal — Melle",
                     f"Bonjour Éloïse,\n\nVotre convocation et le dossier de la séance : {link}",
                     "Melle <convocations@localhost>", [to])
    assert sent == 1
    [message] = maildir.messages(embedded_mail.maildir, to=to)
    assert message.envelope_to == [to]
    assert message.envelope_from == "convocations@localhost"
    assert message.subject == "Convocation : Conseil municipal — Melle"
    assert message.sender == "Melle <convocations@localhost>"
    assert message.text.startswith("Bonjour Éloïse,")
    assert message.links == [link]
    assert not message.text_from_html


def test_the_convocation_attachment_is_kept(embedded_mail):
    to = address("adjointe")
    mail = EmailMessage("Convocation", "Le dossier : http://melle.localhost:8000/d/",
                        "convocations@localhost", [to], reply_to=["mairie@melle.test"])
    mail.attach("seance.ics", ICS, "text/calendar; charset=utf-8")
    assert mail.send() == 1
    message = maildir.latest(to, embedded_mail.maildir)
    [ics] = message.attachments
    assert (ics.number, ics.filename, ics.content_type) == (1, "seance.ics", "text/calendar")
    assert ics.data.decode().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")
    assert message.header("Reply-To") == "mairie@melle.test"
    assert message.attachment("seance.ics") == ics


def test_one_mail_to_two_recipients_is_under_both(embedded_mail):
    first, second, hidden = address("a"), address("b"), address("cache")
    mail = EmailMessage("Ordre du jour", "Texte", "convocations@localhost", [first, second],
                        bcc=[hidden])
    mail.send()
    for who in (first, second, hidden):
        [message] = maildir.messages(embedded_mail.maildir, to=who)
        assert message.envelope_to == [first, second, hidden]
    # One copy in the Maildir, not one per recipient; the Bcc never shows in the headers.
    assert maildir.messages(embedded_mail.maildir, to=first)[0].key == (
        maildir.messages(embedded_mail.maildir, to=hidden)[0].key)
    message = maildir.messages(embedded_mail.maildir, to=hidden)[0]
    assert message.email["Bcc"] is None and hidden not in message.to


def test_filtering_ignores_the_case_of_the_address(embedded_mail):
    to = address("Casse")
    send_mail("Sujet", "Texte", "convocations@localhost", [to])
    assert len(maildir.messages(embedded_mail.maildir, to=to.upper())) == 1


def test_the_server_is_found_at_connection_time(mail_server, settings, tmp_path):
    """A backend made before `mutualis services start` wrote services.json still finds it."""
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path
    backend = EmailBackend()
    write_embedded_services({"mail": mail_server.settings()})
    to = address()
    assert backend.send_messages([EmailMessage("Tard", "Texte", "a@localhost", [to])]) == 1
    assert maildir.latest(to, mail_server.maildir).subject == "Tard"


def test_the_configured_server_wins(mail_server, settings, tmp_path):
    """MUTUALIS_EMAIL_HOST set: Django's EMAIL_* settings, services.json is not read."""
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = True
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mail_server.smtp_port
    settings.VAR_DIR = tmp_path  # no services.json there
    to = address("relais")
    assert send_mail("Par le relais", "Texte", "a@localhost", [to]) == 1
    assert maildir.latest(to, mail_server.maildir).subject == "Par le relais"


def test_a_host_given_to_get_connection_wins(mail_server, settings, tmp_path):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path
    to = address()
    connection = get_connection(host="127.0.0.1", port=mail_server.smtp_port)
    assert send_mail("Hôte donné", "Texte", "a@localhost", [to], connection=connection) == 1
    assert maildir.latest(to, mail_server.maildir).subject == "Hôte donné"


def test_nothing_configured_is_one_french_sentence(settings, tmp_path):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path
    with pytest.raises(MailError) as caught:
        send_mail("Sujet", "Texte", "a@localhost", [address()])
    assert str(caught.value) == NOT_CONFIGURED
    # Caught by code that catches the project's errors for people, or mail errors.
    assert isinstance(caught.value, ProvisioningError)
    assert isinstance(caught.value, smtplib.SMTPException)
    assert send_mail("Sujet", "Texte", "a@localhost", [address()], fail_silently=True) == 0


def test_an_embedded_server_that_is_gone(settings, tmp_path):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path
    port = free_port()  # nobody listens there
    write_embedded_services({"mail": {"url": f"smtp://127.0.0.1:{port}", "host": "127.0.0.1",
                                      "port": port}})
    with pytest.raises(MailError) as caught:
        send_mail("Sujet", "Texte", "a@localhost", [address()])
    assert str(caught.value) == (
        f"Le serveur de courrier de démonstration (127.0.0.1:{port}) ne répond pas : "
        "relancez `mutualis services start`.")
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


def test_a_configured_server_that_does_not_answer(settings):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = True
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with pytest.raises(MailError) as caught:
        send_mail("Sujet", "Texte", "a@localhost", [address()])
    assert str(caught.value) == (
        f"Le serveur de courrier 127.0.0.1:{settings.EMAIL_PORT} ne répond pas : vérifiez "
        "MUTUALIS_EMAIL_HOST et MUTUALIS_EMAIL_PORT.")


def test_the_inventorys_from_address_is_used_and_a_relay_it_names_is_reached(
        embedded_mail, mail_server):
    """`smtp: {from: ...}` signs the mail that leaves from the default address (the app's
    display name kept); `smtp: {host, port, password: ${VAR}}` is the server reached, its
    password read from the environment when the mail leaves."""
    RegistrySyndicate.objects.create(siren="257900126", name="Syndicat", domain="s.fr", mail={
        "url": "embedded", "from": "Pays Mellois Numérique <ne-pas-repondre@paysmellois.fr>"})
    to = address("conseiller")
    send_mail("Convocation", "Texte", "Melle <convocations@localhost>", [to])
    send_mail("Bienvenue", "Texte", None, [to])
    named, plain = maildir.messages(embedded_mail.maildir, to=to)[::-1]
    assert named.sender == "Melle <ne-pas-repondre@paysmellois.fr>"
    assert plain.sender == "Pays Mellois Numérique <ne-pas-repondre@paysmellois.fr>"
    send_mail("Autre", "Texte", "greffe@melle.test", [to])  # an app's own address: kept
    assert maildir.latest(to, embedded_mail.maildir).sender == "greffe@melle.test"

    # A relay named by the inventory (here the same server, reached through host and port).
    RegistrySyndicate.objects.update(mail={"host": "127.0.0.1", "port": mail_server.smtp_port,
                                           "password_env": "RELAIS_MOT_DE_PASSE"})
    with pytest.raises(MailError, match="variable d'environnement RELAIS_MOT_DE_PASSE"):
        send_mail("Relais", "Texte", None, [to])
    RegistrySyndicate.objects.update(mail={"host": "127.0.0.1", "port": mail_server.smtp_port})
    write_embedded_services({})  # not the embedded server: the inventory's relay
    send_mail("Relais", "Texte", None, [to])
    assert maildir.latest(to, embedded_mail.maildir).subject == "Relais"
