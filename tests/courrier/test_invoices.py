"""Invoices: the délai global de paiement on a table of dates, the circuit (service fait by
the department, final validation by accounting, suspension and rejection with a reason), and
Factur-X invoices read with the `factur-x` library (routed by their service code, totals
checked, duplicates flagged, nothing stored when refused)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from courrier import invoices, register, routing
from courrier import natures as n
from courrier.access import desk_of
from courrier.models import Contact, Item
from mutualis import uploads
from tests.courrier.facturx_cii import cii_xml, facturx_pdf
from tests.courrier.helpers import member, worker
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("start", "today", "due", "ordonnateur", "left", "late"), [
    (date(2026, 3, 2), date(2026, 3, 2), date(2026, 4, 1), date(2026, 3, 22), 30, False),
    (date(2026, 3, 2), date(2026, 4, 1), date(2026, 4, 1), date(2026, 3, 22), 0, False),
    (date(2026, 3, 2), date(2026, 4, 2), date(2026, 4, 1), date(2026, 3, 22), -1, True),
    (date(2026, 12, 15), date(2027, 1, 10), date(2027, 1, 14), date(2027, 1, 4), 4, False),
    (date(2028, 2, 1), date(2028, 3, 1), date(2028, 3, 2), date(2028, 2, 21), 1, False),
])
def test_payment_delay_table(start, today, due, ordonnateur, left, late):
    delay = invoices.delay_from(start, today)
    assert (delay.due, delay.ordonnateur_due, delay.days_left, delay.late) == (
        due, ordonnateur, left, late)


def test_moratory_interest_once_late():
    delay = invoices.delay_from(date(2026, 3, 2), date(2026, 5, 1))  # 30 days late
    assert delay.late and delay.days_left == -30
    # 10,000 € × (2.15 + 8) % × 30 / 365
    assert delay.interest(Decimal("10000.00")) == Decimal("83.42")
    assert invoices.delay_from(date(2026, 3, 2), date(2026, 3, 3)).interest(
        Decimal("10000")) == 0


@pytest.fixture
def melle():
    m = member()
    desks = {k: desk_of(worker(m, uid, roles, deps), m) for k, uid, roles, deps in (
        ("secretaire", "asec", ("secretaire-de-mairie",), ()),
        ("voirie", "bvoi", ("agent",), ("voirie",)),
        ("compta", "ccpt", ("agent",), ("comptabilite",)))}
    return m, desks


def actor(desk):
    return register.Actor(desk.username, desk.username)


def test_the_circuit_service_done_then_accounting(melle):
    m, d = melle
    invoice = register.record(m, subject="Facture enrobé", kind=n.INVOICE,
                              received_on=date(2026, 3, 2), amount=Decimal("1250.40"))
    assert invoice.payment_start == date(2026, 3, 2) and invoice.due_on == date(2026, 4, 1)
    routing.qualify(invoice, d["secretaire"], actor(d["secretaire"]), department="voirie")
    with pytest.raises(register.Refused):  # accounting comes after the service
        invoices.validate(invoice, d["compta"], actor(d["compta"]), "M-2026-0001")
    with pytest.raises(register.Refused) as refused:
        invoices.certify(invoice, d["voirie"], actor(d["voirie"]), n.SUSPENDED)
    assert "motif" in refused.value.messages[0]
    invoices.certify(invoice, d["voirie"], actor(d["voirie"]), n.SUSPENDED,
                     "Livraison incomplète.")
    invoices.certify(invoice, d["voirie"], actor(d["voirie"]), n.SERVICE_DONE)
    with pytest.raises(register.Refused):  # voirie is not accounting
        invoices.validate(invoice, d["voirie"], actor(d["voirie"]), "M-2026-0001")
    with pytest.raises(register.Refused):  # an invoice is closed once validated
        routing.close(invoice, d["voirie"], actor(d["voirie"]))
    invoices.validate(invoice, d["compta"], actor(d["compta"]), "M-2026-0001")
    invoice.refresh_from_db()
    assert (invoice.invoice_state, invoice.mandate_number, invoice.status) == (
        n.VALIDATED, "M-2026-0001", n.TREATED)
    assert invoices.payment_delay(invoice, date(2026, 6, 1)).late is False  # paid: stopped
    assert [e.step for e in invoice.events.order_by("pk")] == [
        "recorded", "assigned", "invoice_suspended", "service_done", "invoice_validated"]
    assert register.history_intact(invoice)


def test_overdue_invoices(melle):
    m, d = melle
    late = register.record(m, subject="Vieille facture", kind=n.INVOICE,
                           received_on=date(2026, 1, 5))
    register.record(m, subject="Facture récente", kind=n.INVOICE, received_on=date(2026, 2, 1))
    found = invoices.overdue_invoices(Item.objects.filter(member=m), date(2026, 2, 10))
    assert list(found) == [late]


def test_a_facturx_invoice_is_read_routed_and_kept(melle, media):
    m, d = melle
    pdf = facturx_pdf(make_pdf("Facture F-2026-118 — enrobé rue de la Gare"))
    assert uploads.problem_of("f.pdf", pdf) is not None  # its embedded XML: not shown as is
    item = invoices.record_einvoice(m, "F-2026-118.pdf", pdf, actor(d["secretaire"]))
    assert (item.kind, item.reference, item.amount, item.department, item.status) == (
        n.INVOICE, "F-2026-118", Decimal("1250.40"), "voirie", n.ASSIGNED)
    assert item.correspondent.name == "Colas Centre-Ouest"
    assert "<ram:ID>F-2026-118</ram:ID>" in item.einvoice_xml
    readable = item.attachments.get().file.read()
    assert uploads.problem_of("f.pdf", readable) is None
    read = item.events.get(step="facturx").data
    assert (read["service_code"], read["order"]) == ("VOIRIE", "EJ-2026-0042")
    again = invoices.record_einvoice(m, "copie.pdf", pdf, actor(d["secretaire"]))
    assert again.duplicate_of == item and again.correspondent == item.correspondent
    # The bare CII XML is read as well.
    xml_only = invoices.record_einvoice(m, "f.xml", cii_xml(number="F-2026-200"),
                                        actor(d["secretaire"]))
    assert xml_only.reference == "F-2026-200" and not xml_only.attachments.exists()


def test_bad_invoices_are_one_sentence_and_nothing_is_stored(melle, media):
    m, d = melle
    wrong = cii_xml(net=Decimal("1000.00"), tax=Decimal("200.00")).replace(
        b"<ram:GrandTotalAmount>1200.00", b"<ram:GrandTotalAmount>1250.00")
    cases = [("plain.pdf", make_pdf("Une facture sans XML"), "ne contient pas de facture"),
             ("wrong.xml", wrong, "ne concordent pas"),
             ("junk.xml", b"<html>not an invoice</html>", "illisible")]
    for name, content, expected in cases:
        with pytest.raises(register.Refused) as refused:
            invoices.record_einvoice(m, name, content, actor(d["secretaire"]))
        assert expected in refused.value.messages[0] and name in refused.value.messages[0]
    assert not Item.objects.exists() and not Contact.objects.exists()
