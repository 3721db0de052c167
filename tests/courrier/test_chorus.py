"""The Chorus Pro connector against the stand-in (tests/doubles/chorus_standin/), which
follows the API on PISTE: invoices deposited for a member are recorded once (Factur-X read,
routed on its service code, duplicates flagged, the payment delay from the deposit date), a
bad one is refused and said once, and the circuit's decisions go back to Chorus Pro, from
service fait to MANDATEE, retried when Chorus Pro does not answer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from courrier import chorus, invoices
from courrier import natures as n
from courrier.access import desk_of
from courrier.models import Item, Refusal, StatusPush
from courrier.register import Actor
from courrier.tasks import chorus_import
from tests.courrier.facturx_cii import facturx_pdf
from tests.courrier.helpers import member, worker
from tests.doubles.chorus_standin import ChorusStandIn
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db

STRUCTURE = 25784123


@pytest.fixture
def standin(settings):
    with ChorusStandIn(client_id="mutualis-piste", client_secret="s3cret") as server:
        server.account("TECH_79174@cpro.fr", "motdepasse", STRUCTURE)
        server.account("TECH_79061@cpro.fr", "autre", STRUCTURE + 1)
        settings.MUTUALIS_CHORUS_PRO = {
            "api_url": server.url, "token_url": server.token_url,
            "client_id": "mutualis-piste", "client_secret": "s3cret",
            "accounts": {"79174": {"login": "TECH_79174@cpro.fr", "password": "motdepasse",
                                   "structure": STRUCTURE},
                         "79061": {"login": "TECH_79061@cpro.fr", "password": "autre",
                                   "structure": STRUCTURE + 1}}}
        chorus._tokens.clear()
        yield server


def deposit(standin, number="F-2026-118", service="VOIRIE", structure=STRUCTURE, days_ago=3,
            **fields):
    pdf = facturx_pdf(make_pdf(f"Facture {number}"), number=number, service=service, **fields)
    return standin.deposit(structure, pdf, number=number, supplier="Colas Centre-Ouest",
                           siret="73282932000074", service_code=service, total=1250.40,
                           net=1042.00,
                           deposited=(date.today() - timedelta(days=days_ago)).isoformat())


def test_invoices_from_chorus_pro_are_recorded_once_and_routed(standin):
    melle, celles = member(), member("79061", "Celles-sur-Belle")
    first = deposit(standin)
    deposit(standin, "F-2026-119", service="URBANISME")
    deposit(standin, "F-2026-500", structure=STRUCTURE + 1)  # Celles-sur-Belle's
    done = chorus_import.delay().get()
    assert done["recorded"] == 3 and done["members"] == 2 and done["failed"] == 0
    item = Item.objects.get(member=melle, chorus_id=str(first))
    assert (item.kind, item.channel, item.reference, item.amount) == (
        n.INVOICE, n.CHORUS, "F-2026-118", Decimal("1250.40"))
    assert item.department == "voirie" and item.invoice_state == n.TO_CERTIFY
    assert item.payment_start == date.today() - timedelta(days=3)  # from the deposit
    assert item.einvoice_xml and item.attachments.count() == 1
    assert "received_from_chorus" in item.events.values_list("step", flat=True)
    assert Item.objects.get(member=melle, reference="F-2026-119").department == "urbanisme"
    assert Item.objects.filter(member=celles).count() == 1
    assert standin.invoice(first).downloaded  # as Chorus Pro marks it
    # Again: nothing new.
    assert chorus_import.delay().get()["recorded"] == 0
    assert Item.objects.filter(member=melle).count() == 2


def test_a_duplicate_is_flagged_and_a_bad_invoice_refused_once(standin):
    melle = member()
    deposit(standin)
    deposit(standin)  # the supplier deposited it twice
    bad = standin.deposit(STRUCTURE, b"%PDF-1.4 tronque", number="F-9", supplier="X",
                          total=10)
    done = chorus_import.delay().get()
    assert (done["recorded"], done["refused"]) == (2, 1)
    first, second = Item.objects.filter(member=melle).order_by("pk")
    assert second.duplicate_of == first
    [refusal] = Refusal.objects.filter(member=melle)
    assert refusal.where == f"Chorus Pro, facture {bad}" and refusal.channel == n.CHORUS
    assert refusal.reason
    assert chorus_import.delay().get()["refused"] == 0  # said once
    assert Refusal.objects.filter(member=melle).count() == 1


def test_the_circuit_sends_every_status_back_up_to_mandatee(
        standin, django_capture_on_commit_callbacks):
    melle = member()
    id_facture = deposit(standin)
    chorus_import.delay().get()
    item = Item.objects.get(member=melle, chorus_id=str(id_facture))
    voirie = desk_of(worker(melle, "jvoirie", departments=("voirie",)), melle)
    compta = desk_of(worker(melle, "acompta", departments=("comptabilite",)), melle)
    with django_capture_on_commit_callbacks(execute=True):
        invoices.certify(item, voirie, Actor("jvoirie", "J. Voirie"), n.SUSPENDED,
                         "Bon de livraison manquant")
    assert standin.invoice(id_facture).status == "SUSPENDUE"
    assert standin.invoice(id_facture).history[-1]["motif"] == "Bon de livraison manquant"
    with django_capture_on_commit_callbacks(execute=True):
        invoices.certify(item, voirie, Actor("jvoirie", "J. Voirie"), n.SERVICE_DONE)
    assert standin.invoice(id_facture).status == "SERVICE_FAIT"
    # Chorus Pro does not answer at the validation: the status waits and goes next time.
    standin.fail(2)
    with django_capture_on_commit_callbacks(execute=True):
        invoices.validate(Item.objects.get(pk=item.pk), compta, Actor("acompta", "A. Compta"),
                          "M-2026-0451")
    assert standin.invoice(id_facture).status == "SERVICE_FAIT"
    push = StatusPush.objects.get(item=item, status=n.VALIDATED)
    assert push.sent_at is None and "HTTP 503" in push.error
    assert chorus_import.delay().get()["statuses"] == {"sent": 1, "failed": 0, "waiting": 0}
    final = standin.invoice(id_facture)
    assert final.status == "MANDATEE" and final.history[-1]["numeroDPMandat"] == "M-2026-0451"
    assert [h["statut"] for h in final.history] == [
        "MISE_A_DISPOSITION", "SUSPENDUE", "SERVICE_FAIT", "MANDATEE"]
    steps = list(item.events.values_list("step", flat=True))
    assert steps.count("chorus_status_sent") == 3 and "chorus_status_failed" in steps
    assert not StatusPush.objects.filter(sent_at__isnull=True).exists()
    # The connector reads the history back.
    history = chorus.client_for(melle).history(id_facture)
    assert history["statutCourant"] == "MANDATEE"


def test_chorus_pro_refusals_are_one_sentence(standin, settings):
    melle = member()
    client = chorus.client_for(melle)
    id_facture = deposit(standin)
    with pytest.raises(chorus.ChorusError, match="motif est obligatoire"):
        client.process(id_facture, "REJETEE")
    with pytest.raises(chorus.ChorusError, match="n'existe pas"):
        client.process(999, "SERVICE_FAIT")
    other = chorus.client_for(member("79061", "Celles-sur-Belle"))
    with pytest.raises(chorus.ChorusError, match="n'existe pas"):  # not its structure's
        other.download(id_facture)
    settings.MUTUALIS_CHORUS_PRO = {**settings.MUTUALIS_CHORUS_PRO, "client_secret": "faux"}
    chorus._tokens.clear()
    with pytest.raises(chorus.ChorusError, match="PISTE refuse l'application"):
        chorus.client_for(melle).token()
    assert chorus_import.delay().get()["failed"] == 2
