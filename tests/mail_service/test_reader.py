"""The demo mailbox's web reader, over HTTP against the real server process: the list, the
filter by recipient, a message with its links and attachments, everything from a mail escaped;
and the pages audited with axe-core in Debian's Chromium."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from html import escape, unescape
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from mail_service import maildir
from tests.browser import VIEWPORTS, chromium, serious

from .conftest import address

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "mail"
PAYLOAD = '<script>alert("courrier")</script><img src=x onerror=alert(1)>'


def send(server, to: list[str], subject: str, text: str | None = None, html: str | None = None,
         sender: str = "Mairie de Melle <convocations@localhost>",
         attachments: tuple = ()) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, maintype, subtype, data in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    with smtplib.SMTP(server.host, server.smtp_port) as smtp:
        smtp.send_message(message)


@pytest.fixture(scope="module")
def web(mail_server):
    with httpx.Client(base_url=mail_server.web_url, timeout=10) as client:
        yield client


def rows(html: str) -> list[str]:
    return re.findall(r"<tr><td.*?</tr>", html, re.S)


def message_url(html: str, subject: str) -> str:
    match = re.search(r'<a href="(/messages/[^"]+)">' + re.escape(subject) + "</a>", html)
    assert match, f"no link to {subject!r}"
    return unescape(match.group(1))


def test_the_list_newest_first_and_filtered(mail_server, web):
    first, second = address("secretaire"), address("maire")
    send(mail_server, [first], "Activez votre compte", "Bonjour")
    send(mail_server, [second], "Convocation : Conseil municipal", "Bonjour")
    send(mail_server, [first], "Rappel de convocation", "Bonjour")
    page = web.get("/", params={"to": first})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    listed = rows(page.text)
    assert len(listed) == 2
    assert "Rappel de convocation" in listed[0] and "Activez votre compte" in listed[1]
    assert "Mairie de Melle &lt;convocations@localhost&gt;" in listed[0]
    assert f'<a href="/?to={first.replace("@", "%40")}">{first}</a>' in listed[0]
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d/\d\d/\d{4} à \d\d:\d\d:\d\d</time>",
                     listed[0])
    assert "<h1>Messages reçus par " + first + "</h1>" in page.text
    assert 'value="' + first + '"' in page.text
    everything = web.get("/").text
    assert "Activez votre compte" in everything and "Convocation : Conseil municipal" in everything
    assert everything.index("Rappel de convocation") < everything.index("Activez votre compte")
    nobody = web.get("/", params={"to": address("personne")}).text
    assert "Aucun message n'est arrivé pour" in nobody and "<table>" not in nobody


def test_a_message_with_its_link_clickable(mail_server, web):
    to = address("elu")
    link = "http://melle.localhost:8000/espace-elus/convocation/Zx9_a-b/?from=mail&x=1"
    send(mail_server, [to], "Convocation : Bureau",
         f"Bonjour,\n\nVotre convocation : {link}.\nRéponse attendue (voir {link}).")
    url = message_url(web.get("/", params={"to": to}).text, "Convocation : Bureau")
    page = web.get(url)
    assert page.status_code == 200
    escaped = link.replace("&", "&amp;")
    # Both occurrences clickable; the sentence's "." and ")" stay outside the link.
    assert page.text.count(f'<a href="{escaped}">{escaped}</a>') == 2
    assert "</a>.\nRéponse" in page.text and f"{escaped}</a>)." in page.text
    assert "<h1>Convocation : Bureau</h1>" in page.text
    assert f"<dt>Remis à</dt><dd><a href=\"/?to={to.replace('@', '%40')}\">" in page.text
    assert "Pièces jointes" not in page.text


def test_everything_from_a_mail_is_escaped(mail_server, web):
    to = address("cible")
    send(mail_server, [to], f"Objet {PAYLOAD}", f"Texte {PAYLOAD}",
         sender=f'"{PAYLOAD}" <pirate@localhost>')
    listing = web.get("/", params={"to": to}).text
    page = web.get(message_url(listing, escape(f"Objet {PAYLOAD}"))).text
    for html in (listing, page):
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;alert(&quot;courrier&quot;)&lt;/script&gt;" in html
    # Escaped in the title, the heading and the text at least (the sender too, as parsed).
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 3
    assert f'<pre class="corps">Texte {escape(PAYLOAD)}' in page


def test_an_html_mail_is_shown_as_escaped_text(mail_server, web):
    to = address("html")
    send(mail_server, [to], "Lettre d'information",
         html="<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
              "<p>Bonjour <b>madame</b>,</p><p>Lisez <a href='https://melle.fr/lettre'>la "
              "lettre</a>.</p><img src='https://tracker.example/p.gif'>"
              "<p><a href='javascript:alert(2)'>Cliquez</a></p></body></html>")
    message = maildir.latest(to, mail_server.maildir)
    assert message.text_from_html
    assert message.text == ("Bonjour madame,\n\nLisez la lettre (https://melle.fr/lettre)."
                            "\n\nCliquez")
    assert message.links == ["https://melle.fr/lettre"]
    page = web.get(message_url(web.get("/", params={"to": to}).text,
                               escape("Lettre d'information"))).text
    assert "Ce message est écrit en HTML ; en voici le texte" in page
    assert '<a href="https://melle.fr/lettre">https://melle.fr/lettre</a>' in page
    assert "alert" not in page and "tracker.example" not in page and "<b>" not in page
    assert "javascript" not in page


def test_attachments_are_downloaded(mail_server, web):
    to = address("pj")
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    send(mail_server, [to], "Convocation avec pièces", "Voir les pièces jointes.",
         attachments=[("seance.ics", "text", "calendar", ics),
                      ("piège <b>.html", "text", "html", b"<script>alert(1)</script>")])
    page = web.get(message_url(web.get("/", params={"to": to}).text,
                               "Convocation avec pièces")).text
    links = dict((unescape(name), unescape(href)) for href, name in re.findall(
        r'<li><a href="([^"]+)" download="[^"]+">([^<]+)</a>', page))
    assert set(links) == {"seance.ics", "piège <b>.html"}
    assert f"(text/calendar, {len(ics)} octets)" in page
    calendar = web.get(links["seance.ics"])
    assert calendar.status_code == 200
    assert calendar.headers["content-type"] == "text/calendar"
    assert calendar.headers["content-disposition"].startswith('attachment; filename="seance.ics"')
    assert calendar.content.replace(b"\r\n", b"\n") == ics.replace(b"\r\n", b"\n")
    trap = web.get(links["piège <b>.html"])
    assert trap.headers["content-type"] == "application/octet-stream"
    assert trap.headers["content-disposition"] == (
        "attachment; filename=\"pi_ge_b_.html\"; filename*=UTF-8''pi%C3%A8ge%20%3Cb%3E.html")
    assert web.get(links["seance.ics"].rsplit("/", 1)[0] + "/9").status_code == 404
    source = web.get(links["seance.ics"].rsplit("/", 2)[0] + "/source")
    assert source.headers["content-type"] == "text/plain; charset=utf-8"
    assert b"X-Mutualis-Envelope-To: " + to.encode() in source.content


def test_what_the_reader_refuses(web):
    assert web.get("/messages/1234.nothing").status_code == 404
    assert "Ce message n&#x27;existe pas" in web.get("/messages/1234.nothing").text
    assert web.get("/messages/../../etc/passwd").status_code == 404
    assert web.get("/ailleurs").status_code == 404
    assert web.post("/").status_code == 405
    # A page elsewhere cannot read the mailbox through a name rebound to 127.0.0.1.
    assert web.get("/", headers={"Host": "attacker.example:8025"}).status_code == 400
    assert web.get("/", headers={"Host": "localhost"}).status_code == 200
    assert web.get("/", headers={"Host": "courrier.localhost:8025"}).status_code == 200
    headers = web.get("/").headers
    assert "script-src" not in headers["content-security-policy"]
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["x-content-type-options"] == "nosniff"
    assert web.get("/style.css").headers["content-type"] == "text/css; charset=utf-8"
    assert web.get("/favicon.ico").status_code == 204


def test_the_list_is_paginated(mail_server, web):
    to = address("nombreux")
    with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
        for n in range(51):
            smtp.sendmail("a@localhost", [to], f"Subject: Message {n}\r\n\r\nTexte\r\n")
    first = web.get("/", params={"to": to}).text
    assert len(rows(first)) == 50 and "Message 50" in first and "Message 0<" not in first
    assert "51 messages, du plus récent au plus ancien (page 1 sur 2)" in first
    assert "Page suivante" in first and "Page précédente" not in first
    second = web.get("/", params={"to": to, "page": 2}).text
    assert len(rows(second)) == 1 and "Message 0<" in second and "Page précédente" in second
    assert len(rows(web.get("/", params={"to": to, "page": "x"}).text)) == 50


def test_the_pages_pass_axe_in_chromium(mail_server, web):
    to = address("audit")
    send(mail_server, [to], "Convocation : Conseil municipal — Melle — jeudi 12 mars 2026",
         "Bonjour,\n\nVotre convocation : http://melle.localhost:8000/c/abc/",
         attachments=[("seance.ics", "text", "calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
    message = maildir.latest(to, mail_server.maildir)
    pages = {"list": "/", "filtered": f"/?to={to}", "message": f"/messages/{message.key}",
             "missing": "/messages/absent"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems, axe = [], Axe()
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, locale="fr-FR")
            page = context.new_page()
            for what, path in pages.items():
                page.goto(mail_server.web_url.rstrip("/") + path)
                assert page.locator("html").get_attribute("lang") == "fr"
                assert page.locator("h1").count() == 1, path
                assert page.locator("script").count() == 0, path
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                problems += [f"{name} {path}: {p}" for p in serious(axe.run(page))]
                page.screenshot(path=str(ARTIFACTS / f"{name}-{what}.png"), full_page=True)
            context.close()
        # A person reads their mail with JavaScript off: filter, open, follow the link.
        context = browser.new_context(locale="fr-FR", java_script_enabled=False)
        page = context.new_page()
        page.goto(mail_server.web_url)
        page.get_by_label("Adresse du destinataire").fill(to)
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**/?to=*")
        assert page.locator("tbody tr").count() == 1
        page.get_by_role("link", name=message.subject).click()
        page.wait_for_url("**/messages/**")
        assert page.get_by_role("heading", level=1).inner_text() == message.subject
        link = page.get_by_role("link", name="http://melle.localhost:8000/c/abc/")
        assert link.get_attribute("href") == "http://melle.localhost:8000/c/abc/"
        context.close()
    assert not problems, "axe violations:\n" + "\n".join(problems)
