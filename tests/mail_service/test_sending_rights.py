"""Who may send as which address, on the session's real Postfix (its sender login map read
from the directory), beyond what test_shared_mail.py covers (another person, a shared
mailbox's readers, a list): a person of two members sends as either of their addresses, an
authenticated person may not send as an address that is nobody's here (an outside one),
and the application's loopback injection port, which takes mail without a login, refuses
a person's address as its sender.

Not checked by Postfix (said here so that nobody believes it is): the From: header. The
checks are on the SMTP envelope's sender (MAIL FROM), as smtpd_sender_login_maps works."""

from __future__ import annotations

import smtplib

import ldap
import pytest

from .conftest import DOMAIN
from .test_shared_mail import PASSWORD, message, subject_of, submit, wait_for


def test_a_person_of_two_members_sends_as_either_address(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    second = f"{alice.uid}.elue@{DOMAIN}"
    mail_directory.conn.modify_s(alice.dn, [(ldap.MOD_ADD, "mailLocalAddress",
                                             [second.encode()])])
    subject = subject_of("Au titre de la CC")
    submit(mail_servers, alice, message(second, bob.address, subject), sender=second)
    assert subject in wait_for(mail_servers, bob, subject)


def test_an_authenticated_person_may_not_send_as_an_outside_address(mail_servers,
                                                                     mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        submit(mail_servers, alice, message("alice@ailleurs.example", bob.address, "Non"),
               sender="alice@ailleurs.example")
    [(code, reply)] = refused.value.recipients.values()
    assert code == 553 and b"not owned by user" in reply


def test_the_injection_port_refuses_a_persons_address_and_takes_the_applications(
        mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    with smtplib.SMTP(mail_servers.host, mail_servers.injection_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail(alice.address)
        code, reply = smtp.rcpt(bob.address)
        assert code == 553 and b"not logged in" in reply, reply
        smtp.rset()
        subject = subject_of("Convocation")
        smtp.send_message(message("ne-pas-repondre@paysmellois.example", bob.address, subject))
    assert subject in wait_for(mail_servers, bob, subject)
