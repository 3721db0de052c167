"""The demo mail server as a process: its settings, its ports (the usual ones when free,
others when not), its lifecycle (a background process of its own session that stop() ends),
and a Maildir that outlives a restart."""

from __future__ import annotations

import json
import os
import smtplib
import socket
from email.message import EmailMessage

import httpx
import pytest

from mail_service import maildir, server
from mail_service.server import MailServer, MailServerError, start_mail
from provisioning.backends import free_port

from .conftest import address


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def send(mail: MailServer, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "convocations@localhost", to, subject
    message.set_content("Texte")
    with smtplib.SMTP(mail.host, mail.smtp_port) as smtp:
        smtp.send_message(message)


def test_its_settings(mail_server):
    info = mail_server.settings()
    assert json.loads(json.dumps(info)) == info
    assert info == {"url": f"smtp://127.0.0.1:{mail_server.smtp_port}", "host": "127.0.0.1",
                    "port": mail_server.smtp_port,
                    "web_url": f"http://127.0.0.1:{mail_server.web_port}/",
                    "maildir": str(mail_server.maildir)}
    assert {"new", "cur", "tmp"} <= {p.name for p in mail_server.maildir.iterdir()}


def test_it_accepts_any_recipient_and_greets_as_the_demo(mail_server):
    with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
        code, greeting = smtp.ehlo()
        assert code == 250 and b"SMTPUTF8" in greeting
        assert smtp.mail("a@localhost")[0] == 250
        for rcpt in ("personne@exemple.org", address("x"), "postmaster@localhost"):
            assert smtp.rcpt(rcpt)[0] == 250
        smtp.rset()
        refused = smtp.sendmail("a@localhost", ["élu@mairie-melle.fr", "autre@exemple.org"],
                                b"Subject: UTF-8\r\n\r\nTexte\r\n",
                                mail_options=["SMTPUTF8"])
        assert refused == {}
    assert maildir.latest("élu@mairie-melle.fr", mail_server.maildir).subject == "UTF-8"


def test_the_usual_ports_are_preferred_and_others_taken_when_busy(tmp_path, monkeypatch):
    smtp_port, web_port = free_port(), free_port()
    monkeypatch.setattr(server, "DEFAULT_SMTP_PORT", smtp_port)
    monkeypatch.setattr(server, "DEFAULT_WEB_PORT", web_port)
    with start_mail(tmp_path / "one") as one:
        assert (one.smtp_port, one.web_port) == (smtp_port, web_port)
        # Both usual ports are held by the first: the second takes others and says which.
        with start_mail(tmp_path / "two") as two:
            assert two.smtp_port not in (smtp_port, web_port)
            assert two.web_port not in (smtp_port, web_port)
            assert httpx.get(two.web_url).status_code == 200
            send(two, "a@localhost", "Au second")
        assert maildir.messages(one.maildir) == []
        assert maildir.latest("a@localhost", two.maildir).subject == "Au second"


def test_a_required_port_that_is_taken_fails_clearly(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(MailServerError, match="(?i)exited at start.*address already in use"):
            start_mail(tmp_path, smtp_port=taken, web_port=0)


def test_stop_ends_the_process_and_frees_the_ports(tmp_path):
    mail = start_mail(tmp_path, smtp_port=0, web_port=0)
    process, pid = mail.process, mail.process.pid
    # A background process of its own session: a Ctrl-C meant for the CLI does not reach it.
    assert os.getsid(pid) == pid != os.getsid(0)
    assert listening(mail.smtp_port) and listening(mail.web_port)
    mail.stop()
    assert mail.process is None and process.returncode == 0  # it ended on SIGTERM, cleanly
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not listening(mail.smtp_port) and not listening(mail.web_port)
    mail.stop()  # twice is harmless


def test_a_restart_keeps_the_mail(tmp_path):
    to = address("garde")
    with start_mail(tmp_path, smtp_port=0, web_port=0) as mail:
        send(mail, to, "Avant le redémarrage")
    with start_mail(tmp_path, smtp_port=0, web_port=0) as again:
        send(again, to, "Après le redémarrage")
        assert [m.subject for m in maildir.messages(again.maildir, to=to)] == [
            "Après le redémarrage", "Avant le redémarrage"]
        page = httpx.get(again.web_url, params={"to": to}).text
        assert "Avant le redémarrage" in page and "Après le redémarrage" in page


def test_the_maildir_is_a_maildir(mail_server):
    """Any mail client reads it: Python's own Maildir reader finds the envelope and the mail."""
    import mailbox

    to = address("client")
    send(mail_server, to, "Pour un client de messagerie")
    box = mailbox.Maildir(str(mail_server.maildir), create=False)
    found = [m for m in box if m["X-Mutualis-Envelope-To"] == to]
    assert [m["Subject"] for m in found] == ["Pour un client de messagerie"]
    assert found[0]["Return-Path"] == "<convocations@localhost>"
    assert "by mutualis-demo-mail with SMTP" in found[0]["Received"]


def test_the_helpers_wait_for_a_mail(mail_server):
    to = address("attente")
    with pytest.raises(TimeoutError, match="0 message"):
        maildir.wait_for(to, mail_server.maildir, timeout=0.1)
    send(mail_server, to, "Enfin")
    [message] = maildir.wait_for(to, mail_server.maildir, subject_contains="Enfin")
    assert maildir.get(message.key, mail_server.maildir).subject == "Enfin"
    with pytest.raises(KeyError):
        maildir.get("../" + message.key, mail_server.maildir)
    with pytest.raises(LookupError):
        maildir.latest(to, mail_server.maildir, subject_contains="Jamais")
