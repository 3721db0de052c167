"""Routing and treatment: the secrétariat qualifies and assigns (others in copy); the
department sees what is its own or in copy, treats, passes on, closes; a confidential item
stays with the secrétariat and its department; every step is in the chained history."""

from __future__ import annotations

import pytest

from courrier import natures as n
from courrier import register, routing
from courrier.access import desk_of, visible_items
from courrier.models import Item
from tests.courrier.helpers import member, worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def melle():
    m = member()
    users = {"secretaire": worker(m, "asecretaire", ("secretaire-de-mairie",)),
             "voirie": worker(m, "bvoirie", departments=("voirie",)),
             "urbanisme": worker(m, "curba", departments=("urbanisme",)),
             "autre": worker(m, "dautre")}
    return m, {k: desk_of(u, m) for k, u in users.items()}


def actor(desk):
    return register.Actor(desk.username, desk.username)


def test_assign_with_copy_then_treat_and_close(melle):
    m, desks = melle
    item = register.record(m, subject="Nid de poule rue de la Gare", channel=n.COUNTER,
                           actor=actor(desks["secretaire"]))
    assert list(visible_items(desks["voirie"])) == []
    routing.qualify(item, desks["secretaire"], actor(desks["secretaire"]), department="voirie",
                    copies=["urbanisme"], nature="reclamation", priority=n.HIGH)
    item.refresh_from_db()
    assert (item.status, item.department, item.priority) == (n.ASSIGNED, "voirie", n.HIGH)
    assert list(visible_items(desks["voirie"])) == [item]
    assert list(visible_items(desks["urbanisme"])) == [item]  # in copy
    assert list(visible_items(desks["autre"])) == []
    with pytest.raises(register.Refused):  # a copy reads, it does not treat
        routing.treat(item, desks["urbanisme"], actor(desks["urbanisme"]))
    routing.treat(item, desks["voirie"], actor(desks["voirie"]), "Trou rebouché le 3 mars.")
    routing.close(item, desks["voirie"], actor(desks["voirie"]))
    item.refresh_from_db()
    assert item.status == n.CLOSED
    steps = [(e.step, e.actor) for e in item.events.order_by("pk")]
    assert steps == [("recorded", "asecretaire"), ("qualified", "asecretaire"),
                     ("assigned", "asecretaire"), ("treated", "bvoirie"),
                     ("closed", "bvoirie")]
    assert register.history_intact(item)
    with pytest.raises(register.Refused) as refused:
        routing.treat(item, desks["voirie"], actor(desks["voirie"]))
    assert "clos" in refused.value.messages[0]


def test_only_the_secretariat_assigns_and_only_to_a_known_department(melle):
    m, desks = melle
    item = register.record(m, subject="Demande")
    with pytest.raises(register.Refused) as refused:
        routing.qualify(item, desks["voirie"], actor(desks["voirie"]), department="voirie")
    assert "secrétariat" in refused.value.messages[0]
    with pytest.raises(register.Refused) as refused:
        routing.qualify(item, desks["secretaire"], actor(desks["secretaire"]),
                        department="piscine")
    assert "piscine" in refused.value.messages[0] and "Melle" in refused.value.messages[0]
    assert Item.objects.get(pk=item.pk).status == n.RECORDED


def test_pass_on_and_confidential(melle):
    m, desks = melle
    item = register.record(m, subject="Contentieux", confidential=True)
    routing.qualify(item, desks["secretaire"], actor(desks["secretaire"]), department="voirie",
                    copies=["urbanisme"])
    assert list(visible_items(desks["urbanisme"])) == []  # confidential: no copy reads it
    routing.pass_on(item, desks["voirie"], actor(desks["voirie"]), "urbanisme",
                    "Relève de l'urbanisme.")
    assert list(visible_items(desks["voirie"])) == []
    assert list(visible_items(desks["urbanisme"])) == [item]
    passed = item.events.get(step="passed_on")
    assert (passed.data, passed.note) == ({"department": "urbanisme", "previous": "voirie"},
                                          "Relève de l'urbanisme.")
