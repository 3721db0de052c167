"""A member's circuits: the steps (visa, signature, seal) a type of folder goes through, who
acts on each, and the step a folder is on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.models import RegistryMember, RegistryPerson

from ..errors import SignatureError
from ..models import ALL, Circuit, Folder, Step


@dataclass(frozen=True)
class StepSpec:
    kind: str
    actors: Sequence[RegistryPerson | str] = ()  # people, or naming group names
    mode: str = ALL
    label: str = ""


def _step_key(kind: str, mode: str, label: str, actors) -> tuple:
    return (kind, mode, label, frozenset(
        ("group", a.lower()) if isinstance(a, str) else ("person", a.pk) for a in actors))


def same_steps(circuit: Circuit, steps: Sequence[StepSpec]) -> bool:
    """Whether the circuit already has these steps (kinds, modes, labels, actors, in order)."""
    have = [_step_key(s.kind, s.mode, s.label,
                      [a.person if a.person_id else a.group for a in s.actors.all()])
            for s in circuit.steps.prefetch_related("actors__person")]
    return have == [_step_key(s.kind, s.mode, s.label, s.actors) for s in steps]


def _add_steps(circuit: Circuit, steps: Sequence[StepSpec]) -> None:
    member = circuit.member
    for position, spec in enumerate(steps):
        step = circuit.steps.create(position=position, kind=spec.kind, mode=spec.mode,
                                    label=spec.label)
        for actor in spec.actors:
            if isinstance(actor, str):
                if not actor.lower().startswith(member.code.lower() + "-"):
                    raise SignatureError(
                        _("Le groupe « %(group)s » n'est pas un groupe de la collectivité "
                          "%(member)s.") % {"group": actor, "member": member.name})
                step.actors.create(group=actor.lower())
            else:
                step.actors.create(person=actor)


def create_circuit(member: RegistryMember, name: str, folder_type: str,
                   steps: Sequence[StepSpec], folder_subtype: str = "") -> Circuit:
    """A new active circuit; an IntegrityError if the member already has an active circuit
    for this type and subtype."""
    with transaction.atomic():
        circuit = Circuit.objects.create(member=member, name=name, folder_type=folder_type,
                                         folder_subtype=folder_subtype, active=True)
        _add_steps(circuit, steps)
    return circuit


def change_circuit(circuit: Circuit, name: str, folder_type: str, steps: Sequence[StepSpec],
                   folder_subtype: str = "") -> Circuit:
    """Give a circuit a new name, type, subtype or steps, and return the circuit that has them.

    Nothing changed: the circuit itself. No folder ever took the circuit: changed in place.
    Otherwise (folders in progress, done or rejected on it) the circuit is kept as it is,
    since its folders read its steps as they go and their bordereaux name its steps: a new
    version is made with the changes, active if the old one was, and the old one is
    deactivated and marked `replaced_by` the new one. The folders on the old one follow it to
    the end, a rejected one resubmitted too; new folders take the new one. An IntegrityError
    if the new type and subtype already have another active circuit.
    """
    with transaction.atomic():
        circuit = Circuit.objects.select_for_update().select_related("member").get(
            pk=circuit.pk)
        if circuit.replaced_by_id and not circuit.active:
            raise SignatureError(_("Le circuit « %(name)s » a été remplacé : modifiez plutôt sa "
                                   "nouvelle version.") % {"name": circuit.name})
        fields = {"name": name, "folder_type": folder_type, "folder_subtype": folder_subtype}
        unchanged = all(getattr(circuit, k) == v for k, v in fields.items())
        if unchanged and same_steps(circuit, steps):
            return circuit
        if not circuit.folders.exists():
            for key, value in fields.items():
                setattr(circuit, key, value)
            circuit.save(update_fields=list(fields))
            circuit.steps.all().delete()
            _add_steps(circuit, steps)
            return circuit
        was_active = circuit.active
        circuit.active = False  # first: the new version takes its place among active ones
        circuit.save(update_fields=["active"])
        new = Circuit.objects.create(member=circuit.member, active=was_active, **fields)
        _add_steps(new, steps)
        circuit.replaced_by, circuit.replaced_at = new, timezone.now()
        circuit.save(update_fields=["replaced_by", "replaced_at"])
    return new


def define_circuit(member: RegistryMember, name: str, folder_type: str, steps: Sequence[StepSpec],
                   folder_subtype: str = "") -> Circuit:
    """The member's active circuit for a type and subtype, with these steps: created, or the
    active one changed (a new version if folders took it: see `change_circuit`)."""
    with transaction.atomic():
        circuit = (Circuit.objects.select_for_update()
                   .filter(member=member, folder_type=folder_type,
                           folder_subtype=folder_subtype, active=True).first())
        if circuit is None:
            return create_circuit(member, name, folder_type, steps, folder_subtype)
        return change_circuit(circuit, name, folder_type, steps, folder_subtype)


def circuit_for(member: RegistryMember, folder_type: str, folder_subtype: str = "") -> Circuit:
    """The active circuit a new folder of this type and subtype takes: the subtype's own, or
    else the type's circuit without subtype."""
    circuits = Circuit.objects.filter(member=member, folder_type=folder_type, active=True)
    circuit = (circuits.filter(folder_subtype=folder_subtype).first()
               or circuits.filter(folder_subtype="").first())
    if circuit is None:
        what = f"{folder_type} / {folder_subtype}" if folder_subtype else folder_type
        raise SignatureError(_("%(member)s n'a aucun circuit pour les dossiers de type "
                               "%(what)s : demandez à un agent de la collectivité d'en créer "
                               "un.") % {"member": member.name, "what": what})
    return circuit


def current_step(folder: Folder) -> Step | None:
    if folder.status != Folder.IN_PROGRESS:
        return None
    return folder.circuit.steps.filter(position=folder.position).first()
