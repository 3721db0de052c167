"""What happens to an item after it is recorded: the secrétariat qualifies it and assigns it
to one department (others in copy); the department treats it, passes it on, or closes it.
Invoices follow their circuit (courrier/invoices.py). Every step lands in the history."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from provisioning import people

from . import filing
from . import natures as n
from .access import Desk
from .models import Copy, Item
from .register import Actor, Refused, due_date, log_step


def _department_names(item: Item) -> dict[str, str]:
    return people.departments(item.member)


def _check_department(item: Item, slug: str) -> None:
    if slug not in _department_names(item):
        raise Refused([_("le service « %(d)s » n'existe pas chez %(m)s.") % {
            "d": slug, "m": item.member.name}])


def _may_treat(item: Item, desk: Desk) -> None:
    if not (desk.secretariat or (item.department and desk.works_in(item.department))):
        raise Refused([_("seul le service auquel le pli est attribué, ou le secrétariat, "
                         "peut le traiter.")])


def _open(item: Item) -> None:
    if item.status == n.CLOSED:
        raise Refused([_("le pli %(c)s est clos.") % {"c": item.chrono}])


@transaction.atomic
def qualify(item: Item, desk: Desk, actor: Actor, *, department: str, copies=(),
            nature: str | None = None, priority: str | None = None,
            confidential: bool | None = None, note: str = "") -> Item:
    """The secrétariat says what the item is and who treats it."""
    if not desk.secretariat:
        raise Refused([_("seul le secrétariat qualifie et attribue les plis.")])
    _open(item)
    _check_department(item, department)
    for slug in copies:
        _check_department(item, slug)
    changed = {}
    if nature and nature != item.nature:
        if nature not in n.NATURES:
            raise Refused([_("la nature « %(n)s » est inconnue.") % {"n": nature}])
        item.nature, changed["nature"] = nature, nature
        item.due_on = due_date(nature, item.received_on)
    if priority and priority != item.priority:
        item.priority, changed["priority"] = priority, priority
    if confidential is not None and confidential != item.confidential:
        item.confidential, changed["confidential"] = confidential, confidential
    if changed:
        log_step(item, "qualified", actor, **changed)
    item.department, item.status = department, n.ASSIGNED
    item.save()
    copies = sorted(set(copies) - {department})
    Copy.objects.filter(item=item).exclude(department__in=copies).update(active=False)
    for slug in copies:
        Copy.objects.update_or_create(item=item, department=slug, defaults={"active": True})
    log_step(item, "assigned", actor, note, department=department, copies=copies)
    return item


@transaction.atomic
def pass_on(item: Item, desk: Desk, actor: Actor, department: str, note: str = "") -> Item:
    """The department gives the item to another one (it was not theirs)."""
    _open(item)
    _may_treat(item, desk)
    _check_department(item, department)
    if department == item.department:
        raise Refused([_("le pli est déjà attribué à ce service.")])
    previous, item.department, item.status = item.department, department, n.ASSIGNED
    item.save(update_fields=["department", "status"])
    log_step(item, "passed_on", actor, note, department=department, previous=previous)
    return item


def annotate(item: Item, desk: Desk, actor: Actor, note: str) -> Item:
    if not note.strip():
        raise Refused([_("l'annotation est vide.")])
    _may_treat(item, desk)
    log_step(item, "annotated", actor, note.strip())
    return item


@transaction.atomic
def treat(item: Item, desk: Desk, actor: Actor, note: str = "") -> Item:
    """The department says what it did (the answer, the action taken)."""
    _open(item)
    _may_treat(item, desk)
    item.status = n.TREATED
    item.save(update_fields=["status"])
    log_step(item, "treated", actor, note)
    return item


@transaction.atomic
def close(item: Item, desk: Desk, actor: Actor, note: str = "") -> Item:
    _open(item)
    _may_treat(item, desk)
    if item.kind == n.INVOICE and item.invoice_state not in (n.VALIDATED, n.REJECTED):
        raise Refused([_("une facture se clôt une fois validée par la comptabilité ou "
                         "rejetée.")])
    item.status = n.CLOSED
    item.save(update_fields=["status"])
    log_step(item, "closed", actor, note)
    filing.schedule(item)  # its files, with their recognised text, go to the GED
    return item


def assign_by_system(item: Item, department: str) -> Item:
    """Routing by a rule (an invoice's service code): assigned, said so in the history."""
    _check_department(item, department)
    item.department, item.status = department, n.ASSIGNED
    item.save(update_fields=["department", "status"])
    log_step(item, "assigned", Actor("", "Mutualis"), _("Attribué selon le code service de "
                                                        "la facture."), department=department)
    return item
