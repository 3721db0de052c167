"""Intake from the member's courrier@ over IMAP, against real Postfix and Dovecot on a real
slapd: messages sent through Postfix become items (e-mail, the sender in the contacts book,
the text searchable, attachments kept and the scanned PDF OCR'd), move to « Enregistrés »,
and are never recorded twice; a bad message moves to « Refusés » with its reason kept."""

from __future__ import annotations

import pytest

from courrier import mailbox
from courrier import natures as n
from courrier.models import Contact, Item, Refusal
from courrier.tasks import fetch_mail
from mail_service.services import functional_mailbox
from tests.courrier.facturx_cii import facturx_pdf
from tests.courrier.helpers import member
from tests.courrier.mailboxes import (
    courrier_mailbox,
    folders,
    letter,
    send,
    wait_for_inbox,
)
from tests.courrier.scans import scanned_pdf
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db


def test_imap_utf7_names_of_the_folders():
    assert mailbox.imap_utf7("Refusés") == "Refus&AOk-s"
    assert mailbox.imap_utf7("Enregistrés") == "Enregistr&AOk-s"
    assert mailbox.imap_utf7("A&B") == "A&-B"


def test_messages_become_items_once_and_a_bad_one_is_refused(
        mail_settings, intake_slapd, django_capture_on_commit_callbacks):
    servers = mail_settings
    melle = member(services=("courrier", "messagerie"))
    address = courrier_mailbox(intake_slapd, servers, melle.code)
    scan = scanned_pdf(["Demande de permis de construire", "Parcelle AB 123"])
    send(servers, address, letter("Jeanne Martin <jeanne.martin@example.org>", address,
                                  "Demande de permis de construire",
                                  "Madame, Monsieur,\nje sollicite un permis pour ma grange.",
                                  files=[("permis.pdf", scan, "application", "pdf")]))
    send(servers, address, letter("fournisseur@example.com", address, "Devis élagage",
                                  "Veuillez trouver notre devis."))
    send(servers, address, letter("pirate@example.net", address, "Facture urgente",
                                  "Ouvrez la pièce jointe.",
                                  files=[("facture.exe", b"MZ\x90\x00binary", "application",
                                          "octet-stream")]))
    send(servers, address, letter("mairie@example.fr", address, "Compte rendu",
                                  files=[("compte-rendu.pdf", b"ceci n'est pas un PDF",
                                          "application", "pdf")]))
    wait_for_inbox(servers, melle.code, 4)

    with django_capture_on_commit_callbacks(execute=True):
        done = fetch_mail.delay().get()
    assert done == {"members": 1, "recorded": 2, "refused": 2, "failed": 0}
    # Nothing left in the INBOX, nothing lost: two recorded, two refused.
    assert folders(servers, melle.code) == {"INBOX": 0, "Enregistr&AOk-s": 2,
                                            "Refus&AOk-s": 2}

    permis = Item.objects.get(member=melle, subject="Demande de permis de construire")
    assert (permis.kind, permis.channel, permis.direction) == (n.EMAIL, n.MAIL, n.INCOMING)
    assert permis.chrono.endswith("-A-000001")
    assert permis.correspondent.name == "Jeanne Martin"
    assert permis.correspondent.email == "jeanne.martin@example.org"
    assert "je sollicite un permis pour ma grange" in permis.text
    [attachment] = permis.attachments.all()
    assert attachment.name == "permis.pdf" and attachment.file.read() == scan
    assert attachment.searchable  # OCR'd as an upload is
    assert "Parcelle" in Item.objects.get(pk=permis.pk).text
    assert [e.step for e in permis.events.order_by("pk")][:2] == ["recorded",
                                                                  "received_by_mail"]
    devis = Item.objects.get(member=melle, subject="Devis élagage")
    assert devis.correspondent.name == "fournisseur@example.com"

    reasons = sorted(Refusal.objects.filter(member=melle).values_list("reason", flat=True))
    assert len(reasons) == 2
    assert any("facture.exe" in r for r in reasons), reasons
    assert any("compte-rendu.pdf" in r for r in reasons), reasons
    assert all(r.where.endswith("/ Refusés") for r in Refusal.objects.filter(member=melle))

    # The same sender again: the same contact. Run again: nothing new, nothing twice.
    send(servers, address, letter("Jeanne Martin <JEANNE.MARTIN@example.org>", address,
                                  "Relance permis"))
    wait_for_inbox(servers, melle.code, 1)
    assert fetch_mail.delay().get()["recorded"] == 1
    assert fetch_mail.delay().get() == {"members": 1, "recorded": 0, "refused": 0,
                                        "failed": 0}
    assert Item.objects.filter(member=melle).count() == 3
    assert Contact.objects.filter(member=melle, email__iexact="jeanne.martin@example.org"
                                  ).count() == 1


def test_a_message_recorded_before_a_crash_is_moved_not_recorded_again(
        mail_settings, intake_slapd):
    servers = mail_settings
    melle = member(services=("courrier", "messagerie"))
    address = courrier_mailbox(intake_slapd, servers, melle.code)
    msg = letter("mairie@example.org", address, "Invitation au congrès")
    send(servers, address, msg)
    wait_for_inbox(servers, melle.code, 1)
    # As if a run had recorded it and died before moving it.
    mailbox.record_message(melle, msg.as_bytes(), address)
    done = mailbox.fetch(melle, functional_mailbox(melle.code, "courrier"))
    assert done.recorded and Item.objects.filter(member=melle).count() == 1
    assert folders(servers, melle.code)["INBOX"] == 0


def test_a_message_that_fails_unexpectedly_is_set_aside_and_the_next_one_recorded(
        mail_settings, intake_slapd, monkeypatch):
    servers = mail_settings
    melle = member(services=("courrier", "messagerie"))
    address = courrier_mailbox(intake_slapd, servers, melle.code)
    for subject in ("Pli illisible", "Invitation au congrès"):
        send(servers, address, letter("mairie@example.org", address, subject))
    wait_for_inbox(servers, melle.code, 2)
    record = mailbox.record_message

    def failing_once(member_, raw, to):
        if b"Pli illisible" in raw:
            raise OSError("disque plein")
        return record(member_, raw, to)

    monkeypatch.setattr(mailbox, "record_message", failing_once)
    before = folders(servers, melle.code)  # the servers are the module's: earlier tests' mail
    done = mailbox.fetch(melle, functional_mailbox(melle.code, "courrier"))
    assert len(done.recorded) == 1 and len(done.refused) == 1
    assert "erreur inattendue" in done.refused[0] and "disque plein" not in done.refused[0]
    assert [i.subject for i in Item.objects.filter(member=melle)] == ["Invitation au congrès"]
    after = folders(servers, melle.code)
    assert after == {"INBOX": 0, "Enregistr&AOk-s": before["Enregistr&AOk-s"] + 1,
                     "Refus&AOk-s": before["Refus&AOk-s"] + 1}


def test_a_member_without_courrier_mailbox_and_a_wrong_password(mail_settings, intake_slapd,
                                                                 settings):
    melle = member("79061", "Celles-sur-Belle", services=("courrier", "messagerie"))
    assert functional_mailbox(melle.code, "courrier") is None  # none in the directory
    assert fetch_mail.delay().get() == {"members": 0, "recorded": 0, "refused": 0,
                                        "failed": 0}
    courrier_mailbox(intake_slapd, mail_settings, melle.code)
    settings.MUTUALIS_MAIL = {**mail_settings.settings(), "imap_master_password": "faux",
                              "imap_master_password_file": ""}
    with pytest.raises(mailbox.IntakeError, match="ne s'ouvre pas"):
        mailbox.fetch(melle, functional_mailbox(melle.code, "courrier"))
    assert fetch_mail.delay().get()["failed"] == 1


def test_a_message_without_sender_is_refused_by_the_reader():
    with pytest.raises(mailbox.Refused, match="pas d'expéditeur"):
        mailbox.read_message(b"Subject: sans expediteur\r\n\r\nqui suis-je ?\r\n")


def test_a_facturx_sent_by_mail_is_recorded_as_an_invoice(mail_settings, intake_slapd):
    servers = mail_settings
    melle = member("79048", "Chef-Boutonne", services=("courrier", "messagerie"))
    address = courrier_mailbox(intake_slapd, servers, melle.code)
    invoice = facturx_pdf(make_pdf("Facture F-2026-77"), number="F-2026-77", service="VOIRIE")
    send(servers, address, letter("compta@colas.example", address, "Facture F-2026-77",
                                  "Veuillez trouver notre facture.",
                                  files=[("F-2026-77.pdf", invoice, "application", "pdf")]))
    send(servers, address, letter("compta@colas.example", address, "Factures et devis",
                                  files=[("F-2026-78.pdf", facturx_pdf(
                                      make_pdf("Facture F-2026-78"), number="F-2026-78"),
                                      "application", "pdf"),
                                         ("devis.pdf", make_pdf("Devis"), "application",
                                          "pdf")]))
    wait_for_inbox(servers, melle.code, 2)
    done = mailbox.fetch(melle, functional_mailbox(melle.code, "courrier"))
    assert len(done.recorded) == 2 and not done.refused
    only_invoice = Item.objects.get(member=melle, reference="F-2026-77")
    assert (only_invoice.kind, only_invoice.channel) == (n.INVOICE, n.MAIL)
    assert only_invoice.department == "voirie" and only_invoice.einvoice_xml
    assert only_invoice.source.endswith("#facture-1")
    # The message with an invoice and a quote: the message (with the quote) and the invoice.
    message = Item.objects.get(member=melle, subject="Factures et devis")
    assert [a.name for a in message.attachments.all()] == ["devis.pdf"]
    assert Item.objects.get(member=melle, reference="F-2026-78").kind == n.INVOICE
    assert Item.objects.filter(member=melle).count() == 3
    assert mailbox.fetch(melle, functional_mailbox(melle.code, "courrier")).recorded == []
