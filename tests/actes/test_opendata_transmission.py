"""Open data exports validated with frictionless; transmission to the prefecture through the
S²LOW stand-in over HTTP, the acknowledgement and the later messages; the staff and public
pages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from actes import opendata, services, transmission
from actes import teletransmission as tt
from actes.models import Act, PrefectureMessage, Transmission
from actes.natures import DELIBERATION, INDIVIDUEL
from tests.doubles.s2low_standin import StandIn
from tests.factories import make_pdf as pdf

from .staff import staff_client
from .test_acts import record


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_scdl_export_validates_with_one_row_per_published_deliberation(commune):
    first = record(commune, votes_for=12, votes_against=2, abstentions=1, seats=15, voters=15)
    services.publish(first)
    services.publish(record(commune, number="2026_002", subject="Voirie (travaux, 2026)",
                            matter_code="9.1", budget_year="2026"))
    record(commune, number="2026_003", subject="Pas encore publiée")
    services.publish(record(commune, number="A2026_001", subject="Arrêté", nature=INDIVIDUEL))
    content = opendata.export_scdl(commune)
    assert opendata.validate(content, opendata.SCDL_SCHEMA) == []
    table = rows(content)
    assert [r["DELIB_ID"] for r in table] == ["2026_001", "2026_002"]
    assert table[0]["COLL_SIRET"] == "21790174000013"
    assert table[0]["DELIB_MATIERE_CODE"] == "7.1"
    assert table[0]["DELIB_MATIERE_NOM"] == "finances locales/décisions budgétaires"
    assert (table[0]["VOTE_POUR"], table[0]["VOTE_CONTRE"]) == ("12", "2")
    assert table[0]["DELIB_URL"] == first.publication_url
    # The register gives each act its own publication date.
    register = opendata.export_register(commune)
    assert opendata.validate(register, opendata.REGISTER_SCHEMA) == []
    published = {r["ACTE_NUMERO"]: r["PUBLIE_LE"] for r in rows(register)}
    first.refresh_from_db()
    assert published["2026_001"] == first.published_at.isoformat(timespec="seconds")
    assert set(published) == {"2026_001", "2026_002", "A2026_001"}


def test_frictionless_catches_what_the_scdl_schema_forbids(commune):
    services.publish(record(commune))
    content = opendata.export_scdl(commune).replace(b"21790174000013", b"2179017400001")
    errors = opendata.validate(content, opendata.SCDL_SCHEMA)
    assert len(errors) == 1 and "COLL_SIRET" in errors[0]


def test_the_export_asks_for_the_siret_first(commune):
    settings = services.settings_of(commune)
    settings.siret = ""
    settings.save()
    with pytest.raises(services.ActRefused, match="SIRET : renseignez le SIRET d"):
        opendata.export_scdl(commune)


# ------------------------------------------------------------------ @ctes


@pytest.fixture
def standin(commune):
    with StandIn(siren=commune.siren, department="079", auto_advance=False) as server:
        yield server


@pytest.fixture
def tdt(standin, settings):
    settings.MUTUALIS_ACTES_TDT = {"url": standin.url, "timeout": 5, "retries": 1,
                                   "backoff": 0.01}
    return standin


def test_without_a_tiers_the_transmission_is_refused_clearly(commune, settings):
    settings.MUTUALIS_ACTES_TDT = None
    with pytest.raises(services.ActRefused, match="aucun tiers de télétransmission"):
        transmission.transmit(record(commune))


def test_an_act_goes_to_the_prefecture_and_comes_back_acknowledged(commune, tdt):
    act = record(commune, annexes=[("Plan", "plan.pdf", pdf("Plan"))])
    sent = transmission.transmit(act)
    assert sent.state == Transmission.SENT and sent.transaction_id
    assert sent.archive_name.endswith(f"--{commune.siren}--"
                                      f"{sent.created_at:%Y%m%d}-1.tar.gz")
    # The archive kept validates against the @ctes schema and reads back as the act.
    tt.validate(tt.Archive(sent.archive_name, bytes(sent.archive)))
    back = tt.parse_archive(bytes(sent.archive))
    assert (back.number, back.nature, back.decision_date, back.subject, back.matter) == (
        act.number, DELIBERATION, act.decision_date, act.subject, ("7", "1"))
    assert back.document.content == act.document.open("rb").read()
    assert back.classification_date == date(2026, 1, 15) and len(back.annexes) == 1
    # What the stand-in holds: the act, as S²LOW builds its own archive from the fields.
    held = tdt.state.transactions[int(sent.transaction_id)]
    _name, content = tdt.state.envelopes[held.envelope_id]
    assert tt.parse_archive(content).number == act.number
    assert act.status() == "transmis"
    with pytest.raises(services.ActRefused, match="a déjà été transmis"):
        transmission.transmit(act)

    tdt.advance(sent.transaction_id, 4)
    assert transmission.refresh_act(act) is True
    sent.refresh_from_db()
    assert sent.state == Transmission.ACKNOWLEDGED
    assert sent.id_acte == f"079-{commune.siren}-20260303-2026_001-DE"
    assert sent.received_on is not None
    assert act.status() == "acquitté par la préfecture"
    assert transmission.refresh_act(act) is False  # nothing new

    tdt.emit(sent.transaction_id, tt.MessageKind.LETTRE_OBSERVATIONS, "Délibération illégale")
    assert transmission.refresh_pending(commune) == 1
    message = PrefectureMessage.objects.get(act=act)
    assert message.kind == PrefectureMessage.OBSERVATIONS
    assert act.status() == "lettre d'observations"
    # The acknowledgement's date goes into the open data.
    services.publish(act)
    assert rows(opendata.export_scdl(commune))[0]["PREF_DATE"] == sent.received_on.isoformat()


def test_the_classification_comes_from_the_tiers(commune, tdt):
    fetched = transmission.fetch_classification(commune)
    assert fetched.matters.filter(code="7.1").exists()
    assert tdt.state.requests and "classification" in tdt.state.requests[-1]
    # The stand-in's sample is older than the one imported: the newer stays current.
    assert fetched.version_date < services.current_classification(commune).version_date


def test_an_act_the_tiers_refuses_is_recorded_and_can_be_sent_again(commune, tdt):
    act = record(commune)
    tdt.fail_next(2, 500)  # both attempts (retries=1)
    with pytest.raises(services.ActRefused, match="transmission refusée par le tiers"):
        transmission.transmit(act)
    failed = Transmission.objects.get(act=act)
    assert failed.state == Transmission.FAILED and "500" in failed.error
    sent = transmission.transmit(act)
    assert sent.state == Transmission.SENT and sent.sequence == 2


def test_an_act_missing_what_the_prefecture_needs_is_refused_before_sending(commune, tdt):
    settings = services.settings_of(commune)
    settings.department = ""
    settings.save()
    with pytest.raises(services.ActRefused, match="transmission, département"):
        transmission.transmit(record(commune))
    assert not Transmission.objects.exists() and tdt.state.transactions == {}


# ------------------------------------------------------------------ pages


def test_a_secretary_records_publishes_and_follows_an_act(commune, tdt):
    client = staff_client(commune)
    page = client.post(reverse("actes:add"), {
        "number": "2026 045", "nature": DELIBERATION,
        "decision_date": "2026-03-03", "subject": "Tarifs", "matter": "7.1",
        "document": SimpleUploadedFile("d.pdf", pdf("D"), "application/pdf")})
    assert page.status_code == 400 and "il contient une espace" in page.content.decode()
    page = client.post(reverse("actes:add"), {"number": "2026_045", "nature": DELIBERATION})
    assert page.status_code == 400 and "Le formulaire contient des erreurs" in page.content.decode()
    assert not Act.objects.exists()
    page = client.post(reverse("actes:add"), {
        "number": "2026_045", "nature": DELIBERATION,
        "decision_date": "2026-03-03", "subject": "Tarifs", "matter": "7.1",
        "document": SimpleUploadedFile("d.pdf", pdf("D"), "application/pdf"),
        "annexes": [SimpleUploadedFile("a.pdf", pdf("A"), "application/pdf"),
                    SimpleUploadedFile("b.pdf", pdf("B"), "application/pdf")]})
    act = Act.objects.get(number="2026_045")
    assert act.member == commune and act.annexes.count() == 2
    assert page.status_code == 302 and page["Location"] == reverse("actes:act", args=[act.pk])
    client.post(reverse("actes:publish", args=[act.pk]))
    client.post(reverse("actes:transmit", args=[act.pk]))
    tdt.advance(act.transmissions.get().transaction_id, 4)
    client.post(reverse("actes:refresh", args=[act.pk]))
    html = client.get(reverse("actes:act", args=[act.pk])).content.decode()
    assert "acquitté par la préfecture" in html and f"079-{commune.siren}-20260303" in html
    listing = client.get(reverse("actes:acts")).content.decode()
    assert "2026_045" in listing and "préfecture : acquitté par la préfecture" in listing
    # The listing's filters: by state, nature, date and a search.
    for query, shown in (({"state": "acknowledged"}, True), ({"state": "recorded"}, False),
                         ({"nature": DELIBERATION}, True), ({"nature": INDIVIDUEL}, False),
                         ({"decision_date_from": "2026-03-01"}, True),
                         ({"decision_date_to": "2026-03-01"}, False),
                         ({"q": "Tarifs"}, True), ({"q": "Voirie"}, False)):
        found = client.get(reverse("actes:acts"), query).content.decode()
        assert ("2026_045" in found) is shown, query
    # Another member's staff sees none of it.
    from provisioning.models import RegistryMember

    stranger = RegistryMember.objects.exclude(pk=commune.pk).first()
    other = staff_client(stranger, "autre")
    assert other.get(reverse("actes:act", args=[act.pk])).status_code == 404
    assert "2026_045" not in other.get(reverse("actes:acts")).content.decode()
    # The public reads the register and the open data without an account.
    public = Client()
    assert act.sha256 in public.get(reverse("actes_public:register", args=[commune.code])
                                    ).content.decode()
    scdl = public.get(reverse("actes_public:deliberations-csv", args=[commune.code]))
    assert scdl.status_code == 200 and b"2026_045" in scdl.content


def test_the_hourly_job_refreshes_the_acts_as_the_command_does(commune, tdt):
    from mutualis.celery import app

    app.loader.import_default_modules()
    act = record(commune)
    sent = transmission.transmit(act)
    tdt.advance(sent.transaction_id, 4)
    assert app.tasks["actes.refresh"].delay().get() == 1  # as beat sends it, no argument
    sent.refresh_from_db()
    assert sent.state == Transmission.ACKNOWLEDGED
    assert app.tasks["actes.refresh"].delay().get() == 0  # nothing new
