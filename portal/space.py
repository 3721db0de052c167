"""What an official finds in their space on a member's host: their convocations (answered or
not) with their dossiers, the folders waiting for their signature, their signing credential,
and one list of what waits for them in all the members where they are an official.

A session is per host: an item of another member links to that member's own host, where the
official acts (a convocation opens through a POST, so that no other site can open it, and
record its receipt, for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from mutualis.links import member_url
from provisioning import access, people
from provisioning.catalogue import ROLES, role_label
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat

UPCOMING_LIMIT = 20
COMBINED = "dossier-complet.pdf"  # convocation.dossier.COMBINED, without importing the PDF code


def role_labels(seat: RegistrySeat, civility: str) -> list[str]:
    return [role_label(r, civility) for r in seat.roles if r in ROLES]


@dataclass(frozen=True)
class Upcoming:
    """One convocation to an upcoming sitting, with the answer that counts."""

    convocation: object
    choice: str  # "" when not answered yet
    holder: RegistryPerson | None
    received: bool
    has_dossier: bool

    @property
    def sitting(self):
        return self.convocation.sitting

    @property
    def open(self) -> bool:
        """Answers are taken until the sitting starts."""
        return timezone.now() < self.sitting.starts_at


@dataclass(frozen=True)
class Waiting:
    """One thing waiting for the official, in one of their members, linked on its host."""

    member: RegistryMember
    kind: str  # "convocation" or "folder"
    label: str
    when: object  # the sitting's start, or the folder's last change
    url: str
    here: bool


def _ranks(sitting_ids: set[int]) -> dict[int, int]:
    """Each sitting's place among its assembly's sittings (by start, then id), in one query:
    how many of them come before it."""
    from convocation.models import Sitting

    before = (Sitting.objects.filter(assembly_id=OuterRef("assembly_id"))
              .filter(Q(starts_at__lt=OuterRef("starts_at"))
                      | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk")))
              .order_by().values("assembly_id").annotate(n=Count("pk")).values("n"))
    return dict(Sitting.objects.filter(pk__in=sitting_ids)
                .annotate(rank=Coalesce(Subquery(before), 0)).values_list("pk", "rank"))


def _answers(person: RegistryPerson, rows: list) -> dict[int, tuple[str, object]]:
    """The answer that counts for each of the person's convocations, (choice, proxy holder),
    as `convocation.receipts.current_answer` reads it one convocation at a time, in three
    queries for all of them: the latest answer, or else a proxy given at an earlier sitting
    that still covers this one (a proxy covers its first sitting and the following ones of
    its assembly, `sittings` of them, unless revoked before the sitting started)."""
    from convocation.models import Answer, Proxy

    if not rows:
        return {}
    latest = {}
    for a in (Answer.objects.filter(convocation__in=rows).select_related("proxy__holder")
              .order_by("at", "pk")):
        latest[a.convocation_id] = a
    given = list(Proxy.objects.filter(
        giver=person, assembly_id__in={c.sitting.assembly_id for c in rows},
        first_sitting__starts_at__lte=max(c.sitting.starts_at for c in rows))
        .select_related("holder").order_by("-created_at"))
    ranks = _ranks({c.sitting_id for c in rows} | {p.first_sitting_id for p in given}
                   | {a.proxy.first_sitting_id for a in latest.values() if a.proxy})

    def covers(proxy, sitting) -> bool:
        if proxy.revoked_at is not None and proxy.revoked_at <= sitting.starts_at:
            return False
        after = ranks[sitting.pk] - ranks[proxy.first_sitting_id]
        return proxy.assembly_id == sitting.assembly_id and 0 <= after < proxy.sittings

    found = {}
    for c in rows:
        answer = latest.get(c.pk)
        if answer is not None and answer.choice != Answer.PROXY:
            found[c.pk] = (answer.choice, None)
        elif answer is not None and answer.proxy and covers(answer.proxy, c.sitting):
            found[c.pk] = (Answer.PROXY, answer.proxy.holder)
        else:
            proxy = next((p for p in given if covers(p, c.sitting)), None)
            found[c.pk] = (Answer.PROXY, proxy.holder) if proxy else ("", None)
    return found


def _upcoming(person: RegistryPerson, members: list[RegistryMember]) -> list[Upcoming]:
    from convocation.models import Convocation, Dispatch, Receipt

    since = timezone.now() - timedelta(days=1)
    rows = list(Convocation.objects.filter(
        person=person, sitting__assembly__member__in=members, sent_at__isnull=False,
        sitting__starts_at__gte=since)
        .select_related("sitting__assembly__member").order_by("sitting__starts_at")
        [:UPCOMING_LIMIT])
    received = set(Receipt.objects.filter(convocation__in=rows)
                   .values_list("convocation_id", flat=True))
    with_dossier = {d.sitting_id for d in Dispatch.objects.filter(
        sitting__in=[c.sitting_id for c in rows]) if any(
            f.get("name") == COMBINED for f in d.files or [])}
    answers = _answers(person, rows)
    return [Upcoming(c, *answers[c.pk], c.pk in received, c.sitting_id in with_dossier)
            for c in rows]


def _credential(person: RegistryPerson):
    from signature import workflow
    from signature.credential_views import describe

    return describe(workflow.active_key(person))


def _official_members(person: RegistryPerson, official_of) -> list[RegistryMember]:
    return list(people.members_of(person).filter(pk__in=official_of).order_by("name"))


# The home lists this many folders per member; the parapheur's own page lists them all.
FOLDERS_SHOWN = 20


def _waiting(person: RegistryPerson, members: list[RegistryMember], here: RegistryMember,
             upcoming: list[Upcoming], folders: list) -> list[Waiting]:
    """Unanswered convocations and folders to sign, in every member, oldest first; past
    FOLDERS_SHOWN folders in a member, one line links to that member's parapheur."""
    items = []
    for u in upcoming:
        member = u.sitting.assembly.member
        if u.choice or member not in members:
            continue
        path = f"{reverse('portal:space')}#convocation-{u.convocation.pk}"
        items.append(Waiting(member, "convocation", u.sitting.assembly.name, u.sitting.starts_at,
                             path if member == here else member_url(member, path),
                             member == here))
    listed: dict[int, int] = {}
    for f in folders:
        listed[f.member.pk] = listed.get(f.member.pk, 0) + 1
        if listed[f.member.pk] > FOLDERS_SHOWN:
            continue
        path = reverse("parapheur:folder", args=[f.pk])
        items.append(Waiting(f.member, "folder", f"{f.reference} — {f.title}", f.updated_at,
                             path if f.member == here else member_url(f.member, path),
                             f.member == here))
    for member in members:
        more = listed.get(member.pk, 0) - FOLDERS_SHOWN
        if more > 0:
            path = reverse("parapheur:index")
            items.append(Waiting(member, "more-folders", str(more), None,
                                 path if member == here else member_url(member, path),
                                 member == here))
    order = {"convocation": 0, "folder": 1, "more-folders": 2}
    return sorted(items, key=lambda w: (w.member.name, order[w.kind], w.when or 0))


def summary(person: RegistryPerson, member: RegistryMember, official_of=()) -> dict:
    """Everything the space's home shows; `official_of` are the ids of the members where the
    person is an official (their standing), this one included."""
    seat = people.seat(person, member)
    members = _official_members(person, set(official_of) | {member.pk})
    convening = [m for m in members if access.subscribes(m, "convocation")]
    signing = [m for m in members if access.subscribes(m, "parapheur")]
    upcoming = _upcoming(person, convening) if convening else []
    folders = []
    if signing:
        from workspace.folders import waiting_folders

        folders = list(waiting_folders(person, signing))  # a few queries, however many
    parapheur = member in signing
    here = [f for f in folders if f.member == member]
    return {
        "roles": role_labels(seat, person.civility) if seat else [],
        "title": seat.title if seat else "",
        "convocations": ([u for u in upcoming if u.sitting.assembly.member == member]
                         if member in convening else None),
        "folders": here[:FOLDERS_SHOWN],
        "folders_total": len(here),
        "parapheur": parapheur,
        "credential": _credential(person) if parapheur else None,
        "everywhere": (_waiting(person, members, member, upcoming, folders)
                       if len(members) > 1 else None),
        "others": [{"member": m, "url": member_url(m, reverse("portal:space")),
                    "roles": role_labels(people.seat(person, m), person.civility)}
                   for m in members if m != member],
    }


def convocation_link(person: RegistryPerson, member: RegistryMember, pk: int,
                     document: str = "") -> str | None:
    """A fresh personal link to one of the person's convocations in this member, or to one
    document of its dossier."""
    from convocation.models import Convocation
    from convocation.receipts import issue_token

    convocation = Convocation.objects.filter(
        pk=pk, person=person, sitting__assembly__member=member,
        sent_at__isnull=False).select_related("sitting").first()
    if convocation is None:
        return None
    token = issue_token(convocation)
    if document:
        return reverse("convocation_link:link-document", args=[token, document])
    return reverse("convocation_link:link", args=[token])
