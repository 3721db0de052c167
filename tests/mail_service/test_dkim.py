"""DKIM on the session's real Postfix, OpenDKIM and Dovecot: `mutualis mail dns` prints a
member domain's records (making its key), a message sent through our Postfix arrives signed,
and dkimpy — an implementation of its own, not OpenDKIM's — verifies the signature against
the printed DKIM record (fed through dkimpy's dnsfunc, as a resolver would give it)."""

from __future__ import annotations

import email
import re
import smtplib
import stat
import time

import dkim as dkimpy
import pytest

from mail_service import dkim
from mutualis.cli import main

from .conftest import DOMAIN, MEMBER
from .test_shared_mail import PASSWORD, imap, message, subject_of, submit, wait_for


@pytest.fixture
def printed(mail_slapd, mail_servers, settings, capsys) -> dict[str, str]:
    """`mutualis mail dns 79174`, its records by name (TXT strings joined)."""
    settings.MUTUALIS_LDAP = mail_slapd.settings()
    settings.MUTUALIS_MAIL = mail_servers.settings()
    assert main(["mail", "dns", MEMBER]) == 0
    out = capsys.readouterr().out
    records = {}
    for line in out.splitlines():
        if line.startswith(";"):
            continue
        name = line.split()[0].rstrip(".")
        records[name] = "".join(re.findall(r'"([^"]*)"', line))
    return {"output": out, **records}


def raw_message(servers, person, subject: str) -> bytes:
    box = imap(servers, person)
    try:
        box.select("INBOX", readonly=True)
        _, data = box.search(None, "SUBJECT", f'"{subject}"')
        _, parts = box.fetch(data[0].split()[-1], "(BODY.PEEK[])")
        return parts[0][1]
    finally:
        box.logout()


def signed_copy(servers, send, person, subject_prefix: str, timeout: float = 10.0):
    """Send (again) until the copy received is signed: OpenDKIM reads a new key on the
    SIGUSR1 `mail dns` sent it, a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        subject = subject_of(subject_prefix)
        send(subject)
        wait_for(servers, person, subject)
        raw = raw_message(servers, person, subject)
        if b"DKIM-Signature:" in raw or time.monotonic() > deadline:
            return raw
        time.sleep(0.2)


def dns_of(printed: dict[str, str]):
    def dnsfunc(name, timeout=5):
        return printed.get(name.decode().rstrip("."), "").encode() or None
    return dnsfunc


def test_the_printed_records_and_a_signed_message_that_dkimpy_verifies(
        mail_servers, mail_directory, printed):
    selector_name = f"{dkim.SELECTOR}._domainkey.{DOMAIN}"
    assert printed[DOMAIN] == "v=spf1 mx -all"
    assert printed[selector_name].startswith("v=DKIM1; k=rsa; p=MII")
    assert printed[f"_dmarc.{DOMAIN}"].startswith("v=DMARC1; p=quarantine")
    key = dkim.key_path(mail_servers.dkim.directory, DOMAIN)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in printed["output"]

    alice = mail_directory.add_person("alice", PASSWORD)
    bob = mail_directory.add_person("bob", PASSWORD)
    raw = signed_copy(mail_servers, lambda s: submit(
        mail_servers, alice, message(alice.address, bob.address, s)), bob, "Signed")
    assert b"DKIM-Signature:" in raw, raw[:2000]
    signature = re.sub(r"\s+", "", email.message_from_bytes(raw)["DKIM-Signature"])
    assert f"d={DOMAIN};" in signature and f"s={dkim.SELECTOR};" in signature
    assert dkimpy.verify(raw, dnsfunc=dns_of(printed))
    # The same check fails on a message changed on the way, and on another key.
    assert not dkimpy.verify(raw.replace(b"convoqu", b"annul"), dnsfunc=dns_of(printed))
    other = dict(printed, **{selector_name: printed[selector_name][:-12] + "AAAAAAAAAAAA"})
    assert not dkimpy.verify(raw, dnsfunc=dns_of(other))


def test_the_applications_mail_is_signed_for_a_member_domain_only(
        mail_servers, mail_directory, printed):
    bob = mail_directory.add_person("bob", PASSWORD)

    def inject(sender: str):
        def send(subject: str) -> None:
            with smtplib.SMTP(mail_servers.host, mail_servers.injection_port, timeout=10) as s:
                s.send_message(message(sender, bob.address, subject))
        return send

    raw = signed_copy(mail_servers, inject(f"mairie@{DOMAIN}"), bob, "Convocation")
    assert dkimpy.verify(raw, dnsfunc=dns_of(printed))
    subject = subject_of("Hors domaine")
    inject("ne-pas-repondre@paysmellois.example")(subject)
    wait_for(mail_servers, bob, subject)
    assert b"DKIM-Signature:" not in raw_message(mail_servers, bob, subject)


def test_a_member_without_mail_gets_one_sentence(mail_slapd, mail_servers, settings, capsys):
    settings.MUTUALIS_LDAP = mail_slapd.settings()
    settings.MUTUALIS_MAIL = mail_servers.settings()
    assert main(["mail", "dns", "79999"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: member 79999: no mail domain in the directory (does it subscribe to "
        "messagerie, and was the inventory applied?)")
