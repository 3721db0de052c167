"""A member's courrier@ in the test directory, as the mail driver writes it (mail_service's
schema: the member branch's domain, a groupOfNames + uidObject shared mailbox opened to its
group by Dovecot's ACL file), and messages sent to it through the real Postfix."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage

import ldap

from ldap_sync.layout import Layout
from mail_service import schema
from provisioning import naming


def _encode(attrs):
    merged: dict[str, list[bytes]] = {}
    for name, values in attrs:
        merged.setdefault(name, []).extend(v.encode() for v in values)
    return list(merged.items())


def courrier_mailbox(slapd, servers, code: str) -> str:
    """The member `code` gets a mail domain of its own and a courrier@ there: its address."""
    domain = f"m{code}-{uuid.uuid4().hex[:6]}.test"
    layout = Layout(slapd.base_dn)
    conn = ldap.initialize(slapd.url)
    conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
    try:
        try:
            conn.add_s(layout.member_dn(code), _encode(
                [("objectClass", ["organizationalUnit"]), ("ou", [code])]
                + schema.domain_mods(domain)))
        except ldap.ALREADY_EXISTS:
            conn.modify_s(layout.member_dn(code), [(ldap.MOD_REPLACE, schema.DOMAIN,
                                                    [domain.encode()])])
        cn = naming.shared_mailbox_group(code, "courrier")
        uid = naming.shared_mailbox_uid(code, "courrier")
        address = f"courrier@{domain}"
        try:
            conn.delete_s(layout.group_dn(code, cn))
        except ldap.NO_SUCH_OBJECT:
            pass
        conn.add_s(layout.group_dn(code, cn), _encode(
            [("objectClass", ["groupOfNames"]), ("cn", [cn]), ("member", [layout.nobody_dn])]
            + schema.shared_mailbox_mods(uid, address)))
    finally:
        conn.unbind_s()
    servers.dovecot.share_mailbox(uid, cn)
    return address


def send(servers, to: str, msg: EmailMessage) -> None:
    """Through Postfix's MX port, as a supplier's server would."""
    with smtplib.SMTP(servers.host, servers.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg, to_addrs=[to])


def send_raw(servers, to: str, raw: bytes, sender: str = "x@example.org") -> None:
    with smtplib.SMTP(servers.host, servers.smtp_port, timeout=10) as smtp:
        smtp.sendmail(sender, [to], raw)


def letter(sender: str, to: str, subject: str, body: str = "Bonjour,\nveuillez trouver…",
           files=()) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    for name, content, maintype, subtype in files:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg


def folders(servers, code: str) -> dict[str, int]:
    """How many messages each folder of the member's courrier@ holds, read over IMAP as the
    apps' master user."""
    uid = naming.shared_mailbox_uid(code, "courrier")
    box = imaplib.IMAP4(servers.host, servers.imap_port, timeout=10)
    box.starttls(ssl_context=ssl.create_default_context(cafile=str(servers.tls.cert)))
    box.login(f"{uid}*mutualis", servers.master_secret.read_text().strip())
    try:
        found = {}
        for name in ("INBOX", "Enregistr&AOk-s", "Refus&AOk-s"):
            status, data = box.status(f'"{name}"', "(MESSAGES)")
            found[name] = int(data[0].split(b"MESSAGES ")[1].rstrip(b")")) if status == "OK" \
                else 0
        return found
    finally:
        box.logout()


def wait_for_inbox(servers, code: str, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while (found := folders(servers, code))["INBOX"] < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} messages not delivered within {timeout}s "
                                 f"({found}); Postfix: "
                                 f"{servers.postfix.log.read_text()[-1500:]}")
        time.sleep(0.1)
