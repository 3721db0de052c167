"""The register: chrono numbers per member, year and direction (no gap, no duplicate under
parallel intake, on SQLite and on PostgreSQL when DATABASE_URL names one), the contacts book's
SIRET check, attachments through the storage API, duplicates and the chained history."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from courrier import natures as n
from courrier import register
from courrier.models import Attachment, Counter, Event, Item
from courrier.siret import siret_problem
from tests.courrier.helpers import member
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"  # a real, valid SIRET (Luhn key right)


def test_chrono_numbers_per_member_year_and_direction():
    melle, celles = member(), member("79061", "Celles-sur-Belle")
    first = register.record(melle, subject="Demande de subvention",
                            received_on=date(2026, 2, 3))
    second = register.record(melle, subject="Permis de construire",
                             received_on=date(2026, 2, 4))
    out = register.record(melle, subject="Réponse", direction=n.OUTGOING,
                          received_on=date(2026, 2, 4))
    other = register.record(celles, subject="Invitation", received_on=date(2026, 2, 4))
    next_year = register.record(melle, subject="Vœux", received_on=date(2027, 1, 2))
    assert [first.chrono, second.chrono, out.chrono, other.chrono, next_year.chrono] == [
        "2026-A-000001", "2026-A-000002", "2026-D-000001", "2026-A-000001", "2027-A-000001"]
    assert Item.objects.get(pk=first.pk).due_on == date(2026, 3, 5)  # courrier: 30 days
    assert Counter.objects.get(member=melle, year=2026, direction=n.INCOMING).last == 2


def test_a_refused_item_takes_no_number():
    melle = member()
    with pytest.raises(register.Refused) as refused:
        register.record(melle, subject="Scan", files=[("scan.pdf", b"<html>not a pdf")])
    assert "scan.pdf" in refused.value.messages[0]
    assert "n'est pas" in refused.value.messages[0]
    assert not Item.objects.exists() and not Attachment.objects.exists()
    assert register.record(melle, subject="Scan").chrono.endswith("-A-000001")


@pytest.mark.django_db(transaction=True)
def test_parallel_intake_gives_every_number_once():
    melle = member()
    threads, per_thread, errors = 8, 6, []

    def intake(t: int) -> None:
        try:
            for i in range(per_thread):
                register.record(melle, subject=f"Pli {t}-{i}", received_on=date(2026, 5, 1))
        except Exception as exc:  # reported below, with the database that failed
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=intake, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == [], f"{connection.vendor}: {errors}"
    sequences = sorted(Item.objects.filter(member=melle).values_list("sequence", flat=True))
    assert sequences == list(range(1, threads * per_thread + 1))
    assert Item.objects.filter(member=melle).values("chrono").distinct().count() == len(
        sequences)


def test_siret_luhn_key():
    assert siret_problem(SIRET) is None
    assert siret_problem("732 829 320 00074") is None
    assert siret_problem("35600000000048") is None  # La Poste's head office
    assert "clé de contrôle" in siret_problem("73282932000075")
    assert "14 chiffres" in siret_problem("7328293200007")


def test_contacts_book_per_member_and_by_siret():
    melle, celles = member(), member("79061", "Celles-sur-Belle")
    contact = register.add_contact(melle, "Colas Centre-Ouest", siret="732 829 320 00074")
    assert contact.siret == SIRET
    assert register.add_contact(melle, "COLAS", siret=SIRET) == contact
    assert register.add_contact(celles, "Colas", siret=SIRET) != contact
    girard = register.add_contact(melle, "M. Paul Girard")  # no SIRET: known by name
    assert register.add_contact(melle, "m. paul girard") == girard
    with pytest.raises(register.Refused) as refused:
        register.add_contact(melle, "Faux", siret="73282932000075")
    assert "clé de contrôle" in refused.value.messages[0]
    with pytest.raises(register.Refused):
        register.record(celles, subject="Facture", correspondent=contact)


def test_attachments_and_duplicates(media):
    melle = member()
    colas = register.add_contact(melle, "Colas", siret=SIRET)
    scan = make_pdf("Facture F-2026-118 voirie")
    first = register.record(melle, subject="Facture voirie", kind=n.INVOICE, correspondent=colas,
                            reference="F-2026-118", amount=Decimal("1250.40"),
                            files=[("facture.pdf", scan)])
    stored = first.attachments.get()
    assert stored.file.read() == scan and stored.size == len(scan)
    assert first.nature == "facture" and first.invoice_state == n.TO_CERTIFY
    again = register.record(melle, subject="Facture voirie (relance)", kind=n.INVOICE,
                            correspondent=colas, reference="F-2026-118",
                            amount=Decimal("1250.40"))
    same_file = register.record(melle, subject="Scan en double", files=[("copie.pdf", scan)])
    other = register.record(melle, subject="Autre facture", kind=n.INVOICE, correspondent=colas,
                            reference="F-2026-119", amount=Decimal("1250.40"))
    assert again.duplicate_of == first and same_file.duplicate_of == first
    assert other.duplicate_of is None and first.duplicate_of is None
    assert "duplicate" in again.events.values_list("step", flat=True)


def test_history_is_chained():
    item = register.record(member(), subject="Courrier")
    register.log_step(item, "annotated", register.Actor("jdupont", "Jean Dupont"), "Vu.")
    assert register.history_intact(item)
    Event.objects.filter(item=item, step="annotated").update(note="Rien vu.")
    assert not register.history_intact(item)
