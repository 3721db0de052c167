"""Invoices: the circuit (the department certifies « service fait », or suspends or rejects
with a reason; accounting gives the final validation with the mandat number), the legal
payment delay, and Factur-X reading.

The délai global de paiement of a commune, an EPCI or a département is 30 days (Code de la
commande publique, R2192-10), 20 of them for the ordonnateur and 10 for the comptable public.
It runs from the day the invoice is received (for an invoice through Chorus Pro, the day it
is made available there), or from the day the service was done when that is later
(R2192-12). Past it, the supplier is owed moratory interest at the ECB's main refinancing rate
plus 8 points (R2192-31) and a fixed 40 € indemnity for recovery costs (D2192-35).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import chorus
from . import natures as n
from .access import Desk
from .models import Item
from .register import Actor, Refused, log_step

DELAY_DAYS = 30
ORDONNATEUR_DAYS = 20
# The ECB's main refinancing rate (%), as in force since 11 June 2025; the rate of a semester
# is the one in force on its first day (R2192-31): update it when the ECB changes it.
ECB_RATE = Decimal("2.15")
MORATORY_POINTS = Decimal("8")
RECOVERY_INDEMNITY = Decimal("40.00")


@dataclass(frozen=True)
class PaymentDelay:
    start: date
    ordonnateur_due: date
    due: date
    days_left: int  # negative once late
    paid: bool  # validated by accounting: the delay stopped

    @property
    def late(self) -> bool:
        return not self.paid and self.days_left < 0

    @property
    def at_risk(self) -> bool:
        return not self.paid and 0 <= self.days_left <= 10

    def interest(self, amount: Decimal | None) -> Decimal:
        """The moratory interest owed now (0 before the due date)."""
        if not self.late or amount is None:
            return Decimal("0.00")
        rate = (ECB_RATE + MORATORY_POINTS) / 100
        owed = amount * rate * (-self.days_left) / 365
        return owed.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def delay_from(start: date, today: date, paid: bool = False) -> PaymentDelay:
    due = start + timedelta(days=DELAY_DAYS)
    return PaymentDelay(start, start + timedelta(days=ORDONNATEUR_DAYS), due,
                        (due - today).days, paid)


def payment_delay(item: Item, today: date | None = None) -> PaymentDelay | None:
    if item.kind != n.INVOICE or item.payment_start is None:
        return None
    return delay_from(item.payment_start, today or timezone.localdate(),
                      paid=item.invoice_state in (n.VALIDATED, n.REJECTED))


def may_certify(item: Item, desk: Desk) -> bool:
    return (item.invoice_state in (n.TO_CERTIFY, n.SUSPENDED) and bool(item.department)
            and (desk.works_in(item.department) or desk.secretariat))


def may_validate(item: Item, desk: Desk) -> bool:
    return item.invoice_state == n.SERVICE_DONE and desk.accounting


STEP_OF = {n.SERVICE_DONE: "service_done", n.SUSPENDED: "invoice_suspended",
           n.REJECTED: "invoice_rejected"}


@transaction.atomic
def certify(item: Item, desk: Desk, actor: Actor, outcome: str, reason: str = "") -> Item:
    """The department that received the invoice says the service was done (or suspends or
    rejects it, saying why)."""
    if item.kind != n.INVOICE or outcome not in STEP_OF:
        raise Refused([_("cette décision ne s'applique pas à ce pli.")])
    if not may_certify(item, desk):
        raise Refused([_("seul le service auquel la facture est attribuée la certifie, tant "
                         "qu'elle attend sa certification.")])
    reason = reason.strip()
    if outcome != n.SERVICE_DONE and not reason:
        raise Refused([_("le motif est obligatoire pour suspendre ou rejeter une facture.")])
    item.invoice_state = outcome
    item.save(update_fields=["invoice_state"])
    log_step(item, STEP_OF[outcome], actor, reason, state=outcome)
    chorus.queue_status(item, outcome, reason)
    return item


@transaction.atomic
def validate(item: Item, desk: Desk, actor: Actor, mandate_number: str) -> Item:
    """Accounting's final validation: the mandat is issued."""
    if not may_validate(item, desk):
        raise Refused([_("seule la comptabilité valide une facture, une fois le service fait "
                         "certifié.")])
    mandate_number = mandate_number.strip()
    if not mandate_number:
        raise Refused([_("le numéro de mandat est obligatoire.")])
    item.invoice_state, item.mandate_number, item.status = n.VALIDATED, mandate_number, n.TREATED
    item.save(update_fields=["invoice_state", "mandate_number", "status"])
    log_step(item, "invoice_validated", actor, mandate=mandate_number)
    chorus.queue_status(item, n.VALIDATED, mandate=mandate_number)
    return item


def overdue_invoices(items, today: date | None = None):
    """Those of the items (a queryset) that are invoices past their payment delay."""
    today = today or timezone.localdate()
    return items.filter(kind=n.INVOICE, payment_start__lt=today - timedelta(days=DELAY_DAYS)
                        ).exclude(invoice_state__in=(n.VALIDATED, n.REJECTED))


# ------------------------------------------------------------------ Factur-X


@dataclass(frozen=True)
class EInvoice:
    """What an electronic invoice (Factur-X, or its CII/UBL XML alone) says."""

    number: str
    issued: date | None
    seller: str
    seller_id: str  # SIRET (scheme 0009) or SIREN (0002)
    service_code: str  # BT-10, the buyer reference: Chorus Pro's code service
    order: str  # BT-13, the engagement number
    net: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    xml: bytes


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


def read_einvoice(name: str, content: bytes) -> EInvoice:
    """Read a Factur-X PDF or a CII/UBL XML with the `factur-x` library; Refused with one
    sentence when it is neither or its totals do not add up."""
    import facturx

    if content.startswith(b"%PDF-"):
        try:
            _xml_name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        except Exception:
            xml = None
        if not xml:
            raise Refused([_("%(f)s : ce PDF ne contient pas de facture Factur-X (aucun XML "
                             "joint) ; enregistrez-le comme facture numérisée.") % {"f": name}])
    else:
        xml = content
    try:
        data = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    except Exception:
        raise Refused([_("%(f)s : le XML de la facture est illisible (ni CII ni UBL).")
                       % {"f": name}]) from None
    seller = data.get("BG-4") or {}
    invoice = EInvoice(
        number=str(data.get("BT-1") or ""), issued=data.get("BT-2"),
        seller=str(seller.get("name") or ""),
        seller_id=str(seller.get("legal_identifier") or ""),
        service_code=str(data.get("BT-10") or ""), order=str(data.get("BT-13") or ""),
        net=_amount(data.get("BT-109")), tax=_amount(data.get("BT-110")),
        total=_amount(data.get("BT-112")), xml=xml)
    if not invoice.number or invoice.total is None:
        raise Refused([_("%(f)s : la facture n'a pas de numéro ou pas de montant TTC.")
                       % {"f": name}])
    if invoice.net is not None and invoice.tax is not None and (
            invoice.net + invoice.tax != invoice.total):
        raise Refused([_("%(f)s : les montants de la facture ne concordent pas (HT %(ht)s + "
                         "TVA %(tva)s ≠ TTC %(ttc)s).") % {
            "f": name, "ht": invoice.net, "tva": invoice.tax, "ttc": invoice.total}])
    return invoice


def has_einvoice_xml(content: bytes) -> bool:
    """Whether a PDF carries an electronic invoice's XML (Factur-X)."""
    import facturx

    try:
        return bool(facturx.get_xml_from_pdf(content, check_xsd=False)[1])
    except Exception:
        return False


def readable_pdf(content: bytes) -> bytes:
    """The Factur-X PDF without its embedded XML (the upload policy refuses embedded files in
    a PDF shown inline); the XML itself is kept on the item."""
    import pikepdf

    with pikepdf.open(io.BytesIO(content)) as pdf:
        names = pdf.Root.get("/Names")
        if names is not None and "/EmbeddedFiles" in names:
            del names["/EmbeddedFiles"]
        if "/AF" in pdf.Root:
            del pdf.Root["/AF"]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)  # the same invoice gives the same file
    return out.getvalue()


def record_einvoice(member, name: str, content: bytes, actor: Actor, *,
                    channel: str = n.EINVOICE, source: str = "", received_on=None):
    """Record an electronic invoice: its supplier in the contacts book, its number and total,
    its XML kept, a readable PDF attached; routed to the department whose slug is its service
    code (BT-10), if the member has one. Refused, with nothing stored, when it cannot be read."""
    from provisioning import people

    from .register import add_contact, record
    from .routing import assign_by_system

    invoice = read_einvoice(name, content)
    siret = invoice.seller_id if len(invoice.seller_id) == 14 else ""
    files = [(name, readable_pdf(content))] if content.startswith(b"%PDF-") else []
    with transaction.atomic():
        supplier = add_contact(member, invoice.seller or _("Fournisseur inconnu"), siret=siret)
        item = record(member, subject=_("Facture %(n)s — %(s)s") % {
                          "n": invoice.number, "s": supplier.name},
                      kind=n.INVOICE, channel=channel, correspondent=supplier,
                      reference=invoice.number, amount=invoice.total, files=files, actor=actor,
                      source=source, received_on=received_on)
        item.einvoice_xml = invoice.xml.decode("utf-8", "replace")
        item.save(update_fields=["einvoice_xml"])
        log_step(item, "facturx", actor, number=invoice.number,
                 service_code=invoice.service_code, order=invoice.order,
                 total=str(invoice.total))
        code = invoice.service_code.strip().lower()
        if code in people.departments(member):
            assign_by_system(item, code)
    return item
