"""The mail servers as `mutualis services start` records them: Django's mail goes through
our Postfix (its loopback injection port) when they are recorded, and an inventory whose
mail backend is `embedded` goes without mail, saying why, when they could not start."""

from __future__ import annotations

import logging

import pytest
from django.core.mail import EmailMessage

from mail_service.backend import EmailBackend
from mail_service.driver import MailDriver
from provisioning.backends import write_embedded_services
from provisioning.engine import load_drivers
from provisioning.loader import parse_inventory

from .test_dkim import raw_message
from .test_shared_mail import PASSWORD, subject_of, wait_for

INVENTORY = """\
syndicate: {name: Syndicat mixte Pays Mellois Numérique, siren: "257900126",
            domain: paysmellois.test}
backends:
  ldap: {url: embedded}
  mail: {url: embedded}
members: []
"""


@pytest.mark.django_db
def test_djangos_mail_goes_through_our_postfix_when_it_runs(mail_server, mail_servers,
                                                            mail_directory, settings,
                                                            tmp_path):
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path
    write_embedded_services({"mail": mail_server.settings(),
                             "mail-server": mail_servers.settings()})
    bob = mail_directory.add_person("bob", PASSWORD)
    subject = subject_of("Convocation")
    sent = EmailBackend().send_messages([EmailMessage(subject, "Texte",
                                                      "ne-pas-repondre@paysmellois.test",
                                                      [bob.address])])
    assert sent == 1
    assert subject in wait_for(mail_servers, bob, subject)  # in Dovecot, not the catcher
    assert b"by mail.mutualis.test (Postfix)" in raw_message(mail_servers, bob, subject)


def test_servers_that_could_not_start_leave_the_mail_out_saying_why(mail_slapd, settings,
                                                                     tmp_path, caplog):
    settings.VAR_DIR = tmp_path
    write_embedded_services({"ldap": mail_slapd.settings(), "mail-server": {
        "error": "Postfix runs as root (...)"}})
    inventory = parse_inventory(INVENTORY, "mail.yml")
    with caplog.at_level(logging.WARNING):
        drivers = load_drivers(inventory)
    assert not any(isinstance(d, MailDriver) for d in drivers)
    assert ("backend mail is 'embedded' but its embedded server did not start: Postfix "
            "runs as root (...); its resources are left out") in caplog.text
    write_embedded_services({"ldap": mail_slapd.settings(), "mail-server": {
        "backend": {**mail_slapd.settings(), "dovecot_dir": str(tmp_path)}}})
    [mail] = [d for d in load_drivers(inventory) if isinstance(d, MailDriver)]
    assert mail.dovecot_dir == tmp_path
