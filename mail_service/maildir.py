"""The demo's mailbox: one Maildir where the embedded mail server delivers every message, and
the functions that read it (the web reader, the tests and the browser journeys use them).

The format is Maildir as D. J. Bernstein specified it (https://cr.yp.to/proto/maildir.html)
and Python's `mailbox.Maildir` writes it: a message is written in tmp/ and then linked into
new/, so a reader never sees half a message; cur/ holds the messages a mail client has seen,
their names carrying ":2,FLAGS" after the unique name. Reading here never moves or flags a
message: the Maildir stays readable by any mail client (mutt -f, Dovecot).

One Maildir holds the mail of every recipient. The server writes the SMTP envelope on top of
each message, as a mail delivery agent does: `Return-Path` (the envelope sender, RFC 5322
§3.6.7), one `X-Mutualis-Envelope-To` per envelope recipient (what Postfix's local(8) calls
`Delivered-To`; our own name, so that a forwarded message's headers are never mistaken for
ours), and a `Received` trace line (RFC 5321 §4.4). Filtering by recipient reads the
envelope, so that a Bcc recipient finds their message too.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

ENVELOPE_TO = "X-Mutualis-Envelope-To"
RECEIVED_BY = "mutualis-demo-mail"

# An http(s) URL in running text. Trailing punctuation is the sentence's, not the URL's
# (the convocation mails end their link line with nothing, but a sentence may end with ".").
URL = re.compile(r"https?://[^\s<>\"'\[\]{}|\\^`]+", re.IGNORECASE)
TRAILING = ".,;:!?'\"»"


def split_url(candidate: str) -> tuple[str, str]:
    """(the URL, the punctuation after it) from a URL regex match."""
    url = candidate.rstrip(TRAILING)
    # A closing parenthesis belongs to the URL only when the URL opened one (a link written
    # "(voir https://exemple.fr/a)" vs "https://fr.wikipedia.org/wiki/Loi_(droit)").
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(TRAILING)
    return url, candidate[len(url):]


def find_links(text: str) -> list[str]:
    """The http(s) links of a text, in order, each once."""
    links: list[str] = []
    for match in URL.finditer(text):
        url, _ = split_url(match.group(0))
        if url not in links:
            links.append(url)
    return links


def create(maildir: Path) -> Path:
    """The Maildir at `maildir`, created (mode 0700) if needed."""
    maildir = Path(maildir)
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    return maildir


def _one_line(value: str) -> str:
    """A header value from an SMTP command argument: never a line break (header injection)."""
    return re.sub(r"[\r\n\t]+", " ", value).strip()


def deliver(maildir: Path, mail_from: str, rcpt_tos: list[str], content: bytes, *,
            peer: str = "", helo: str = "") -> str:
    """Deliver one message received by SMTP into the Maildir; returns its key.

    The envelope goes on top of the message, the message itself is kept byte for byte (its
    CRLF line ends turned into LF, the Maildir convention)."""
    now = datetime.now(UTC)
    trace = [f"Return-Path: <{_one_line(mail_from)}>"]
    trace += [f"{ENVELOPE_TO}: {_one_line(rcpt)}" for rcpt in rcpt_tos]
    origin = _one_line(f"{helo} ({peer})" if helo else peer) or "unknown"
    trace.append(f"Received: from {origin}\n\tby {RECEIVED_BY} with SMTP;\n"
                 f"\t{format_datetime(now)}")
    body = content.replace(b"\r\n", b"\n")
    data = ("\n".join(trace) + "\n").encode("utf-8") + body
    if not data.endswith(b"\n"):
        data += b"\n"
    box = mailbox.Maildir(str(create(maildir)), factory=None, create=True)
    return box.add(data)


def _text_of_html(markup: str) -> str:
    """The text of an HTML part, as a person would read it, for showing as escaped text."""
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # markup the parser gives up on: shown as it is
        return markup
    return parser.text()


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "ul", "ol", "blockquote", "pre", "hr", "section", "article", "header",
              "footer"}
    SKIPPED = {"script", "style", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href if URL.fullmatch(href) else None)
            self.parts.append("\0")  # where the link's text starts

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            start = len(self.parts) - 1 - self.parts[::-1].index("\0")
            label = "".join(self.parts[start + 1:])
            self.parts[start:] = [label]
            if href and href not in label:  # keep where a link leads: "label (URL)"
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data.replace("\0", ""))

    def text(self) -> str:
        text = "".join(p for p in self.parts if p != "\0")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decoded(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        # An unknown or lying charset: the bytes, decoded as well as can be.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Attachment:
    number: int  # 1-based, in the order of the message (the web reader's URLs use it)
    filename: str
    content_type: str
    data: bytes


class Message:
    """One delivered message. The headers are read when listed, the rest when asked for."""

    def __init__(self, key: str, path: Path, delivered_at: datetime):
        self.key = key
        self.path = path
        self.delivered_at = delivered_at

    def __repr__(self) -> str:
        return f"<Message {self.key} {self.subject!r}>"

    @cached_property
    def head(self) -> EmailMessage:
        """The headers only (the file read up to the blank line that ends them)."""
        lines = []
        with open(self.path, "rb") as f:
            for line in f:
                if line in (b"\n", b"\r\n"):
                    break
                lines.append(line)
        return email.message_from_bytes(b"".join(lines) + b"\n", policy=email.policy.default)

    @cached_property
    def raw(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def email(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def header(self, name: str) -> str:
        try:
            value = self.head.get(name)
        except (ValueError, IndexError, TypeError):  # a header the policy cannot parse
            return ""
        return str(value) if value is not None else ""

    @property
    def envelope_to(self) -> list[str]:
        return [str(v).strip() for v in self.head.get_all(ENVELOPE_TO) or []]

    @property
    def envelope_from(self) -> str:
        return self.header("Return-Path").strip().strip("<>")

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def sender(self) -> str:
        return self.header("From")

    @property
    def to(self) -> str:
        return self.header("To")

    def is_for(self, address: str) -> bool:
        address = address.strip().lower()
        return any(rcpt.lower() == address for rcpt in self.envelope_to)

    @cached_property
    def _body(self) -> tuple[str, bool]:
        part = self.email.get_body(preferencelist=("plain", "html"))
        if part is None:
            return "", False
        if part.get_content_subtype() == "html":
            return _text_of_html(_decoded(part)), True
        return _decoded(part), False

    @property
    def text(self) -> str:
        """The text body; for a message in HTML only, the text of its HTML."""
        return self._body[0]

    @property
    def text_from_html(self) -> bool:
        return self._body[1]

    @property
    def links(self) -> list[str]:
        return find_links(self.text)

    @cached_property
    def attachments(self) -> list[Attachment]:
        found = []
        for number, part in enumerate(self.email.iter_attachments(), start=1):
            name = part.get_filename() or f"piece-jointe-{number}"
            data = part.get_payload(decode=True)
            if data is None:  # an attached message (message/rfc822): its bytes
                data = part.as_bytes()
            found.append(Attachment(number, name, part.get_content_type(), data))
        return found

    def attachment(self, filename: str) -> Attachment:
        return next(a for a in self.attachments if a.filename == filename)


def _key(name: str) -> str:
    return name.split(":", 1)[0]  # cur/ names carry ":2,FLAGS" after the unique part


def _entries(maildir: Path) -> list[tuple[int, str, Path]]:
    found = []
    for sub in ("new", "cur"):
        try:
            scan = os.scandir(Path(maildir) / sub)
        except FileNotFoundError:
            continue
        with scan:
            for entry in scan:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                try:
                    mtime = entry.stat().st_mtime_ns
                except FileNotFoundError:  # moved to cur/ by a mail client meanwhile
                    continue
                found.append((mtime, _key(entry.name), Path(entry.path)))
    # Newest first: the delivery time (the file's), then Python's unique names, which grow.
    found.sort(reverse=True)
    return found


def default_maildir() -> Path:
    """The Maildir of the embedded mail server that `mutualis services start` started."""
    from provisioning.backends import embedded_services  # Django only when asked for

    mail = embedded_services().get("mail")
    if not mail:
        raise LookupError("no embedded mail server is recorded in var/services.json: "
                          "run `mutualis services start`")
    return Path(mail["maildir"])


def messages(maildir: Path | None = None, to: str | None = None) -> list[Message]:
    """The messages delivered (to `to`, an envelope recipient, when given), newest first."""
    maildir = Path(maildir) if maildir is not None else default_maildir()
    found = [Message(key, path, datetime.fromtimestamp(mtime / 1e9, UTC))
             for mtime, key, path in _entries(maildir)]
    if to:
        found = [m for m in found if m.is_for(to)]
    return found


def get(key: str, maildir: Path | None = None) -> Message:
    """One message by its Maildir key; KeyError when there is none."""
    maildir = Path(maildir) if maildir is not None else default_maildir()
    if not key or "/" in key or key.startswith("."):
        raise KeyError(key)
    for mtime, found, path in _entries(maildir):
        if found == key:
            return Message(key, path, datetime.fromtimestamp(mtime / 1e9, UTC))
    raise KeyError(key)


def latest(to: str, maildir: Path | None = None, subject_contains: str = "") -> Message:
    """The newest message to `to` (whose subject contains `subject_contains`); LookupError
    when there is none."""
    for message in messages(maildir, to=to):
        if subject_contains in message.subject:
            return message
    raise LookupError(f"no message to {to}"
                      + (f" with {subject_contains!r} in its subject" if subject_contains
                         else ""))


def wait_for(to: str, maildir: Path | None = None, *, subject_contains: str = "",
             count: int = 1, timeout: float = 10.0) -> list[Message]:
    """Wait until `count` messages to `to` (subject containing `subject_contains`) have been
    delivered; return them, newest first. For a mail sent by another process (a browser
    journey's click): a send through SMTP is delivered when the SMTP server answers."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in messages(maildir, to=to) if subject_contains in m.subject]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(found)} message(s) to {to} after {timeout} s, "
                               f"{count} expected")
        time.sleep(0.05)
