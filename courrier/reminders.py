"""Deadlines: an item still open past its due date is reminded to the department it is
assigned to; if it is still open a while after that reminder, its lateness goes up to the
member's secrétariat (the DGS or the secrétaire de mairie: the head of the services, as the
inventory names no head per department). Each step is sent once, written in the item's
history, and one mail per department (or secrétariat) lists all its late items.

Delays (settings): MUTUALIS_COURRIER_REMIND_AFTER days past the due date (0: the day after
it), then MUTUALIS_COURRIER_ESCALATE_AFTER days after the reminder.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning import people
from provisioning.access import staff_addresses

from . import natures as n
from .access import SECRETARIAT_ROLES
from .models import Item
from .register import SYSTEM, log_step


def _open():
    """Late items of the members that keep their courrier here (one that left or no longer
    subscribes gets no reminder)."""
    members = people.subscribing(people.members(), "courrier")
    return Item.objects.filter(member__in=members, due_on__isnull=False).exclude(
        status__in=(n.TREATED, n.CLOSED)).exclude(department="")


def department_addresses(member, department: str) -> list[str]:
    return sorted({s.person.email for s in people.department_seats(member, department)
                   if s.person.email})


def secretariat_addresses(member) -> list[str]:
    return staff_addresses(member, SECRETARIAT_ROLES)


def _lines(member, items) -> str:
    base = f"https://{member.hostname}"
    return "\n".join(
        f"- {i.chrono} « {i.subject} », " + _("à traiter avant le %(d)s") % {
            "d": date_format(i.due_on, "SHORT_DATE_FORMAT")}
        + f" : {base}{reverse('courrier:item', args=[i.pk])}" for i in items)


def _send(member, addresses, subject: str, intro: str, items) -> bool:
    if not addresses:
        return False
    send_mail(f"[{member.name}] {subject}", f"{intro}\n\n{_lines(member, items)}\n",
              settings.DEFAULT_FROM_EMAIL, addresses)
    return True


def run(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    remind_before = today - timedelta(days=int(conf.MUTUALIS_COURRIER_REMIND_AFTER))
    escalate_before = now - timedelta(days=int(conf.MUTUALIS_COURRIER_ESCALATE_AFTER))
    done = {"reminded": 0, "escalated": 0}

    late = defaultdict(list)
    for item in _open().filter(reminded_at__isnull=True, due_on__lt=remind_before
                               ).select_related("member").order_by("due_on", "pk"):
        late[(item.member, item.department)].append(item)
    for (member, department), items in late.items():
        name = people.departments(member).get(department, department)
        sent = _send(member, department_addresses(member, department),
                     _("Relance : %(n)s pli(s) en retard pour le service %(s)s") % {
                         "n": len(items), "s": name},
                     _("Ces plis attribués au service « %(s)s » ont dépassé leur date de "
                       "traitement :") % {"s": name}, items)
        with transaction.atomic():
            for item in items:
                Item.objects.filter(pk=item.pk).update(reminded_at=now)
                log_step(item, "reminded", SYSTEM, department=department, mailed=sent)
        done["reminded"] += len(items)

    heads = defaultdict(list)
    for item in _open().filter(escalated_at__isnull=True, reminded_at__lte=escalate_before
                               ).select_related("member").order_by("due_on", "pk"):
        heads[item.member].append(item)
    for member, items in heads.items():
        sent = _send(member, secretariat_addresses(member),
                     _("Escalade : %(n)s pli(s) toujours en retard après relance") % {
                         "n": len(items)},
                     _("Ces plis ont été rappelés à leur service et restent en retard :"),
                     items)
        with transaction.atomic():
            for item in items:
                Item.objects.filter(pk=item.pk).update(escalated_at=now)
                log_step(item, "escalated", SYSTEM, department=item.department, mailed=sent)
        done["escalated"] += len(items)
    return done
