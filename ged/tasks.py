"""Celery tasks of the GED (eager in-process unless a broker is configured)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from provisioning import people
from provisioning.access import is_staff

from . import mirror as mirrors
from . import retention

# Who gives the visa of a batch, and hears of new ones.
VISA_ROLES = ("dgs", "secretaire-de-mairie")


@shared_task(name="ged.mirror", acks_late=True)
def mirror(member_pk: int) -> None:
    """Bring the member's read-only Nextcloud copies up to date (idempotent)."""
    mirrors.run(member_pk)


@shared_task(name="ged.retention")
def retention_proposals(today_iso: str | None = None) -> dict:
    """Nightly: for each member with the GED, the documents whose DUA has ended go into
    proposals (a transfer batch, an elimination batch: ged.retention.propose), and the
    member's DGS or secrétaire hear of them; nothing leaves or is destroyed before their
    visa in the admin. Idempotent: a document already in an open batch is not proposed
    again."""
    today = date.fromisoformat(today_iso) if today_iso else None
    done = {"members": 0, "proposals": 0, "documents": 0}
    for member in people.subscribing(people.members(), "ged"):
        done["members"] += 1
        made = retention.propose(member, today, actor=_("tâche nocturne"))
        if made:
            count = sum(p.documents.count() for p in made)
            done["proposals"] += len(made)
            done["documents"] += count
            _tell_archivists(member, count, len(made))
    return done


def _tell_archivists(member, count: int, batches: int) -> None:
    to = sorted({seat.person.email for seat in people.member_seats(member)
                 if is_staff(seat.roles) and seat.person.email
                 and set(VISA_ROLES) & set(seat.roles)})
    if not to:
        return
    link = f"https://{member.hostname}" + reverse("ged:proposals")
    subject = ngettext(
        "GED : %(count)s document au terme de sa durée d'utilité administrative",
        "GED : %(count)s documents au terme de leur durée d'utilité administrative",
        count) % {"count": count}
    body = ngettext(
        "%(count)s document de %(member)s a atteint le terme de sa durée d'utilité "
        "administrative.", "%(count)s documents de %(member)s ont atteint le terme de leur "
        "durée d'utilité administrative.", count) % {"count": count, "member": member.name}
    body += " " + ngettext("%(batches)s lot attend votre visa (versement ou élimination).",
                           "%(batches)s lots attendent votre visa (versement ou élimination).",
                           batches) % {"batches": batches}
    send_mail(subject, f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, to)
