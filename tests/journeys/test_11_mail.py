"""A conseillère municipale of Melle (which subscribes to the shared mail) opens her mail
settings in her space, and with exactly what the page shows her — server, ports, STARTTLS,
login — a mail client sends to her address through the demo's Postfix and reads it back
from the demo's Dovecot. An official of Celles-sur-Belle, which does not subscribe, is told
so in one sentence. Staff find the same, and the shared mailboxes they read (mairie@,
secretariat@), on their dashboard."""

from __future__ import annotations

import imaplib
import json
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage

import ldap

from .browsing import activate_account, log_in, visitor
from .people import MELLE, OTHER_COMMUNE

OFFICIAL = {"email": "geraldine.chollet@melle.paysmellois.fr", "address":
            "geraldine.chollet@mairie-melle.fr", "password": "la conseillere lit son courrier"}
STAFF = {"email": "eloise.ndiaye@melle.paysmellois.fr",
         "password": "la mairie partage son courrier"}
ELSEWHERE = {"email": "anne-sophie.perochon@celles-sur-belle.paysmellois.fr",
             "password": "celles n'a pas la messagerie"}


def shown(page, section: str) -> dict[str, str]:
    """The settings of one part of the page (« Réception (IMAP) », « Envoi (SMTP) »), by label."""
    box = page.locator(f"h3:has-text('{section}') + dl.mail-settings")
    labels = [t.strip() for t in box.locator("dt").all_inner_texts()]
    values = [t.strip() for t in box.locator("dd").all_inner_texts()]
    return dict(zip(labels, values, strict=True))


def uid_of(demo, email: str) -> str:
    """The identifier the directory gave the person (the welcome mail tells them too)."""
    directory = json.loads((demo.var / "services.json").read_text())["ldap"]
    conn = ldap.initialize(directory["url"])
    conn.simple_bind_s(directory["bind_dn"], directory["bind_password"])
    try:
        [(_, entry)] = conn.search_s(directory["base_dn"], ldap.SCOPE_SUBTREE,
                                     f"(mail={email})", ["uid"])
    finally:
        conn.unbind_s()
    return entry["uid"][0].decode()


def test_an_official_reads_her_mail_with_the_settings_her_space_shows(demo, chromium):
    elue = visitor(chromium, "mail", viewport="tablet")
    page, site = elue.page, demo.site(MELLE)
    activate_account(elue, demo, OFFICIAL["email"], OFFICIAL["password"])
    uid = uid_of(demo, OFFICIAL["email"])
    log_in(elue, site, uid, OFFICIAL["password"])
    assert page.url == site + "/espace-elus/"
    page.get_by_role("link", name="Mes adresses et les réglages de ma messagerie").click()
    elue.look("mail settings")
    assert page.url == site + "/espace-elus/messagerie/"
    text = elue.text()
    assert f"{OFFICIAL['address']} (adresse principale)" in text
    imap_settings, smtp_settings = shown(page, "Réception (IMAP)"), shown(page, "Envoi (SMTP)")
    assert imap_settings["Sécurité"] == smtp_settings["Sécurité"] == "STARTTLS"
    assert imap_settings["Identifiant"] == uid
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

    # A mail client set up as the page says; it trusts the demo's certificate.
    tls = ssl.create_default_context(
        cafile=str(demo.var / "mail-server" / "tls" / "cert.pem"))
    subject = f"Essai de ma messagerie {uuid.uuid4().hex[:8]}"
    message = EmailMessage()
    message["From"] = message["To"] = OFFICIAL["address"]
    message["Subject"] = subject
    message.set_content("Bonjour,\nle courrier de la mairie arrive bien.\n")
    with smtplib.SMTP(smtp_settings["Serveur"], int(smtp_settings["Port"]), timeout=10) as smtp:
        smtp.starttls(context=tls)
        smtp.login(uid, OFFICIAL["password"])
        smtp.send_message(message)
    box = imaplib.IMAP4(imap_settings["Serveur"], int(imap_settings["Port"]), timeout=10)
    try:
        box.starttls(ssl_context=tls)
        box.login(imap_settings["Identifiant"], OFFICIAL["password"])
        deadline = time.monotonic() + 20
        while True:
            box.select("INBOX", readonly=True)
            _, found = box.search(None, "SUBJECT", f'"{subject}"')
            if found[0] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert found[0], f"{subject!r} not in {uid}'s INBOX"
        _, parts = box.fetch(found[0].split()[-1], "(BODY.PEEK[])")
        assert b"le courrier de la mairie arrive bien" in parts[0][1]
        assert b"DKIM-Signature:" in parts[0][1]  # signed for mairie-melle.fr on the way
    finally:
        box.logout()

    # Celles-sur-Belle does not subscribe: its officials' space says so in one sentence.
    other = visitor(chromium, "mail-elsewhere", viewport="tablet")
    activate_account(other, demo, ELSEWHERE["email"], ELSEWHERE["password"])
    celles = demo.site(OTHER_COMMUNE)
    log_in(other, celles, uid_of(demo, ELSEWHERE["email"]), ELSEWHERE["password"])
    assert other.page.url == celles + "/espace-elus/"
    assert other.page.get_by_role("link", name="Mes adresses et les réglages de ma "
                                               "messagerie").count() == 0
    other.goto(celles + "/espace-elus/messagerie/", "mail settings elsewhere")
    assert ("Celles-sur-Belle n'utilise pas la messagerie partagée du syndicat : votre "
            "adresse de contact reste celle que vous lui avez donnée.") in other.text()
    elue.assert_accessible()
    other.assert_accessible()


def test_staff_find_their_mail_and_the_shared_mailboxes_on_their_dashboard(demo, chromium):
    staff = visitor(chromium, "mail-staff")
    activate_account(staff, demo, STAFF["email"], STAFF["password"])
    site = demo.site(MELLE)
    log_in(staff, site, uid_of(demo, STAFF["email"]), STAFF["password"])
    assert staff.page.url == site + "/admin/"
    staff.look("dashboard with mail")
    panel = staff.page.get_by_role("region", name="Messagerie").inner_text()
    assert "Votre adresse : eloise.n-diaye@mairie-melle.fr." in panel, panel
    assert "STARTTLS" in panel and uid_of(demo, STAFF["email"]) in panel
    assert ("Boîtes partagées que vous lisez : mairie@mairie-melle.fr, "
            "secretariat@mairie-melle.fr") in panel, panel
    staff.assert_accessible()
