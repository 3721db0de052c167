"""The demo's example classification (the @ctes nomenclature's matters, never a prefecture's
file), and what the acts page says to a member without a classification."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from actes import services
from actes.models import Classification
from actes.natures import DELIBERATION
from actes.teletransmission.schema import parse, schema_problems
from provisioning.models import RegistryMember
from tests.doubles.s2low_standin import StandIn
from tests.factories import make_pdf as pdf

from .classification import classification_xml
from .staff import staff_client

NO_CLASSIFICATION = ("Aucune classification des actes n'est importée pour Alphaville : "
                     "importez le fichier de classification que vous a transmis la "
                     "préfecture, ou récupérez-le auprès du tiers de télétransmission.")
EXAMPLE_NOTICE = ("Alphaville utilise la classification d'exemple de la démonstration : "
                  "importez celle de votre préfecture avant de transmettre un acte.")


@pytest.fixture
def member(sites, media) -> RegistryMember:
    """A commune with no classification imported (as after `mutualis demo`'s apply)."""
    return RegistryMember.objects.get(code=sites.members[0].code)


def page_text(client: Client, name: str = "actes:acts") -> str:
    html = client.get(reverse(name)).content.decode()
    return " ".join(html.replace("&#x27;", "'").split())


def test_the_example_is_a_valid_retourclassification_of_the_nomenclature():
    content = services.example_classification()
    root, problems = parse(content, "classification-exemple-demo.xml")
    assert not problems and not schema_problems(root, "classification-exemple-demo.xml")
    assert b"EXAMPLE for the Mutualis demo, NOT a prefecture's file" in content
    assert content.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")


def test_importing_the_example_is_idempotent_and_gives_the_matters_of_the_nomenclature(member):
    assert services.import_example_classification(member) is True
    assert services.import_example_classification(member) is False
    classification = Classification.objects.get(member=member)
    assert services.is_example(classification)
    matters = dict(classification.matters.values_list("code", "label"))
    assert [code for code in matters if "." not in code] == [str(i) for i in range(1, 10)]
    assert all(any(code.startswith(f"{top}.") for code in matters) for top in "123456789")
    assert (matters["1"], matters["1.1"]) == ("Commande publique", "Marchés publics")
    assert (matters["2"], matters["2.1"]) == ("Urbanisme", "Documents d'urbanisme")
    assert matters["3"] == "Domaine et patrimoine" and matters["4"] == "Fonction publique"
    assert (matters["5"], matters["5.2"]) == ("Institutions et vie politique",
                                              "Fonctionnement des assemblées")
    assert (matters["7"], matters["7.1"]) == ("Finances locales", "Décisions budgétaires")
    assert matters["8"] == "Domaines de compétences par thèmes"
    assert matters["9"] == "Autres domaines de compétences"
    assert matters["7.1.1"] == "Budget primitif" and matters["7.10"] == "Divers"
    # With it, the demo's staff can record an act at once.
    act = services.record_act(member, number="2026_001", nature=DELIBERATION,
                              decision_date=date(2026, 3, 3), subject="Règlement intérieur",
                              matter_code="5.2", filename="d.pdf", pdf=pdf("Règlement"))
    assert act.matter.label == "Fonctionnement des assemblées"


def test_a_members_own_classification_is_never_replaced_and_always_wins(member):
    own = services.import_classification(member, classification_xml(date(2020, 1, 1)))
    assert services.import_example_classification(member) is False
    assert Classification.objects.filter(member=member).count() == 1
    # Imported after the example, the prefecture's file is current even when it is older.
    other = RegistryMember.objects.exclude(pk=member.pk).first()
    assert services.import_example_classification(other) is True
    prefecture = services.import_classification(other, classification_xml(date(2020, 1, 1)))
    assert services.current_classification(other) == prefecture
    assert services.current_classification(member) == own


def test_the_acts_page_says_how_to_get_a_classification(member, settings):
    settings.MUTUALIS_ACTES_TDT = None
    client = staff_client(member)
    text = page_text(client)
    assert NO_CLASSIFICATION in text
    assert "auprès du tiers</button>" not in page_text(client, "actes:classification")
    services.import_example_classification(member)
    text = page_text(client)
    assert NO_CLASSIFICATION not in text and EXAMPLE_NOTICE in text
    services.import_classification(member, classification_xml())
    text = page_text(client)
    assert NO_CLASSIFICATION not in text and EXAMPLE_NOTICE not in text


def test_the_classification_can_be_fetched_from_the_tiers_from_the_page(member, settings):
    member.siren = "217901740"
    member.save()
    client = staff_client(member)
    with StandIn(siren=member.siren, department="079", auto_advance=False) as standin:
        settings.MUTUALIS_ACTES_TDT = {"url": standin.url, "timeout": 5, "retries": 1,
                                       "backoff": 0.01}
        assert "Récupérer la classification de Alphaville auprès du tiers" in page_text(
            client, "actes:classification")
        url = reverse("actes:classification-fetch", args=[member.code])
        assert client.get(url).status_code == 405
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("actes:classification")
        assert any("classification" in r for r in standin.state.requests)
    current = services.current_classification(member)
    assert current is not None and not services.is_example(current)
    assert "Classification du" in page_text(client)  # the success message
    # Another member's staff cannot fetch it for this one, on either host.
    other = RegistryMember.objects.exclude(pk=member.pk).first()
    stranger = staff_client(other, "autre")
    assert stranger.post(url).status_code == 404
    stranger.defaults["HTTP_HOST"] = member.hostname
    assert stranger.post(url).status_code in (403, 404)
