"""The parapheur folders waiting for one person, in a constant number of queries.

`signature.workflow.waiting_for` asks `capacities` about every folder in progress (about four
queries each). The rule is the same here, written as one query on the folders: a folder in
progress, not blocked, waits for a person when its current step (not a seal) has an actor who
has not decided yet in this round and who is the person, or someone who delegated to the
person for today in the folder's member. An actor is a person named on the step, or one of a
naming group of the member (`<code>-staff`, `<code>-elus`, `<code>-<assembly>`), read from
the seats as `provisioning.access.group_members` reads them.

The queries, whatever the number of folders: the members where the person sits, the
delegations to them for today, the seats of the people they may act as (which give their
groups), then the folders themselves (a lazy queryset: count it, slice it, list it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from provisioning import access, people
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat
from provisioning.naming import assembly_group
from signature.models import SEAL, Decision, Delegation, Folder, Step, StepActor
from signature.workflow.people import SERVICE


def _groups(code: str, roles, assemblies) -> set[str]:
    """The naming groups a seat puts its person in, as `access.group_members` resolves a
    step's group."""
    return set(access.rank_groups(code, roles)) | {
        assembly_group(code, a) for a in assemblies or ()}


def _acts_as(member_id: int, principal_id: int, groups: set[str]) -> Q:
    """Folders of the member whose current step has `principal` among its actors (by name or
    through one of `groups`) and no decision of theirs in the folder's round."""
    actor = (StepActor.objects.annotate(group_name=Lower("group"))
             .filter(step__circuit_id=OuterRef("circuit_id"), step__position=OuterRef("position"))
             .exclude(step__kind=SEAL)
             .filter(Q(person_id=principal_id) | Q(group_name__in=sorted(groups))))
    decided = Decision.objects.filter(folder_id=OuterRef("pk"), round=OuterRef("round"),
                                      position=OuterRef("position"), principal_id=principal_id)
    return Q(member_id=member_id) & Exists(actor) & ~Exists(decided)


def _current_step(field: str) -> Subquery:
    return Subquery(Step.objects.filter(circuit_id=OuterRef("circuit_id"),
                                        position=OuterRef("position")).values(field)[:1])


def waiting_folders(person: RegistryPerson,
                    members: Iterable[RegistryMember] | None = None,
                    today: date | None = None) -> QuerySet[Folder]:
    """The folders waiting for `person` to act (themselves, or for whom they stand in
    today), in those of `members` where they sit and that subscribe to the parapheur (all
    such members by default): the folders `signature.workflow.waiting_for` finds, oldest
    change first, their member, circuit and submitter loaded, their current step's kind and
    label annotated (`step_kind`, `step_label`)."""
    today = today or timezone.localdate()
    seated = [m for m in people.members_of(person) if access.subscribes(m, SERVICE)]
    if members is not None:
        wanted = {m.pk for m in members}
        seated = [m for m in seated if m.pk in wanted]
    if not seated:
        return Folder.objects.none()
    codes = {m.pk: m.code for m in seated}
    principals: dict[int, set[int]] = {pk: {person.pk} for pk in codes}
    for member_id, delegator_id in (Delegation.objects.filter(
            member_id__in=codes, delegate=person, start__lte=today, end__gte=today)
            .values_list("member_id", "delegator_id")):
        principals[member_id].add(delegator_id)
    groups: dict[tuple[int, int], set[str]] = defaultdict(set)
    everyone = set().union(*principals.values())
    for member_id, person_id, roles, assemblies in (RegistrySeat.objects.filter(
            member_id__in=codes, person_id__in=everyone, active=True, person__active=True)
            .values_list("member_id", "person_id", "roles", "assemblies")):
        groups[member_id, person_id] |= _groups(codes[member_id], roles, assemblies)
    waiting = Q(pk__in=[])
    for member_id, ids in principals.items():
        for principal_id in sorted(ids):
            waiting |= _acts_as(member_id, principal_id, groups[member_id, principal_id])
    return (Folder.objects.filter(member_id__in=codes, status=Folder.IN_PROGRESS,
                                  blocked_reason="")
            .filter(waiting)
            .annotate(step_kind=_current_step("kind"), step_label=_current_step("label"))
            .select_related("member", "circuit", "submitter")
            .order_by("updated_at", "pk"))
