"""Deadlines: an item past its due date is reminded to its department once, then escalated
to the secrétariat once after the further delay; each step in its history; one mail per
department listing its late items; treated items are left alone."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core import mail
from django.utils import timezone

from courrier import register, routing
from courrier.access import desk_of
from courrier.models import Item
from courrier.register import Actor
from courrier.tasks import reminders
from tests.courrier.helpers import member, worker

pytestmark = pytest.mark.django_db


def at(day: date) -> str:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 8)).isoformat()


def test_reminded_then_escalated_once_each(settings):
    settings.MUTUALIS_COURRIER_REMIND_AFTER = 0
    settings.MUTUALIS_COURRIER_ESCALATE_AFTER = 7
    melle = member()
    secretaire = worker(melle, "ssecretaire", roles=("secretaire-de-mairie",))
    worker(melle, "jvoirie", departments=("voirie",))
    worker(melle, "pvoirie", departments=("voirie",))
    worker(melle, "uurba", departments=("urbanisme",))
    desk = desk_of(secretaire, melle)
    received = date(2026, 3, 2)  # courrier: 30 days, due 1 April
    items = [register.record(melle, subject=s, received_on=received)
             for s in ("Lampadaire cassé", "Nid-de-poule", "Déjà traité", "Urbanisme")]
    for item in items[:3]:
        routing.qualify(item, desk, Actor("ssecretaire"), department="voirie")
    routing.qualify(items[3], desk, Actor("ssecretaire"), department="urbanisme")
    routing.treat(Item.objects.get(pk=items[2].pk), desk, Actor("ssecretaire"))
    register.record(melle, subject="Pas encore attribué", received_on=received)

    assert reminders.delay(at(date(2026, 4, 1))).get() == {"reminded": 0, "escalated": 0}
    assert reminders.delay(at(date(2026, 4, 2))).get() == {"reminded": 3, "escalated": 0}
    assert len(mail.outbox) == 2  # one per department
    voirie = next(m for m in mail.outbox if "voirie" in m.subject.lower())
    assert voirie.to == ["jvoirie@example.fr", "pvoirie@example.fr"]
    assert "2 pli(s) en retard" in voirie.subject
    assert items[0].chrono in voirie.body and items[1].chrono in voirie.body
    assert items[2].chrono not in voirie.body  # treated
    assert f"https://{melle.hostname}/admin/courrier/{items[0].pk}/" in voirie.body
    # Sent once: the next days remind nothing until the escalation is due.
    assert reminders.delay(at(date(2026, 4, 3))).get() == {"reminded": 0, "escalated": 0}
    assert reminders.delay(at(date(2026, 4, 9))).get() == {"reminded": 0, "escalated": 3}
    escalation = mail.outbox[-1]
    assert escalation.to == ["ssecretaire@example.fr"] and "Escalade" in escalation.subject
    assert reminders.delay(at(date(2026, 4, 20))).get() == {"reminded": 0, "escalated": 0}
    assert len(mail.outbox) == 3
    steps = list(Item.objects.get(pk=items[0].pk).events.values_list("step", flat=True))
    assert steps[-2:] == ["reminded", "escalated"]
    assert register.history_intact(items[0])


def test_a_member_that_left_gets_no_reminder(settings):
    settings.MUTUALIS_COURRIER_REMIND_AFTER = 0
    melle = member()
    worker(melle, "jvoirie", departments=("voirie",))
    secretaire = worker(melle, "ssecretaire", roles=("secretaire-de-mairie",))
    item = register.record(melle, subject="Lampadaire cassé", received_on=date(2026, 3, 2))
    routing.qualify(item, desk_of(secretaire, melle), Actor("ssecretaire"), department="voirie")
    melle.active = False
    melle.save()
    assert reminders.delay(at(date(2026, 4, 2))).get() == {"reminded": 0, "escalated": 0}
    assert mail.outbox == []
