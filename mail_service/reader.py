"""The demo mailbox's web reader: a small read-only WSGI application over the Maildir.

Pages (French, no JavaScript):
- `/`: the messages, newest first, 50 a page (`?page=`), filtered by envelope recipient
  (`?to=adresse`, the exact address, any case);
- `/messages/<key>`: one message, its headers, its text with the links clickable, its
  attachments to download;
- `/messages/<key>/pieces/<n>`: the n-th attachment, always as a download;
- `/messages/<key>/source`: the message as received, as plain text.

Mails are untrusted input: every string that comes from a message is escaped; an HTML body is
shown as its text, escaped, never rendered; attachments are served with `Content-Disposition:
attachment` and, but for a few passive types, as application/octet-stream. A Content
Security Policy with no script source backs this up. The server listens on loopback only, and
answers only to loopback host names, so that a web page elsewhere cannot read the mailbox
through a DNS name rebound to 127.0.0.1 (the reason for Django's ALLOWED_HOSTS, see its
docs "Host header validation").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

from . import maildir as box

PER_PAGE = 50
PARIS = ZoneInfo("Europe/Paris")
TITLE = "Courrier de démonstration"
TAGLINE = "tout ce que Mutualis envoie sur cette machine arrive ici"
# Types a browser shows without running anything; everything else is downloaded as bytes.
PASSIVE_TYPES = {"text/calendar", "text/plain", "text/csv", "application/pdf", "image/png",
                 "image/jpeg", "image/gif"}
HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]
LOOPBACK_HOST = re.compile(r"^(127\.0\.0\.1|localhost|[a-z0-9.-]+\.localhost|\[::1\])(:\d+)?$",
                           re.IGNORECASE)

STYLE = """\
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1b1b1b; background: #fff; }
header.bandeau { background: #1f3a5f; color: #fff; padding: .75rem 1.5rem; }
header.bandeau p { margin: 0; }
header.bandeau a { color: #fff; font-weight: 700; }
main { padding: 1rem 1.5rem 2rem; max-width: 72rem; }
footer { padding: 0 1.5rem 1.5rem; color: #4a4a4a; font-size: .9rem; }
a { color: #1a4d8f; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #c05600;
       outline-offset: 2px; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
form.filtre { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
              margin-bottom: 1rem; }
form.filtre input { font: inherit; padding: .35rem .5rem; border: 1px solid #6b6b6b;
                    border-radius: 4px; min-width: 18rem; }
form.filtre button { font: inherit; padding: .35rem .9rem; border: 1px solid #1f3a5f;
                     border-radius: 4px; background: #1f3a5f; color: #fff; cursor: pointer; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 700; padding-bottom: .5rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem;
         border-bottom: 1px solid #d0d0d0; overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid #1f3a5f; }
td.date { white-space: nowrap; }
nav.pages { margin-top: 1rem; display: flex; gap: 1rem; }
dl.entetes { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
             margin: 0; }
dl.entetes dt { font-weight: 700; }
dl.entetes dd { margin: 0; overflow-wrap: anywhere; }
pre.corps { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; background: #f6f6f6;
            border: 1px solid #d0d0d0; border-radius: 4px; padding: 1rem; margin: 0; }
p.note { color: #4a4a4a; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(moment: datetime) -> str:
    local = moment.astimezone(PARIS)
    return (f'<time datetime="{_e(moment.isoformat())}">'
            f'{local:%d/%m/%Y} à {local:%H:%M:%S}</time>')


def _message_url(key: str, *rest: str) -> str:
    return "/".join(["/messages", quote(key, safe=""), *rest])


def _list_url(to: str = "", page: int = 1) -> str:
    query = {k: v for k, v in (("to", to), ("page", page if page > 1 else "")) if v}
    return "/" + (f"?{urlencode(query)}" if query else "")


def linkify(text: str) -> str:
    """The text, escaped, with its http(s) links made clickable."""
    out, last = [], 0
    for match in box.URL.finditer(text):
        url, after = box.split_url(match.group(0))
        out.append(_e(text[last:match.start()]))
        out.append(f'<a href="{_e(url)}">{_e(url)}</a>{_e(after)}')
        last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def page(title: str, content: str) -> str:
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} — {TITLE}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header class="bandeau">
<p><a href="/">{TITLE}</a> — {TAGLINE}</p>
</header>
<main>
{content}
</main>
<footer>
<p>Ces messages n'ont pas quitté cette machine : aucune vraie boîte aux lettres ne les a
reçus. En production, Mutualis remet son courrier au serveur de messagerie du syndicat.</p>
</footer>
</body>
</html>
"""


def _recipients(message: box.Message) -> str:
    return ", ".join(f'<a href="{_e(_list_url(rcpt))}">{_e(rcpt)}</a>'
                     for rcpt in message.envelope_to) or "—"


def list_page(maildir: Path, to: str, number: int) -> str:
    found = box.messages(maildir, to=to or None)
    pages = max(1, math.ceil(len(found) / PER_PAGE))
    number = min(max(1, number), pages)
    shown = found[(number - 1) * PER_PAGE:number * PER_PAGE]
    heading = f"Messages reçus par {to}" if to else "Messages reçus"
    parts = [f"<h1>{_e(heading)}</h1>",
             '<form class="filtre" method="get" action="/" role="search">',
             '<label for="to">Adresse du destinataire</label>',
             f'<input type="text" id="to" name="to" value="{_e(to)}" inputmode="email" '
             'autocomplete="off" spellcheck="false">',
             '<button type="submit">Filtrer</button>']
    if to:
        parts.append('<a href="/">Tous les messages</a>')
    parts.append("</form>")
    if not found:
        parts.append(f"<p>Aucun message n'est arrivé pour {_e(to)}.</p>" if to else
                     "<p>Aucun message n'est arrivé pour l'instant.</p>")
        return page(heading, "\n".join(parts))
    count = f"{len(found)} message" + ("s" if len(found) > 1 else "")
    parts += [
        "<table>",
        f"<caption>{count}, du plus récent au plus ancien"
        + (f" (page {number} sur {pages})" if pages > 1 else "") + "</caption>",
        '<thead><tr><th scope="col">Reçu le</th><th scope="col">De</th>'
        '<th scope="col">À</th><th scope="col">Objet</th></tr></thead>',
        "<tbody>",
    ]
    for message in shown:
        parts.append(
            f'<tr><td class="date">{_when(message.delivered_at)}</td>'
            f"<td>{_e(message.sender or message.envelope_from or '—')}</td>"
            f"<td>{_recipients(message)}</td>"
            f'<td><a href="{_e(_message_url(message.key))}">'
            f"{_e(message.subject or '(sans objet)')}</a></td></tr>")
    parts += ["</tbody>", "</table>"]
    if pages > 1:
        links = []
        if number > 1:
            links.append(f'<a href="{_e(_list_url(to, number - 1))}">Page précédente</a>')
        if number < pages:
            links.append(f'<a href="{_e(_list_url(to, number + 1))}">Page suivante</a>')
        parts.append(f'<nav class="pages" aria-label="Pages">{"".join(links)}</nav>')
    return page(heading, "\n".join(parts))


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} octets"
    return f"{math.ceil(n / 1024)} Ko" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} Mo"


def message_page(message: box.Message) -> str:
    subject = message.subject or "(sans objet)"
    rows = [("De", message.sender), ("À", message.to), ("Copie", message.header("Cc")),
            ("Répondre à", message.header("Reply-To")), ("Date", message.header("Date"))]
    details = [f"<dt>{name}</dt><dd>{_e(value)}</dd>" for name, value in rows if value]
    details.append(f"<dt>Reçu le</dt><dd>{_when(message.delivered_at)}</dd>")
    details.append(f"<dt>Remis à</dt><dd>{_recipients(message)}</dd>")
    parts = ['<p><a href="/">Retour à la liste des messages</a></p>',
             f"<h1>{_e(subject)}</h1>",
             '<dl class="entetes">', *details, "</dl>",
             "<h2>Texte du message</h2>"]
    if message.text_from_html:
        parts.append('<p class="note">Ce message est écrit en HTML ; en voici le texte, sans '
                     "sa mise en forme.</p>")
    if message.text.strip():
        parts.append(f'<pre class="corps">{linkify(message.text)}</pre>')
    else:
        parts.append("<p>Ce message n'a pas de texte.</p>")
    if message.attachments:
        parts += ["<h2>Pièces jointes</h2>", "<ul>"]
        for item in message.attachments:
            url = _message_url(message.key, "pieces", str(item.number))
            parts.append(f'<li><a href="{_e(url)}" download="{_e(item.filename)}">'
                         f"{_e(item.filename)}</a> ({_e(item.content_type)}, "
                         f"{_size(len(item.data))})</li>")
        parts.append("</ul>")
    parts.append(f'<p><a href="{_e(_message_url(message.key, "source"))}">'
                 "Voir la source du message</a></p>")
    return page(subject, "\n".join(parts))


def _disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (RFC 8187)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "piece-jointe"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


Response = tuple[str, list[tuple[str, str]], bytes]


def _html(status: str, text: str) -> Response:
    return status, [("Content-Type", "text/html; charset=utf-8")], text.encode("utf-8")


def _not_found(what: str = "Cette page n'existe pas.") -> Response:
    return _html("404 Not Found", page("Introuvable", f"<h1>Introuvable</h1>\n<p>{_e(what)}</p>"
                                       '\n<p><a href="/">Retour à la liste des messages</a></p>'))


def respond(maildir: Path, method: str, path: str, query: str) -> Response:
    if method not in ("GET", "HEAD"):
        return ("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                           ("Content-Type", "text/plain; charset=utf-8")],
                b"Ce courrier se lit seulement.")
    params = parse_qs(query)
    if path == "/":
        to = (params.get("to") or [""])[0].strip()
        try:
            number = int((params.get("page") or ["1"])[0])
        except ValueError:
            number = 1
        return _html("200 OK", list_page(maildir, to, number))
    if path == "/style.css":
        return "200 OK", [("Content-Type", "text/css; charset=utf-8")], STYLE.encode()
    if path == "/favicon.ico":
        return "204 No Content", [], b""
    parts = path.strip("/").split("/")
    if parts[0] != "messages" or len(parts) not in (2, 3, 4):
        return _not_found()
    try:
        message = box.get(parts[1], maildir)
    except KeyError:
        return _not_found("Ce message n'existe pas (ou plus) dans le courrier de démonstration.")
    if len(parts) == 2:
        return _html("200 OK", message_page(message))
    if parts[2:] == ["source"]:
        return ("200 OK", [("Content-Type", "text/plain; charset=utf-8")], message.raw)
    if len(parts) == 4 and parts[2] == "pieces" and parts[3].isdigit():
        number = int(parts[3])
        item = next((a for a in message.attachments if a.number == number), None)
        if item is None:
            return _not_found("Ce message n'a pas cette pièce jointe.")
        kind = item.content_type if item.content_type in PASSIVE_TYPES else (
            "application/octet-stream")
        return ("200 OK", [("Content-Type", kind),
                           ("Content-Disposition", _disposition(item.filename))], item.data)
    return _not_found()


def application(maildir: Path) -> Callable:
    """The WSGI application reading `maildir`."""
    maildir = Path(maildir)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or ""
        if not LOOPBACK_HOST.match(host):
            status, headers, body = ("400 Bad Request",
                                     [("Content-Type", "text/plain; charset=utf-8")],
                                     b"Ce courrier se lit seulement depuis cette machine "
                                     b"(http://127.0.0.1).")
        else:
            status, headers, body = respond(maildir, environ.get("REQUEST_METHOD", "GET"),
                                            environ.get("PATH_INFO") or "/",
                                            environ.get("QUERY_STRING", ""))
        start_response(status, [*headers, *HEADERS, ("Content-Length", str(len(body)))])
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    return app
