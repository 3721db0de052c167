"""Shared mail on real servers: slapd holds the people and lists, Postfix reads its maps from
it live, Dovecot checks passwords by binding as the person and delivers over LMTP.

Each test sends with smtplib on the submission port (STARTTLS, then AUTH as the person) or
on the MX port, and reads back with imaplib as the recipient.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage

import pytest

from .conftest import DOMAIN, add_shared_mailbox

PASSWORD = "correct horse battery"


def tls_context(servers) -> ssl.SSLContext:
    """Trust the demo certificate only, and check the server's name against it."""
    return ssl.create_default_context(cafile=str(servers.tls.cert))


def message(sender: str, to: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content("Bonjour,\nla séance est convoquée.\n")
    return msg


def submit(servers, person, msg: EmailMessage, sender: str | None = None) -> None:
    with smtplib.SMTP(servers.host, servers.submission_port, timeout=10) as smtp:
        smtp.starttls(context=tls_context(servers))
        smtp.login(person.uid, person.password)
        smtp.send_message(msg, from_addr=sender or person.address)


def imap(servers, person) -> imaplib.IMAP4:
    box = imaplib.IMAP4(servers.host, servers.imap_port, timeout=10)
    box.starttls(ssl_context=tls_context(servers))
    box.login(person.uid, person.password)
    return box


def subjects(servers, person) -> list[str]:
    box = imap(servers, person)
    try:
        box.select("INBOX", readonly=True)
        _, data = box.search(None, "ALL")
        found = []
        for num in data[0].split():
            _, parts = box.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            header = email.message_from_bytes(parts[0][1], policy=email.policy.default)
            found.append(str(header["Subject"]))
        return found
    finally:
        box.logout()


def wait_for(servers, person, subject: str, timeout: float = 20.0) -> list[str]:
    """The recipient's subjects once `subject` is among them (delivery is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        found = subjects(servers, person)
        if subject in found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{subject!r} not delivered to {person.uid} within "
                                 f"{timeout}s (inbox: {found}); "
                                 f"Postfix log: {servers.postfix.log.read_text()[-1500:]}")
        time.sleep(0.1)


def subject_of(test: str) -> str:
    return f"{test} {uuid.uuid4().hex[:8]}"


def test_a_person_sends_to_another_who_reads_it_over_imap(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    subject = subject_of("Convocation")
    submit(mail_servers, alice, message(alice.address, bob.address, subject))
    assert subject in wait_for(mail_servers, bob, subject)
    assert subject not in subjects(mail_servers, alice)
    # One Maildir, the uid's, under the instance's directory.
    assert list((mail_servers.dovecot.maildir(bob.uid) / "new").iterdir())


def test_the_maps_answer_only_the_looked_up_key(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    mail_directory.add_person("bob", PASSWORD)
    postfix = mail_servers.postfix
    assert postfix.postmap_query("ldap-domains.cf", DOMAIN) == DOMAIN
    assert postfix.postmap_query("ldap-domains.cf", "example.org") is None
    assert postfix.postmap_query("ldap-mailboxes.cf", alice.address) == alice.address
    assert postfix.postmap_query("ldap-aliases.cf", alice.address) == alice.address
    assert postfix.postmap_query("ldap-senders.cf", alice.address) == alice.uid
    assert postfix.postmap_query("ldap-mailboxes.cf", f"nobody@{DOMAIN}") is None
    # A filter character in the key is quoted, not interpreted.
    assert postfix.postmap_query("ldap-mailboxes.cf", f"*@{DOMAIN}") is None


def test_relaying_to_an_outside_domain_without_authentication_is_refused(mail_servers,
                                                                        mail_directory):
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("someone@example.org")
        code, reply = smtp.rcpt("victim@example.com")
    assert code == 554 and b"Relay access denied" in reply


def test_the_submission_port_wants_tls_then_authentication(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    with smtplib.SMTP(mail_servers.host, mail_servers.submission_port, timeout=10) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")  # no AUTH before STARTTLS
        code, _ = smtp.mail(alice.address)
        assert code == 530  # "Must issue a STARTTLS command first"
    with smtplib.SMTP(mail_servers.host, mail_servers.submission_port, timeout=10) as smtp:
        smtp.starttls(context=tls_context(mail_servers))
        smtp.ehlo()
        assert smtp.has_extn("auth")
        smtp.mail(alice.address)
        code, _ = smtp.rcpt("victim@example.com")
        assert code == 554  # no AUTH: refused (smtpd_client_restrictions)


def test_mail_for_an_address_nobody_has_is_refused(mail_servers, mail_directory):
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("someone@example.org")
        code, reply = smtp.rcpt(f"personne-{uuid.uuid4().hex[:6]}@{DOMAIN}")
    assert code == 550 and b"User unknown" in reply


def test_a_mailbox_that_receives_nothing_refuses_mail(mail_servers, mail_directory):
    gone = mail_directory.add_person("parti", PASSWORD, routing="")
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("someone@example.org")
        code, _ = smtp.rcpt(gone.address)
    assert code == 550


def test_sending_as_another_person_is_refused(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        submit(mail_servers, alice, message(bob.address, bob.address, "Usurpation"),
               sender=bob.address)
    [(code, reply)] = refused.value.recipients.values()
    assert code == 553 and b"not owned by user" in reply


def test_an_outsider_may_not_claim_one_of_our_addresses(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail(alice.address)
        code, _ = smtp.rcpt(bob.address)
    assert code == 553


def test_a_wrong_password_fails_and_counts_in_the_password_policy(mail_servers,
                                                                 mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    with smtplib.SMTP(mail_servers.host, mail_servers.submission_port, timeout=10) as smtp:
        smtp.starttls(context=tls_context(mail_servers))
        smtp.ehlo()
        smtp.user, smtp.password = alice.uid, "not the password"
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.auth("PLAIN", smtp.auth_plain)  # one attempt (login() tries each mechanism)
    box = imaplib.IMAP4(mail_servers.host, mail_servers.imap_port, timeout=10)
    box.starttls(ssl_context=tls_context(mail_servers))
    with pytest.raises(imaplib.IMAP4.error):
        box.login(alice.uid, "still not it")
    box.logout()
    # slapd saw both binds fail: its ppolicy overlay recorded them on the person's entry.
    failures = mail_directory.entry(alice.dn, ["pwdFailureTime"]).get("pwdFailureTime", [])
    assert len(failures) == 2


def test_a_locked_account_cannot_log_in_even_with_its_password(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    for _ in range(5):  # the policy's pwdMaxFailure
        box = imaplib.IMAP4(mail_servers.host, mail_servers.imap_port, timeout=10)
        with pytest.raises(imaplib.IMAP4.error):
            box.login(alice.uid, "wrong")
        box.logout()
    assert mail_directory.entry(alice.dn, ["pwdAccountLockedTime"]).get("pwdAccountLockedTime")
    with pytest.raises(imaplib.IMAP4.error):
        imap(mail_servers, alice)


def test_a_list_delivers_to_every_member_and_follows_the_group(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    carol = mail_directory.add_person("carol", PASSWORD)
    dave = mail_directory.add_person("dave", PASSWORD)
    elus = mail_directory.add_list("elus", [alice, bob])
    first = subject_of("Ordre du jour")
    submit(mail_servers, carol, message(carol.address, elus, first))
    assert first in wait_for(mail_servers, alice, first)
    assert first in wait_for(mail_servers, bob, first)
    mail_directory.add_to_list(elus, dave)  # read live: no reload of Postfix
    second = subject_of("Ordre du jour")
    submit(mail_servers, carol, message(carol.address, elus, second))
    for member in (alice, bob, dave):
        assert second in wait_for(mail_servers, member, second)
    assert first not in subjects(mail_servers, dave)
    assert second not in subjects(mail_servers, carol)


def test_a_forwarded_address_reaches_the_other_mailbox(mail_servers, mail_directory):
    mairie = mail_directory.add_person("mairie", PASSWORD)
    gone = mail_directory.add_person("parti", PASSWORD, routing=mairie.address)
    carol = mail_directory.add_person("carol", PASSWORD)
    subject = subject_of("Pour l'ancien secrétaire")
    submit(mail_servers, carol, message(carol.address, gone.address, subject))
    assert subject in wait_for(mail_servers, mairie, subject)


def test_a_full_mailbox_refuses_the_next_message(mail_servers, mail_directory):
    small = mail_directory.add_person("petit", PASSWORD, quota_kb=4)  # mailQuota: kilobytes
    carol = mail_directory.add_person("carol", PASSWORD)

    def big(subject: str) -> EmailMessage:
        msg = message(carol.address, small.address, subject)
        msg.set_content("x" * 2500)
        return msg

    first, second = subject_of("Premier"), subject_of("Second")
    submit(mail_servers, carol, big(first))  # about 3 kB of 4: it fits
    assert first in wait_for(mail_servers, small, first)
    # A second one would exceed the quota: Dovecot's LMTP refuses it, Postfix bounces it.
    submit(mail_servers, carol, big(second))
    wait_for(mail_servers, carol, "Undelivered Mail Returned to Sender")
    assert subjects(mail_servers, small) == [first]
    assert "Quota exceeded" in mail_servers.postfix.log.read_text()


def test_mail_waits_in_postfix_while_dovecot_is_down(mail_servers, mail_directory):
    bob = mail_directory.add_person("bob", PASSWORD)
    before = subject_of("Avant")
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.send_message(message("someone@example.org", bob.address, before))
    wait_for(mail_servers, bob, before)
    during = subject_of("Pendant la panne")
    mail_servers.dovecot.stop()
    try:
        with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
            smtp.send_message(message("someone@example.org", bob.address, during))
        deadline = time.monotonic() + 20
        while not any(m["queue_name"] == "deferred" for m in mail_servers.postfix.queue()):
            assert time.monotonic() < deadline, mail_servers.postfix.queue()
            time.sleep(0.1)
    finally:
        mail_servers.dovecot.start()
    mail_servers.postfix.flush()
    # Delivered once Dovecot is back, next to the mail it held before (kept on restart).
    assert {before, during} <= set(wait_for(mail_servers, bob, during))


def test_a_shared_mailbox_is_one_copy_its_readers_share(mail_servers, mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    carol = mail_directory.add_person("carol", PASSWORD)
    uid, mairie = add_shared_mailbox(mail_directory, mail_servers, "mairie", [alice, bob])
    subject = subject_of("Demande d'état civil")
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.send_message(message("habitant@example.org", mairie, subject))
    folder = f"shared/{uid}/INBOX"

    def flags(person) -> tuple[list[str], bytes]:
        box = imap(mail_servers, person)
        try:
            typ, _ = box.select(f'"{folder}"')
            assert typ == "OK", (person.uid, typ)
            _, data = box.search(None, "ALL")
            numbers = data[0].split()
            subjects_, found = [], b""
            for num in numbers:
                _, parts = box.fetch(num, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                header = email.message_from_bytes(parts[0][1], policy=email.policy.default)
                subjects_.append(str(header["Subject"]))
                found += parts[0][0]
            return subjects_, found
        finally:
            box.logout()

    deadline = time.monotonic() + 20
    while subject not in flags(alice)[0]:
        assert time.monotonic() < deadline, mail_servers.postfix.log.read_text()[-1500:]
        time.sleep(0.1)
    # Alice flags it; Bob, reading the same mailbox, sees her flag.
    box = imap(mail_servers, alice)
    box.select(f'"{folder}"')
    box.store(b"1", "+FLAGS", "\\Flagged")
    box.logout()
    assert b"\\Flagged" in flags(bob)[1]
    # One copy: neither reader got it in their own inbox; Carol may not open it.
    assert subject not in subjects(mail_servers, alice) + subjects(mail_servers, bob)
    box = imap(mail_servers, carol)
    typ, _ = box.select(f'"{folder}"')
    box.logout()
    assert typ == "NO"


def test_readers_send_as_the_shared_mailbox_and_nobody_else_does(mail_servers,
                                                                   mail_directory):
    alice = mail_directory.add_person("alice", PASSWORD)
    carol = mail_directory.add_person("carol", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    _, mairie = add_shared_mailbox(mail_directory, mail_servers, "mairie", [alice])
    elus = mail_directory.add_list("elus", [alice, carol])
    subject = subject_of("Au nom de la mairie")
    submit(mail_servers, alice, message(mairie, bob.address, subject), sender=mairie)
    assert subject in wait_for(mail_servers, bob, subject)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        submit(mail_servers, carol, message(mairie, bob.address, "Non"), sender=mairie)
    with pytest.raises(smtplib.SMTPRecipientsRefused):  # a list gives no right to send as it
        submit(mail_servers, carol, message(elus, bob.address, "Non"), sender=elus)
