"""A member's departments: declared in the inventory with who works in each (errors with their
file and line), kept by the registry on the member and on each seat, a second plan empty, and
a department left out of the inventory gone from the registry on the next apply."""

from __future__ import annotations

import textwrap

import pytest

from provisioning import naming
from provisioning.engine import make_plan
from provisioning.loader import InventoryError, parse_inventory
from provisioning.models import RegistryMember, RegistrySeat
from provisioning.registry import RegistryDriver

pytestmark = pytest.mark.django_db(transaction=True)  # plans observe in a pool thread

INVENTORY = textwrap.dedent("""\
    syndicate:
      name: Syndicat test
      siren: "257900000"
      domain: example.fr
      sites_domain: localhost
    members:
      - code: "79174"
        name: Melle
        kind: commune
        services: [website, courrier]
        people:
          - given_name: Jean
            surname: Dupont
            email: Jean.Dupont@example.fr
            roles: [agent]
          - given_name: Anne
            surname: Martin
            email: anne.martin@example.fr
            uid: amartin
            roles: [secretaire-de-mairie]
        departments:
          - name: Voirie
            people: [jean.dupont@example.fr, amartin]
          - name: Comptabilité
            people: [anne.martin@example.fr]
          - name: État civil
    """)


def apply(inventory) -> None:
    driver = RegistryDriver()
    outcomes = driver.apply(make_plan(inventory, [driver]).pending)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]


def test_departments_and_their_people_as_uids():
    member = parse_inventory(INVENTORY, "melle.yml").members[0]
    assert [(d.slug, d.name, d.people) for d in member.departments] == [
        ("voirie", "Voirie", ("amartin", "jdupont")),
        ("comptabilite", "Comptabilité", ("amartin",)),
        ("etat-civil", "État civil", ())]
    assert naming.department_group("79174", "voirie") == "79174-dept-voirie"


def test_unknown_person_and_twice_declared_department_name_their_line():
    text = INVENTORY.replace("people: [anne.martin@example.fr]",
                             "people: [paul.inconnu@example.fr]")
    text += "      - name: Voirie\n"
    with pytest.raises(InventoryError) as error:
        parse_inventory(text, "melle.yml")
    assert error.value.lines == [
        'melle.yml:25: member 79174: department "comptabilite" names '
        '"paul.inconnu@example.fr", who is not a person of this member (give the email or uid '
        "of one of its people)",
        'melle.yml:27: member 79174: department "voirie" is declared twice (first at line 22)']


def test_registry_keeps_departments_on_members_and_seats():
    inventory = parse_inventory(INVENTORY, "melle.yml")
    apply(inventory)
    melle = RegistryMember.objects.get(code="79174")
    assert [d["slug"] for d in melle.departments] == ["voirie", "comptabilite", "etat-civil"]
    seats = dict(RegistrySeat.objects.values_list("person__uid", "departments"))
    assert seats == {"jdupont": ["voirie"], "amartin": ["comptabilite", "voirie"]}
    assert make_plan(inventory, [RegistryDriver()]).empty

    fewer = parse_inventory(INVENTORY.split("    departments:")[0], "melle.yml")
    apply(fewer)
    assert RegistryMember.objects.get(code="79174").departments == []
    assert set(map(tuple, RegistrySeat.objects.values_list("departments", flat=True))) == {()}
    assert make_plan(fewer, [RegistryDriver()]).empty
