"""How a folder moves along its circuit: a decision is recorded, a complete step leads to the
next one, a seal step runs by itself, and a finished folder is published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from provisioning.access import subscribes
from provisioning.models import RegistryPerson

from .. import audit
from ..models import ALL, SEAL, Decision, Folder, SigningKey, Step
from .circuits import current_step
from .people import step_actors
from .signing import _sign_folders, _store
from .signing_keys import signer_for
from .who_may_act import _decided


def _decide(folder: Folder, step: Step, person: RegistryPerson | None,
            principal: RegistryPerson | None, outcome: str) -> None:
    Decision.objects.create(folder=folder, round=folder.round, position=step.position,
                            actor=person, principal=principal,
                            on_behalf=principal is not None and principal != person,
                            outcome=outcome)
    audit.record(folder.member, outcome, person.uid if person else "system", folder,
                 step=step.position, kind=step.kind,
                 on_behalf_of=principal.uid if principal and principal != person else None)
    if _complete(folder, step):
        _advance(folder)
    else:
        folder.save()


def _complete(folder: Folder, step: Step) -> bool:
    if step.kind == SEAL:
        return Decision.objects.filter(folder=folder, round=folder.round,
                                       position=step.position, outcome=Decision.SEALED).exists()
    decided = _decided(folder, step)
    if step.mode != ALL:
        return bool(decided)
    return step_actors(step, folder.member) <= decided


def _advance(folder: Folder) -> None:
    following = folder.circuit.steps.filter(position__gt=folder.position).first()
    if following is None:
        folder.status, folder.completed_at = Folder.DONE, timezone.now()
        folder.save()
        audit.record(folder.member, "completed", "system", folder,
                     documents={d.name: d.sha256 for d in folder.documents.all()})
        folder_id = folder.pk
        transaction.on_commit(lambda: _publish(folder_id))
        if subscribes(folder.member, "ged"):
            transaction.on_commit(lambda: file_in_ged(folder_id))
        return
    folder.position = following.position
    folder.save()
    _enter_step(folder)


def _enter_step(folder: Folder) -> None:
    """Run what needs no person (a seal), or note a step nobody can act on."""
    step = current_step(folder)
    if step is None:
        return
    if step.kind == SEAL:
        run_seal(folder)
    elif not step_actors(step, folder.member):
        folder.blocked_reason = f"l'étape « {step} » n'a aucun acteur"
        folder.save()
        audit.record(folder.member, "blocked", "system", folder, step=step.position,
                     reason=folder.blocked_reason)


def run_seal(folder: Folder) -> bool:
    """Seal the folder's documents with the member's server certificate; when the member has
    no seal, the folder waits (blocked_reason says why) until `run_seal` is called again."""
    step = current_step(folder)
    if step is None or step.kind != SEAL:
        return False
    key = SigningKey.objects.filter(kind=SigningKey.SEAL, member=folder.member,
                                    active=True).first()
    if key is None:
        folder.blocked_reason = f"{folder.member.name} n'a pas de cachet serveur"
        folder.save()
        audit.record(folder.member, "blocked", "system", folder, step=step.position,
                     reason=folder.blocked_reason)
        return False
    with signer_for(key) as signer:
        signed = _sign_folders(signer, [(folder, None, step)], None,
                               key_usage={"digital_signature"})
    folder.blocked_reason = ""
    _store(folder, signed[folder.pk], None)
    _decide(folder, step, None, None, Decision.SEALED)
    return True


def file_in_ged(folder_id: int) -> None:
    """The signed documents of a finished folder are filed in the member's GED."""
    from ged.services import file_from_app

    folder = Folder.objects.select_related("member").get(pk=folder_id)
    for document in folder.documents.all():
        with document.file.open("rb") as f:
            content = f.read()
        file_from_app(folder.member, "PARAPH-SIGNE", f"{folder.title} — {document.name}",
                      content, filename=document.name, source="parapheur",
                      created_on=timezone.localdate(folder.completed_at),
                      object_app="signature", object_key=f"{folder.pk}/{document.pk}",
                      metadata={"type": folder.folder_type, "sous-type": folder.folder_subtype})


def _publish(folder_id: int) -> None:
    from ..nextcloud import publish_folder

    publish_folder(Folder.objects.get(pk=folder_id))
