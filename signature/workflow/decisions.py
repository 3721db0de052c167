"""What an actor does on a folder's current step: a visa, a rejection with a reason, a
signature, or the same on several folders at once (the key opened once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from provisioning.models import RegistryPerson

from .. import audit
from ..errors import SignatureError
from ..models import SIGNATURE, VISA, Decision, Folder, Step
from .circuits import current_step
from .progress import _decide
from .signing import _sign_folders, _store
from .signing_keys import personal_key, signer_for
from .who_may_act import _capacity


def approve(folder: Folder, person: RegistryPerson,
            on_behalf_of: RegistryPerson | None = None) -> Folder:
    """A visa."""
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder.pk)
        principal = _capacity(folder, person, on_behalf_of)
        step = current_step(folder)
        assert step is not None
        if step.kind != VISA:
            raise SignatureError(f"folder {folder.reference} waits for a signature, not a visa")
        _decide(folder, step, person, principal, Decision.APPROVED)
    return folder


def reject(folder: Folder, person: RegistryPerson, reason: str,
           on_behalf_of: RegistryPerson | None = None) -> Folder:
    """Send the folder back to its submitter with a reason."""
    reason = reason.strip()
    if not reason:
        raise SignatureError("a rejection needs a reason for the submitter")
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder.pk)
        principal = _capacity(folder, person, on_behalf_of)
        step = current_step(folder)
        assert step is not None
        Decision.objects.create(folder=folder, round=folder.round, position=step.position,
                                actor=person, principal=principal,
                                on_behalf=principal != person, outcome=Decision.REJECTED,
                                reason=reason)
        folder.status, folder.rejection_reason, folder.rejected_by = (
            Folder.REJECTED, reason, person)
        folder.save()
        audit.record(folder.member, "rejected", person.uid, folder, step=step.position,
                     on_behalf_of=principal.uid if principal != person else None, reason=reason)
    return folder


def sign(folder: Folder, person: RegistryPerson, passphrase: str,
         on_behalf_of: RegistryPerson | None = None) -> Folder:
    results = act_batch(person, [folder], "sign", passphrase, on_behalf_of)
    if not results[0].ok:
        raise SignatureError(results[0].message)
    return Folder.objects.get(pk=folder.pk)


@dataclass(frozen=True)
class BatchResult:
    folder: Folder
    ok: bool
    message: str


def act_batch(person: RegistryPerson, folders: Sequence[Folder], action: str,
              passphrase: str = "", on_behalf_of: RegistryPerson | None = None
              ) -> list[BatchResult]:
    """Approve ("approve") or sign ("sign") several folders; the key is opened once and the
    documents of every folder are signed in one session."""
    if action not in ("approve", "sign"):
        raise SignatureError(f"unknown action {action!r}: approve or sign")
    results: dict[int, BatchResult] = {}
    ready: list[tuple[Folder, RegistryPerson, Step]] = []
    fresh = Folder.objects.select_related("member", "circuit").in_bulk([f.pk for f in folders])
    folders = [fresh[f.pk] for f in folders]
    for folder in folders:
        try:
            principal = _capacity(folder, person, on_behalf_of)
            step = current_step(folder)
            assert step is not None
            wanted = VISA if action == "approve" else SIGNATURE
            if step.kind != wanted:
                raise SignatureError(f"folder {folder.reference} waits for a "
                                     f"{step.get_kind_display().lower()}")
            ready.append((folder, principal, step))
        except SignatureError as exc:
            results[folder.pk] = BatchResult(folder, False, str(exc))
    if action == "approve":
        for folder, principal, step in ready:
            with transaction.atomic():
                _decide(folder, step, person, principal, Decision.APPROVED)
            results[folder.pk] = BatchResult(folder, True, "visé")
    elif ready:
        key = personal_key(person)
        with signer_for(key, passphrase) as signer:
            signed = _sign_folders(signer, ready, person, key_usage={"non_repudiation"})
        for folder, principal, step in ready:
            with transaction.atomic():
                fresh = Folder.objects.select_for_update().get(pk=folder.pk)
                if (fresh.status, fresh.round, fresh.position) != (
                        folder.status, folder.round, folder.position):
                    results[folder.pk] = BatchResult(folder, False, f"folder {folder.reference} "
                                                     "changed while it was being signed")
                    continue
                _store(fresh, signed[folder.pk], person)
                _decide(fresh, step, person, principal, Decision.SIGNED)
            results[folder.pk] = BatchResult(fresh, True, "signé")
    return [results[f.pk] for f in folders]
