"""Intake from the member's `courrier@` mailbox over IMAP (the shared mailbox the mail service
gives a member of `messagerie`, read through `mail_service.services.functional_mailbox`).

Each message of its INBOX becomes an item (channel e-mail, the sender in the contacts book,
the text of the message searchable, its attachments kept and their PDFs OCR'd; a Factur-X
invoice attached is recorded as an invoice of its own, as the register reads one), then moves
to the folder « Enregistrés »; a message that cannot be recorded moves to « Refusés », the
reason in the log and in the register's refusals. Nothing is deleted, and a message is never
recorded twice: the item keeps its Message-ID as its source, so a message recorded just
before a crash, and still in the INBOX, is only moved on the next run.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from provisioning.models import RegistryMember

from . import natures as n
from . import ocr
from .models import Contact, Refusal
from .register import SYSTEM, Refused, add_contact, log_step, record, recorded_from

log = logging.getLogger(__name__)

LOCAL_PART = "courrier"
DONE, REFUSED = "Enregistrés", "Refusés"
TIMEOUT = 30  # seconds for one IMAP exchange


class IntakeError(Exception):
    """The mailbox could not be read (one sentence; the messages stay where they are)."""


@dataclass
class Outcome:
    recorded: list[str] = field(default_factory=list)  # chrono numbers
    refused: list[str] = field(default_factory=list)  # reasons

    def as_dict(self) -> dict:
        return {"recorded": len(self.recorded), "refused": len(self.refused)}


def imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501, 5.1.3): « Refusés » -> Refus&AOk-s."""
    out, pending = [], []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _quoted(folder: str) -> str:
    return '"' + imap_utf7(folder).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(answer, what: str):
    status, data = answer
    if status != "OK":
        raise IntakeError(_("le serveur IMAP a refusé %(w)s : %(r)s") % {
            "w": what, "r": (data[0] or b"").decode("utf-8", "replace") if data else ""})
    return data


def open_mailbox(access) -> imaplib.IMAP4:
    """Logged in to the mailbox (STARTTLS, the server's certificate checked)."""
    try:
        box = imaplib.IMAP4(access.host, access.port, timeout=TIMEOUT)
        context = (ssl.create_default_context(cafile=access.ca_file) if access.ca_file
                   else ssl.create_default_context())
        box.starttls(ssl_context=context)
        box.login(access.login, access.password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise IntakeError(_("la boîte %(a)s ne s'ouvre pas (IMAP %(h)s:%(p)s) : %(e)s") % {
            "a": access.address, "h": access.host, "p": access.port, "e": exc}) from None
    return box


# ------------------------------------------------------------------ one message


@dataclass(frozen=True)
class Letter:
    source: str
    sender_name: str
    sender_address: str
    subject: str
    received_on: object
    text: str
    files: list[tuple[str, bytes]]


def source_of(raw: bytes, msg: EmailMessage) -> str:
    message_id = str(msg.get("Message-ID") or "").strip()
    if message_id and len(message_id) <= 240:
        return f"imap:{message_id}"
    return "imap:sha256:" + hashlib.sha256(raw).hexdigest()


def read_message(raw: bytes) -> Letter:
    """What a message says, or Refused naming what is missing."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        senders = getaddresses([str(msg.get("From") or "")])
    except Exception as exc:  # a header the parser cannot take
        raise Refused([_("le message est illisible (%(e)s).") % {"e": exc}]) from None
    name, address = senders[0] if senders else ("", "")
    if "@" not in address:
        raise Refused([_("le message n'a pas d'expéditeur (en-tête From).")])
    try:
        when = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        when = None
    received_on = timezone.localdate(when) if when and when.tzinfo else timezone.localdate()
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = body.get_payload(decode=True).decode("utf-8", "replace")
        if body.get_content_type() == "text/html":
            text = strip_tags(text)
    files = []
    for part in msg.iter_attachments():
        filename = part.get_filename() or _("piece-jointe")
        content = part.get_content()
        files.append((filename, content if isinstance(content, bytes) else content.encode()))
    subject = re.sub(r"\s+", " ", str(msg.get("Subject") or "")).strip()
    return Letter(source_of(raw, msg), name.strip(), address.strip().lower(),
                  subject or _("(sans objet)"), received_on, text.strip(), files)


def correspondent(member: RegistryMember, letter: Letter) -> Contact:
    """The sender in the contacts book: the contact with that address, else a new one."""
    found = Contact.objects.filter(member=member, active=True,
                                   email__iexact=letter.sender_address).first()
    return found or add_contact(member, letter.sender_name or letter.sender_address,
                                email=letter.sender_address)


def record_message(member: RegistryMember, raw: bytes, mailbox: str):
    """The item of one message (the one already recorded from it, if any). A Factur-X PDF
    it carries is recorded as an invoice of its own (read, routed on its service code); the
    message itself is an item when it carries anything else, or no invoice at all."""
    from .invoices import has_einvoice_xml, record_einvoice

    letter = read_message(raw)
    invoices = [f for f in letter.files
                if f[1].startswith(b"%PDF-") and has_einvoice_xml(f[1])]
    others = [f for f in letter.files if f not in invoices]
    sources = ([letter.source] if others or not invoices else []) + [
        f"{letter.source}#facture-{k}" for k in range(1, len(invoices) + 1)]
    done = recorded_from(member, sources[0])
    if done is not None:
        return done
    try:
        with transaction.atomic():
            items = []
            if others or not invoices:
                items.append(record(member, subject=letter.subject, kind=n.EMAIL,
                                    channel=n.MAIL, received_on=letter.received_on,
                                    correspondent=correspondent(member, letter),
                                    files=others, source=letter.source, text=letter.text))
            for k, (name, content) in enumerate(invoices, start=1):
                items.append(record_einvoice(member, name, content, SYSTEM, channel=n.MAIL,
                                             source=f"{letter.source}#facture-{k}",
                                             received_on=letter.received_on))
            for item in items:
                log_step(item, "received_by_mail", SYSTEM, mailbox=mailbox,
                         sender=letter.sender_address)
    except IntegrityError:  # another worker recorded it meanwhile
        done = recorded_from(member, sources[0])
        if done is None:
            raise
        return done
    for item in items:
        ocr.schedule(item)
    return items[0]


# ------------------------------------------------------------------ the mailbox


def fetch(member: RegistryMember, access) -> Outcome:
    """Record every message of the mailbox's INBOX, moving each out of it."""
    outcome = Outcome()
    box = open_mailbox(access)
    try:
        for folder in (DONE, REFUSED):
            status, _data = box.create(_quoted(folder))  # NO when it exists already
        _check(box.select("INBOX"), "l'ouverture de INBOX")
        uids = _check(box.uid("SEARCH", None, "UNDELETED"), "la recherche")[0].split()
        for uid in uids:
            data = _check(box.uid("FETCH", uid, "(BODY.PEEK[])"), "la lecture d'un message")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                continue
            try:
                item = record_message(member, raw, access.address)
            except Exception as exc:  # one message never blocks the mailbox: set aside, said
                if isinstance(exc, Refused):
                    reason = " ; ".join(exc.messages)
                else:
                    log.exception("courrier@ of %s: a message could not be recorded", member.code)
                    reason = _("le message n'a pas pu être enregistré (erreur inattendue, "
                               "consignée dans le journal de l'application).")
                _move(box, uid, REFUSED)
                _refusal(member, raw, access.address, reason)
                outcome.refused.append(reason)
                continue
            _move(box, uid, DONE)
            outcome.recorded.append(item.chrono)
    finally:
        try:
            box.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return outcome


def _move(box: imaplib.IMAP4, uid: bytes, folder: str) -> None:
    _check(box.uid("MOVE", uid, _quoted(folder)), f"le rangement dans « {folder} »")


def _refusal(member, raw: bytes, mailbox: str, reason: str) -> None:
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        what = f"{msg.get('From', '')} — {msg.get('Subject', '')}"
    except Exception:
        what = _("message illisible")
    log.warning("courrier: a message of %s left in %s: %s (%s)", mailbox, REFUSED, reason, what)
    Refusal.objects.create(member=member, channel=n.MAIL, what=str(what)[:500],
                           where=f"{mailbox} / {REFUSED}"[:500], reason=reason)


def members_with_mail():
    """The members whose register reads a mailbox: they subscribe to courrier and messagerie."""
    from provisioning import people

    found = people.subscribing(people.members(), "courrier")
    return [m for m in found if "messagerie" in (m.services or [])]


def fetch_all() -> dict:
    """Every member's courrier@ (the periodic task): what was recorded and refused."""
    from mail_service.services import functional_mailbox

    total = {"members": 0, "recorded": 0, "refused": 0, "failed": 0}
    for member in members_with_mail():
        try:
            access = functional_mailbox(member.code, LOCAL_PART)
            if access is None:
                continue
            done = fetch(member, access)
        except Exception as exc:  # one member's mailbox must not stop the others'
            log.warning("courrier: the mailbox of %s was not read: %s", member.code, exc)
            total["failed"] += 1
            continue
        total["members"] += 1
        total["recorded"] += len(done.recorded)
        total["refused"] += len(done.refused)
    return total
