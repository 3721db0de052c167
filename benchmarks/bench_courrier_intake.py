"""Courrier intake figures (temp SQLite, one process, real slapd, Postfix and Dovecot):

- IMAP intake from a member's courrier@: messages recorded per second by
  `courrier.mailbox.fetch` (fetch over IMAP, parse, contact, record, move to « Enregistrés »),
  for plain messages, then for messages carrying a one-page text PDF (stored, and passed
  through OCRmyPDF, which keeps its text page as it is: --skip-text);
- Chorus Pro import against the stand-in on loopback: Factur-X invoices recorded per second
  (search, download, read, register, route).

The messages are put in the INBOX with IMAP APPEND (what delivery would do, without timing
Postfix); they are all different (own Message-ID, subject and sender).

Run: .venv/bin/python benchmarks/bench_courrier_intake.py [MESSAGES] [INVOICES]
"""

from __future__ import annotations

import imaplib
import os
import shutil
import ssl
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

from _django import start  # noqa: E402 (benchmarks/_django.py)

WORK = start("courrier-intake")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from courrier import chorus, mailbox  # noqa: E402
from courrier.models import Item  # noqa: E402
from ldap_sync.server import start_slapd  # noqa: E402
from mail_service.servers import start_mail_servers  # noqa: E402
from mail_service.services import functional_mailbox  # noqa: E402
from provisioning import naming  # noqa: E402
from tests.courrier.facturx_cii import facturx_pdf  # noqa: E402
from tests.courrier.helpers import member  # noqa: E402
from tests.courrier.mailboxes import courrier_mailbox  # noqa: E402
from tests.doubles.chorus_standin import ChorusStandIn  # noqa: E402
from tests.factories import make_pdf  # noqa: E402


def fill(servers, code: str, count: int, pdf: bytes | None) -> None:
    box = imaplib.IMAP4(servers.host, servers.imap_port)
    box.starttls(ssl_context=ssl.create_default_context(cafile=str(servers.tls.cert)))
    box.login(f"{naming.shared_mailbox_uid(code, 'courrier')}*mutualis",
              servers.master_secret.read_text().strip())
    for i in range(count):
        msg = EmailMessage()
        msg["From"] = f"Correspondant {i} <c{i}.{uuid.uuid4().hex[:6]}@example.org>"
        msg["To"], msg["Subject"] = "courrier@example.test", f"Demande n° {i}"
        msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
        msg.set_content(f"Madame, Monsieur,\nma demande n° {i}.\n")
        if pdf:
            msg.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"piece-{i}.pdf")
        box.append("INBOX", None, None, msg.as_bytes())
    box.logout()


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    invoices = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    settings.MEDIA_ROOT = str(WORK / "media")
    call_command("migrate", verbosity=0)
    mail_dir = Path(tempfile.mkdtemp(prefix="mutualis-bench-mail-"))
    os.chmod(mail_dir, 0o711)
    slapd = start_slapd(WORK / "ldap")
    servers = start_mail_servers(mail_dir, slapd.settings(), slow_failures=False)
    try:
        settings.MUTUALIS_LDAP = slapd.settings()
        settings.MUTUALIS_MAIL = servers.settings()
        melle = member(services=("courrier", "messagerie"))
        courrier_mailbox(slapd, servers, melle.code)
        access = functional_mailbox(melle.code, "courrier")
        for label, pdf, count in (("plain messages", None, messages),
                                  ("messages with a 1-page PDF (OCR'd)",
                                   make_pdf("Pièce jointe"), max(1, messages // 10))):
            fill(servers, melle.code, count, pdf)
            begin = time.perf_counter()
            done = mailbox.fetch(melle, access)
            elapsed = time.perf_counter() - begin
            assert len(done.recorded) == count, done
            print(f"IMAP intake, {label}: {count} in {elapsed:.2f} s "
                  f"({count / elapsed:.1f} messages/s)", flush=True)

        with ChorusStandIn() as standin:
            standin.account("TECH", "pw", 1)
            settings.MUTUALIS_CHORUS_PRO = {
                "api_url": standin.url, "token_url": standin.token_url,
                "client_id": "piste-app", "client_secret": "piste-secret",
                "accounts": {melle.code: {"login": "TECH", "password": "pw", "structure": 1}}}
            for i in range(invoices):
                standin.deposit(1, facturx_pdf(make_pdf(f"Facture F-{i}"), number=f"F-{i}"),
                                number=f"F-{i}", supplier="Colas Centre-Ouest", total=1250.40)
            before = Item.objects.count()
            begin = time.perf_counter()
            done = chorus.import_invoices(melle, chorus.client_for(melle))
            elapsed = time.perf_counter() - begin
            assert done["recorded"] == invoices and Item.objects.count() == before + invoices
            print(f"Chorus Pro import (stand-in on loopback), Factur-X invoices: {invoices} in "
                  f"{elapsed:.2f} s ({invoices / elapsed:.1f} invoices/s)", flush=True)
    finally:
        servers.stop()
        slapd.stop()
        shutil.rmtree(mail_dir, ignore_errors=True)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
