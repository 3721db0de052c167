"""The register's staff pages in the Wagtail admin: recording at the counter, the listing
(filters, sorting, pagination, a constant number of queries per page), the item's page and
its actions, by the secrétaire and by the department's agent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courrier import natures as n
from courrier import register
from courrier.models import Item
from tests.courrier.staff import clients, courrier_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(db, media):
    member = courrier_members()[0]
    return member, clients(member, "a")


def test_record_at_the_counter_assign_then_treat_and_close(alpha):
    member, c = alpha
    response = c["secretaire"].post(reverse("courrier:add"), {
        "direction": n.INCOMING, "kind": n.LETTER, "nature": "reclamation",
        "subject": "Lampadaire en panne rue du Four", "new_correspondent": "M. Paul Girard",
        "siret": "", "reference": "", "amount": "", "channel": n.COUNTER,
        "priority": n.NORMAL, "received_on": "2026-03-02"})
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get(member=member)
    assert item.chrono == "2026-A-000001" and item.correspondent.name == "M. Paul Girard"
    assert response["Location"] == reverse("courrier:item", args=[item.pk])
    page = c["secretaire"].get(response["Location"]).content.decode()
    assert "2026-A-000001" in page and "Lampadaire en panne" in page
    # The voirie agent does not see it until it is assigned to voirie.
    assert c["voirie"].get(reverse("courrier:item", args=[item.pk])).status_code == 404
    response = c["secretaire"].post(reverse("courrier:qualify", args=[item.pk]), {
        "department": "voirie", "copies": ["urbanisme"], "nature": "reclamation",
        "priority": n.HIGH, "note": "À traiter cette semaine."})
    assert response.status_code == 302
    listing = c["voirie"].get(reverse("courrier:items")).content.decode()
    assert "Lampadaire en panne" in listing
    page = c["voirie"].get(reverse("courrier:item", args=[item.pk])).content.decode()
    assert "Marquer comme traité" in page and "Attribuer" not in page
    assert c["voirie"].post(reverse("courrier:treat", args=[item.pk]),
                            {"note": "Ampoule changée."}).status_code == 302
    assert c["voirie"].post(reverse("courrier:close", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.status == n.CLOSED
    assert list(item.events.values_list("step", "actor")) == [
        ("recorded", "asec"), ("qualified", "asec"), ("assigned", "asec"),
        ("treated", "avoi"), ("closed", "avoi")]
    history = c["voirie"].get(reverse("courrier:item", args=[item.pk])).content.decode()
    assert "Ampoule changée." in history and "Clos" in history


def test_a_wrong_siret_is_one_sentence_and_nothing_is_recorded(alpha):
    member, c = alpha
    response = c["secretaire"].post(reverse("courrier:add"), {
        "direction": n.INCOMING, "kind": n.INVOICE, "nature": "facture", "subject": "Facture",
        "new_correspondent": "Colas", "siret": "73282932000075", "channel": n.POST,
        "priority": n.NORMAL, "received_on": "2026-03-02"})
    assert response.status_code == 400
    assert "clé de contrôle est fausse" in response.content.decode()
    assert not Item.objects.exists()


def test_the_department_agent_cannot_record_or_assign(alpha):
    member, c = alpha
    item = register.record(member, subject="Demande")
    assert c["voirie"].get(reverse("courrier:add")).status_code == 404
    # The item is not theirs: 404, as for another member's.
    assert c["voirie"].post(reverse("courrier:qualify", args=[item.pk]),
                            {"department": "voirie"}).status_code == 404
    assert Item.objects.get(pk=item.pk).status == n.RECORDED


def test_listing_filters_sorting_pagination_and_constant_queries(alpha):
    member, c = alpha
    today = date.today()
    for i in range(65):
        item = register.record(member, subject=f"Pli {i:02d}", received_on=today
                               - timedelta(days=i), nature="invitation" if i % 2 else "demande")
        if i % 3 == 0:
            Item.objects.filter(pk=item.pk).update(department="voirie", status=n.ASSIGNED)
    client = c["secretaire"]
    url = reverse("courrier:items")
    first = client.get(url).content.decode()
    assert "Pli 00" in first and "Pli 29" in first and "Pli 30" not in first
    assert "Pli 30" in client.get(url, {"p": "2"}).content.decode()
    only_late = client.get(url, {"overdue": "true"}).context["object_list"]
    assert only_late and all(i.overdue for i in only_late)
    voirie = client.get(url, {"department": "voirie"}).context["paginator"].count
    assert voirie == 22
    invitations = client.get(url, {"nature": "invitation"}).context["paginator"].count
    assert invitations == 32
    by_subject = list(client.get(url, {"ordering": "subject"}).context["object_list"])
    assert [i.subject for i in by_subject[:2]] == ["Pli 00", "Pli 01"]
    assert client.get(url, {"q": "Pli 64"}).context["paginator"].count == 1

    def queries(page: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"p": page}).status_code == 200
        return len(captured)

    assert queries("1") == queries("2") == queries("3")


def test_an_invoice_page_shows_its_payment_delay_and_circuit(alpha):
    member, c = alpha
    from decimal import Decimal

    late = register.record(member, subject="Facture ancienne", kind=n.INVOICE,
                           received_on=date.today() - timedelta(days=40),
                           amount=Decimal("3650.00"))
    Item.objects.filter(pk=late.pk).update(department="voirie", status=n.ASSIGNED)
    page = c["voirie"].get(reverse("courrier:item", args=[late.pk])).content.decode()
    assert "Délai global de paiement de 30 jours" in page
    assert "dépassé de 10 jours" in page and "intérêts moratoires" in page
    assert "10,15 €" in page or "10.15 €" in page  # 3,650 € × (2.15 + 8) % × 10 / 365
    assert "Enregistrer la décision du service" in page
    # Accounting sees the invoice once the service is certified, not before.
    assert c["compta"].get(reverse("courrier:item", args=[late.pk])).status_code == 404
    assert c["voirie"].post(reverse("courrier:certify", args=[late.pk]),
                            {"outcome": n.SERVICE_DONE}).status_code == 302
    page = c["compta"].get(reverse("courrier:item", args=[late.pk])).content.decode()
    assert "Valider (comptabilité)" in page
    assert c["compta"].post(reverse("courrier:validate", args=[late.pk]),
                            {"mandate_number": "M-2026-0042"}).status_code == 302
    late.refresh_from_db()
    assert (late.invoice_state, late.mandate_number) == (n.VALIDATED, "M-2026-0042")


def test_the_admins_search_offers_the_register(alpha):
    member, c = alpha
    register.record(member, subject="Subvention du comité des fêtes")
    # Another app's search page offers the register among its « Autres recherches ».
    page = c["secretaire"].get(reverse("actes:acts"), {"q": "comité"})
    assert f'href="{reverse("courrier:items")}?q=comit' in page.content.decode()
    found = c["secretaire"].get(reverse("courrier:items"), {"q": "comité"})
    assert [i.subject for i in found.context["object_list"]] == [
        "Subvention du comité des fêtes"]
