"""Civility: declared in the inventory or said by the roles as written, kept in the registry,
and the role labels it gives (« Adjointe au maire » for a woman)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioning import catalogue
from provisioning.engine import make_plan
from provisioning.loader import load_inventory, parse_inventory
from provisioning.models import RegistryPerson
from provisioning.registry import RegistryDriver
from provisioning.schema import INVENTORY_SCHEMA

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pays-mellois.yml"

INVENTORY = """\
syndicate: {{name: Syndicat test, siren: "200000000", domain: example.fr, sites_domain: localhost}}
members:
  - code: "79174"
    name: Melle
    kind: commune
    services: [website]
    people:
      - {{given_name: Alex, surname: Martin, email: alex.martin@example.fr, roles: [{roles}]{more}}}
"""


def civility_of(roles: str, more: str = "") -> str:
    inventory = parse_inventory(INVENTORY.format(roles=roles, more=more), "inv.yml")
    return inventory.people[0].civility


@pytest.mark.parametrize("written, expected", [
    ("Mme", "mme"), ("mme", "mme"), ("Madame", "mme"), ("MADAME", "mme"),
    ("M.", "m"), ("M", "m"), ("m", "m"), ("Monsieur", "m"),
])
def test_a_declared_civility_is_read_in_its_usual_forms(written, expected):
    assert civility_of("maire", f", civility: {written}") == expected


@pytest.mark.parametrize("roles, expected", [
    ("adjointe", "mme"), ("conseillère municipale", "mme"), ("présidente", "mme"),
    ("vice-présidente", "mme"), ("conseillère communautaire", "mme"),
    ("directrice générale des services", "mme"), ("maire déléguée", "mme"),
    ("secrétaire générale", "mme"),
    ("adjoint", "m"), ("conseiller municipal", "m"), ("directeur général des services", "m"),
    ("maire délégué", "m"),
    ("maire", ""), ("agent", ""), ("DGS", ""), ("secrétaire de mairie", ""),
    ("maire, conseillère municipale", "mme"),  # an epicene role says nothing either way
])
def test_without_a_civility_the_roles_as_written_say_it(roles, expected):
    if "présidente" in roles or "communautaire" in roles:
        text = INVENTORY.format(roles=roles, more="").replace(
            'code: "79174"\n    name: Melle\n    kind: commune',
            'code: "200069755"\n    name: CC Mellois en Poitou\n    kind: epci')
        assert parse_inventory(text, "inv.yml").people[0].civility == expected
    else:
        assert civility_of(roles) == expected


def test_a_declared_civility_wins_over_the_roles_form_without_error():
    # "adjoint" is often written for every deputy, women included: the civility says which.
    assert civility_of("adjoint", ", civility: Mme") == "mme"
    assert civility_of("adjointe", ", civility: M.") == "m"


def test_a_civility_declared_in_one_member_holds_in_every_member():
    text = INVENTORY.format(roles="maire", more=", civility: Mme") + """\
  - code: "200069755"
    name: CC Mellois en Poitou
    kind: epci
    people:
      - {given_name: Alex, surname: Martin, email: alex.martin@example.fr, roles: [président]}
"""
    person = parse_inventory(text, "inv.yml").people[0]
    assert len(person.seats) == 2 and person.civility == "mme"


def test_the_schema_publishes_civility():
    person = INVENTORY_SCHEMA["$defs"]["person"]["properties"]
    assert "civility" in person and "Mme" in person["civility"]["description"]


def test_the_example_declares_or_implies_civilities():
    people = {p.email.split("@")[0]: p for p in load_inventory(EXAMPLE).people}
    assert people["catherine.guerin"].civility == "mme"  # adjointe
    assert people["stephane.bernardeau"].civility == "m"  # adjoint
    assert people["pascale.ecalle"].civility == "mme"  # directrice générale des services
    assert people["thomas.lhuillier"].civility == "m"  # DGS, civility: M.
    assert people["gaelle.damico"].civility == "mme"  # secrétaire de mairie, civility: Mme
    assert people["sylvain.gaborit"].civility == "m"  # maire here, vice-président there
    assert people["loic.pairault"].civility == ""  # agent: nothing says
    # an agent of the EPCI, "conseiller municipal" in Celles-sur-Belle: the role's form says
    assert people["yannick.favreau"].civility == "m"


# -- labels ----------------------------------------------------------------------------------

@pytest.mark.parametrize("slug, feminine, masculine", [
    ("adjoint", "Adjointe au maire", "Adjoint au maire"),
    ("conseiller-municipal", "Conseillère municipale", "Conseiller municipal"),
    ("president", "Présidente", "Président"),
    ("vice-president", "Vice-présidente", "Vice-président"),
    ("conseiller-communautaire", "Conseillère communautaire", "Conseiller communautaire"),
    ("dgs", "Directrice générale des services", "Directeur général des services"),
    ("maire-delegue", "Maire déléguée", "Maire délégué"),
    ("maire", "Maire", "Maire"),
    ("agent", "Agent", "Agent"),
    ("secretaire-de-mairie", "Secrétaire de mairie", "Secrétaire de mairie"),
])
def test_role_labels_follow_the_civility(slug, feminine, masculine):
    assert catalogue.role_label(slug, "mme") == feminine
    assert catalogue.role_label(slug, "m") == masculine
    assert catalogue.role_label(slug) == masculine  # unknown civility: the usual label
    assert catalogue.role_label(slug, civility="") == masculine


def test_every_gendered_role_has_a_feminine_label():
    gendered = {role for role, civility in catalogue.ROLE_FORMS.values()
                if civility == "mme" and role != "secretaire-de-mairie"}
    assert gendered == set(catalogue.FEMININE_LABELS)


# -- registry --------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_registry_keeps_the_civility_and_an_older_install_converges_in_one_update():
    text = INVENTORY.format(roles="adjointe", more="") + (
        "      - {given_name: Sam, surname: Petit, email: sam.petit@example.fr, roles: [maire]}\n"
        "      - {given_name: Léo, surname: Blanc, email: leo.blanc@example.fr, "
        "roles: [agent], civility: M.}\n")
    inventory = parse_inventory(text, "inv.yml")
    driver = RegistryDriver()
    assert all(o.ok for o in driver.apply(make_plan(inventory, [driver]).pending))
    rows = dict(RegistryPerson.objects.values_list("email", "civility"))
    assert rows == {"alex.martin@example.fr": "mme", "sam.petit@example.fr": "",
                    "leo.blanc@example.fr": "m"}
    assert make_plan(inventory, [driver]).empty

    # A registry written before civility existed (the migration leaves it empty).
    RegistryPerson.objects.update(civility="")
    plan = make_plan(inventory, [driver])
    uids = dict(RegistryPerson.objects.values_list("email", "uid"))
    assert {c.key: (c.action, c.before, c.after) for c in plan.pending} == {
        f"registry.person:{uids['alex.martin@example.fr']}": (
            "update", {"civility": ""}, {"civility": "mme"}),
        f"registry.person:{uids['leo.blanc@example.fr']}": (
            "update", {"civility": ""}, {"civility": "m"}),
    }
    assert all(o.ok for o in driver.apply(plan.pending))
    assert make_plan(inventory, [driver]).empty
    assert RegistryPerson.objects.get(email="alex.martin@example.fr").civility == "mme"
