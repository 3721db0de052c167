"""A member's circuits: the steps (visa, signature, seal) a type of folder goes through, who
acts on each, and the step a folder is on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from provisioning.models import RegistryMember, RegistryPerson

from ..errors import SignatureError
from ..models import ALL, Circuit, Folder, Step


@dataclass(frozen=True)
class StepSpec:
    kind: str
    actors: Sequence[RegistryPerson | str] = ()  # people, or naming group names
    mode: str = ALL
    label: str = ""


def define_circuit(member: RegistryMember, name: str, folder_type: str, steps: Sequence[StepSpec],
                   folder_subtype: str = "") -> Circuit:
    """Create (or replace the steps of) the member's circuit for a type and subtype."""
    with transaction.atomic():
        circuit, _ = Circuit.objects.update_or_create(
            member=member, folder_type=folder_type, folder_subtype=folder_subtype,
            defaults={"name": name, "active": True})
        if circuit.folders.filter(status=Folder.IN_PROGRESS).exists():
            raise SignatureError(f"circuit {name!r} has folders in progress: finish them first")
        circuit.steps.all().delete()
        for position, spec in enumerate(steps):
            step = circuit.steps.create(position=position, kind=spec.kind, mode=spec.mode,
                                        label=spec.label)
            for actor in spec.actors:
                if isinstance(actor, str):
                    if not actor.lower().startswith(member.code.lower() + "-"):
                        raise SignatureError(f"group {actor!r} is not a group of member "
                                             f"{member.code}")
                    step.actors.create(group=actor.lower())
                else:
                    step.actors.create(person=actor)
    return circuit


def circuit_for(member: RegistryMember, folder_type: str, folder_subtype: str = "") -> Circuit:
    circuits = Circuit.objects.filter(member=member, folder_type=folder_type, active=True)
    circuit = (circuits.filter(folder_subtype=folder_subtype).first()
               or circuits.filter(folder_subtype="").first())
    if circuit is None:
        what = f"{folder_type} / {folder_subtype}" if folder_subtype else folder_type
        raise SignatureError(f"member {member.code} has no circuit for folders of type {what}")
    return circuit


def current_step(folder: Folder) -> Step | None:
    if folder.status != Folder.IN_PROGRESS:
        return None
    return folder.circuit.steps.filter(position=folder.position).first()
