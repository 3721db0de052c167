"""What an official finds in their space on a member's host: their convocations, the folders
waiting for their signature, their signing credential, their other members' spaces."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from mutualis.links import member_url
from provisioning import access, people
from provisioning.catalogue import ROLES, role_label
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat

UPCOMING_LIMIT = 20


def role_labels(seat: RegistrySeat, civility: str) -> list[str]:
    return [role_label(r, civility) for r in seat.roles if r in ROLES]


def _convocations(person: RegistryPerson, member: RegistryMember) -> list:
    from convocation.models import Convocation

    since = timezone.now() - timedelta(days=1)
    rows = (Convocation.objects.filter(person=person, sitting__assembly__member=member,
                                       sent_at__isnull=False, sitting__starts_at__gte=since)
            .select_related("sitting__assembly").order_by("sitting__starts_at"))
    return list(rows[:UPCOMING_LIMIT])


def _waiting_folders(person: RegistryPerson, member: RegistryMember) -> list:
    if not access.subscribes(member, "parapheur"):
        return []
    from signature.workflow import waiting_for

    return [f for f in waiting_for(person) if f.member_id == member.pk]


def summary(person: RegistryPerson, member: RegistryMember) -> dict:
    seat = people.seat(person, member)
    others = people.members_of(person).exclude(pk=member.pk)
    return {
        "roles": role_labels(seat, person.civility) if seat else [],
        "title": seat.title if seat else "",
        "convocations": (_convocations(person, member)
                         if access.subscribes(member, "convocation") else None),
        "folders": _waiting_folders(person, member),
        "parapheur": access.subscribes(member, "parapheur"),
        "others": [{"member": m, "url": member_url(m, "/espace-elus/")} for m in others],
    }


def convocation_link(person: RegistryPerson, member: RegistryMember, pk: int) -> str | None:
    """A fresh personal link to one of the person's convocations in this member."""
    from convocation.models import Convocation
    from convocation.receipts import issue_token

    convocation = Convocation.objects.filter(
        pk=pk, person=person, sitting__assembly__member=member,
        sent_at__isnull=False).select_related("sitting").first()
    if convocation is None:
        return None
    return reverse("convocation_link:link", args=[issue_token(convocation)])
