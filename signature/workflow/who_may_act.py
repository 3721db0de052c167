"""Who may act on a folder's current step, and for whom: its actors who have not decided yet,
and the delegates of those absent today; the folders waiting for a person."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.models import RegistryPerson

from ..errors import AccessDenied
from ..models import SEAL, Decision, Delegation, Folder, Step
from .circuits import current_step
from .people import check_member, parapheur_members, step_actors


def _decided(folder: Folder, step: Step) -> set[int]:
    return set(Decision.objects.filter(folder=folder, round=folder.round, position=step.position)
               .exclude(principal=None).values_list("principal_id", flat=True))


def capacities(folder: Folder, person: RegistryPerson, today: date | None = None
               ) -> list[RegistryPerson]:
    """Whom `person` may act for on the folder's current step: themselves, and the absent
    actors who delegated to them for today."""
    step = current_step(folder)
    if step is None or step.kind == SEAL or folder.blocked_reason:
        return []
    actors = step_actors(step, folder.member) - _decided(folder, step)
    today = today or timezone.localdate()
    found = [person] if person.id in actors else []
    delegations = Delegation.objects.filter(member=folder.member, delegate=person,
                                            start__lte=today, end__gte=today,
                                            delegator_id__in=actors).select_related("delegator")
    found += [d.delegator for d in delegations if d.delegator_id != person.id]
    return found


def waiting_for(person: RegistryPerson) -> list[Folder]:
    folders = (Folder.objects.filter(member__in=parapheur_members(person),
                                     status=Folder.IN_PROGRESS)
               .select_related("member", "circuit", "submitter").order_by("updated_at"))
    return [f for f in folders.iterator(chunk_size=200) if capacities(f, person)]


def submitted_by(person: RegistryPerson) -> QuerySet[Folder]:
    return (Folder.objects.filter(submitter=person, member__in=parapheur_members(person))
            .select_related("member"))


def _capacity(folder: Folder, person: RegistryPerson,
              on_behalf_of: RegistryPerson | None) -> RegistryPerson:
    check_member(person, folder.member)
    allowed = capacities(folder, person)
    if on_behalf_of is None:
        principal = person if person in allowed else (allowed[0] if allowed else None)
    else:
        principal = on_behalf_of if on_behalf_of in allowed else None
    if principal is None:
        raise AccessDenied(_("Le dossier %(ref)s n'attend pas d'action de votre part.")
                           % {"ref": folder.reference})
    return principal
