"""What comes by itself into Melle's register: two letters e-mailed to courrier@mairie-melle.fr
(through the demo's own Postfix and Dovecot), a message whose attachment is no document
(refused, left in « Refusés »), and a supplier's Factur-X invoice deposited in Chorus Pro (a
local stand-in of it, never presented as Chorus Pro, started by the test). The intake runs as
cron runs it (`mutualis courrier-intake`); the secrétariat (Melle's DGS) finds the letters
and the invoice in the register, sees the refused message and why, certifies the service
done and validates the invoice with its mandat number, and Chorus Pro receives each status
(sent by the next intake: the demo's web process knows no Chorus Pro)."""

from __future__ import annotations

import json
import re
import smtplib
import subprocess
import uuid
from email.message import EmailMessage

import pytest

from tests.courrier.facturx_cii import facturx_pdf
from tests.doubles.chorus_standin import ChorusStandIn
from tests.factories import make_pdf

from .browsing import activate_account, log_in, visitor
from .people import MELLE, SECRETAIRE

COURRIER = "courrier@mairie-melle.fr"
STRUCTURE = 26790174
ACCOUNT = {"login": "TECH_MELLE@cpro.fr", "password": "compte technique de Melle"}


def mail_to_courrier(demo, sender: str, subject: str, body: str, files=()) -> None:
    """As a correspondent's server delivers it: to the demo Postfix's MX port."""
    servers = json.loads((demo.var / "services.json").read_text())["mail-server"]
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, COURRIER, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    for name, content, maintype, subtype in files:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP(servers["host"], int(servers["smtp_port"]), timeout=20) as smtp:
        smtp.send_message(msg)


def intake(demo, standin, *only: str) -> str:
    """`mutualis courrier-intake` on the demo's var/, Chorus Pro being the stand-in."""
    env = {**demo.env, "MUTUALIS_CHORUS_PRO_URL": standin.url,
           "MUTUALIS_CHORUS_PRO_TOKEN_URL": standin.token_url,
           "MUTUALIS_CHORUS_PRO_CLIENT_ID": "paysmellois-piste",
           "MUTUALIS_CHORUS_PRO_CLIENT_SECRET": "secret de l'application",
           "MUTUALIS_CHORUS_PRO_ACCOUNTS": json.dumps(
               {"79174": {**ACCOUNT, "structure": STRUCTURE}})}
    args = [a for o in only for a in ("--only", o)]
    done = subprocess.run([*demo.command, "courrier-intake", *args], cwd=demo.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def standin():
    with ChorusStandIn(client_id="paysmellois-piste",
                       client_secret="secret de l'application") as server:
        server.account(ACCOUNT["login"], ACCOUNT["password"], STRUCTURE)
        yield server


def wait_for_delivery(demo, standin, expected: int) -> str:
    """Delivery is asynchronous: run the mail intake until the messages are in."""
    import time

    deadline, said = time.monotonic() + 60, ""
    seen = 0
    while time.monotonic() < deadline:
        said = intake(demo, standin, "mail")
        found = re.search(r"mail: (\d+) recorded, (\d+) refused", said)
        seen += int(found.group(1)) + int(found.group(2))
        if seen >= expected:
            return said
        time.sleep(1)
    raise AssertionError(f"only {seen} of {expected} messages taken: {said}")


def test_mail_and_chorus_pro_invoices_reach_the_register(demo, chromium, standin):
    site = demo.site(MELLE)
    mail_to_courrier(demo, "Jeanne Martin <jeanne.martin@example.org>",
                     "Demande d'autorisation de terrasse",
                     "Madame, Monsieur,\nje sollicite une autorisation de terrasse pour mon "
                     "café, place de la Poste.\nJeanne Martin",
                     files=[("plan-terrasse.pdf", make_pdf("Plan de la terrasse"),
                             "application", "pdf")])
    mail_to_courrier(demo, "Association Les Amis du Lavoir <amis.lavoir@example.org>",
                     "Invitation à l'assemblée générale", "Le 12 juin, salle des fêtes.")
    mail_to_courrier(demo, "inconnu@example.net", "Votre colis",
                     "Ouvrez la pièce jointe.",
                     files=[("colis.exe", b"MZ\x90\x00", "application", "octet-stream")])
    id_facture = standin.deposit(
        STRUCTURE, facturx_pdf(make_pdf("Facture F-2026-231 : curage des fossés"),
                               number="F-2026-231", service="VOIRIE"),
        number="F-2026-231", supplier="Colas Centre-Ouest", siret="73282932000074",
        service_code="VOIRIE", total=1250.40, net=1042.00)
    wait_for_delivery(demo, standin, 3)
    said = intake(demo, standin, "chorus")
    assert "chorus: 1 recorded" in said, said

    staff = visitor(chromium, "courrier-intake")
    page = staff.page
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    if "/connexion/" in page.url:  # run alone: no earlier journey activated the account
        activate_account(staff, demo, SECRETAIRE["email"], SECRETAIRE["password"])
        log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    staff.goto(site + "/admin/courrier/", "register")
    assert "Demande d'autorisation de terrasse" in staff.text()

    staff.goto(site + "/admin/courrier/?channel=courriel", "register by mail")
    listing = staff.text()
    assert "Demande d'autorisation de terrasse" in listing
    assert "Invitation à l'assemblée générale" in listing
    assert "Association Les Amis du Lavoir" in listing
    assert "Colas" not in listing
    staff.goto(site + "/admin/courrier/?channel=courriel&q=terrasse", "search by mail")
    page.get_by_role("link", name=re.compile(r"\d{4}-A-\d{6}")).first.click()
    page.wait_for_url(re.compile(r"/admin/courrier/\d+/$"))
    staff.look("a letter that came by mail")
    text = staff.text()
    assert "Courriel" in text and "Jeanne Martin" in text
    assert "plan-terrasse.pdf" in text
    assert "je sollicite une autorisation de terrasse" in text  # the message, searchable
    history = page.get_by_role("table", name="Étapes du pli").inner_text()
    assert "Reçu par courriel" in history, history

    staff.goto(site + "/admin/courrier/refus/", "refused arrivals")
    refused = staff.text()
    assert "inconnu@example.net" in refused and "colis.exe" in refused
    assert "Refusés" in refused

    staff.goto(site + "/admin/courrier/?channel=chorus-pro", "register from Chorus Pro")
    assert "Facture F-2026-231 — Colas Centre-Ouest" in staff.text()
    page.get_by_role("link", name=re.compile(r"\d{4}-A-\d{6}")).first.click()
    page.wait_for_url(re.compile(r"/admin/courrier/\d+/$"))
    staff.look("invoice from Chorus Pro")
    text = staff.text()
    assert f"Facture reçue de Chorus Pro (identifiant {id_facture})" in text
    assert "Services techniques et voirie" in text  # routed on its service code
    page.get_by_label("Décision du service").select_option(label="Service fait")
    page.get_by_role("button", name="Enregistrer la décision du service").click()
    staff.look("service done")
    assert "Facture : service fait, à valider par la comptabilité." in staff.text()
    page.get_by_label("Numéro de mandat").fill("M-2026-0612")
    page.get_by_role("button", name="Valider (comptabilité)").click()
    page.locator("#chorus-section").scroll_into_view_if_needed()
    staff.look("invoice validated, statuses waiting")
    assert "Facture validée par la comptabilité (mandat M-2026-0612)." in staff.text()
    panel = page.locator("#chorus-content").text_content()
    assert panel.count("en attente") == 2, panel

    said = intake(demo, standin, "chorus")
    assert "statuses 2 sent, 0 failed, 0 waiting" in said, said
    page.reload()
    page.locator("#chorus-section").scroll_into_view_if_needed()
    staff.look("statuses returned to Chorus Pro")
    panel = page.locator("#chorus-content").text_content()
    assert panel.count("transmis") == 2 and "en attente" not in panel, panel
    history = page.get_by_role("table", name="Étapes du pli").inner_text()
    assert history.count("Statut transmis à Chorus Pro") == 2, history
    invoice = standin.invoice(id_facture)
    assert invoice.status == "MANDATEE"
    assert [h["statut"] for h in invoice.history] == [
        "MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE"]
    assert invoice.history[-1]["numeroDPMandat"] == "M-2026-0612"
    staff.assert_accessible()
