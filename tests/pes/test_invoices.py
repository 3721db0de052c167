"""A mandat links to the invoices it pays: where the member keeps its courrier here, the PDF a
mandat's pièce refers to in PES_PJ is found in the register by its SHA-256, written on the
flux at its deposit and shown on the folder's page with a link to the register's item. A
titre, a PJ the register does not hold, another member's invoice, or a member without the
courrier: nothing."""

from __future__ import annotations

import html
from decimal import Decimal

from courrier import natures, register
from pes import services
from pes.models import PesFlux

from .generate import _pdf, make_flux
from .test_parapheur import login


def invoice(member, subject: str, pdf: bytes, supplier: str = "Librairie du Mellois"):
    item = register.record(member, subject=subject, kind=natures.INVOICE,
                           amount=Decimal("1250.40"),
                           correspondent=register.add_contact(member, supplier))
    register.attach(item, "facture.pdf", pdf)
    return item


def test_the_mandats_invoices_are_linked_from_the_folder(client, pes_registry):
    alpha, bravo = pes_registry.alpha, pes_registry.bravo
    alpha.services = [*alpha.services, "courrier"]
    alpha.save()
    paid = invoice(alpha, "Fournitures scolaires, novembre", _pdf("facture-72-2.pdf"))
    invoice(alpha, "Cantine", _pdf("facture-12-1.pdf"))  # a titre's PJ: no payment
    invoice(alpha, "Sans rapport", _pdf("autre.pdf"))
    bravo.services = [*bravo.services, "courrier"]
    bravo.save()
    invoice(bravo, "Celle de Bravoville", _pdf("facture-72-1.pdf"))  # another member's

    folder = services.submit_flux(pes_registry.secretaire, alpha, "PESALR2.xml", make_flux())
    [row] = PesFlux.objects.get(folder=folder).invoices
    assert row == {"bordereau": "72", "exercice": "2026", "piece": "72002",
                   "pj": "facture-72-2.pdf", "item": paid.pk, "chrono": paid.chrono,
                   "subject": "Fournitures scolaires, novembre",
                   "supplier": "Librairie du Mellois", "amount": "1250.40"}

    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    login(client, pes_registry.secretaire)
    page = html.unescape(client.get(f"/admin/parapheur/dossiers/{folder.pk}/").content.decode())
    assert "Factures du registre du courrier que ces mandats paient" in page
    assert f'<a href="/admin/courrier/{paid.pk}/">{paid.chrono}</a>' in page
    assert "1\xa0250,40\xa0€" in page


def test_without_the_courrier_no_invoice_is_looked_for(pes_registry):
    alpha = pes_registry.alpha
    folder = services.submit_flux(pes_registry.secretaire, alpha, "PESALR2.xml", make_flux())
    assert PesFlux.objects.get(folder=folder).invoices == []
