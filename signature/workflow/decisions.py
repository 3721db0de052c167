"""What an actor does on a folder's current step: a visa, a rejection with a reason, a
signature, or the same on several folders at once (the key opened once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from provisioning.models import RegistryPerson

from .. import audit
from ..errors import SignatureError
from ..models import SEAL, SIGNATURE, VISA, Decision, Folder, Step
from .circuits import current_step
from .progress import _decide
from .signing import _sign_folders, _store
from .signing_keys import personal_key, signer_for
from .who_may_act import _capacity


def _waited(step: Step) -> str:
    """What the folder waits for, as a sentence names it."""
    return {VISA: _("un visa"), SIGNATURE: _("une signature"),
            SEAL: _("le cachet serveur")}.get(step.kind, str(step))


def approve(folder: Folder, person: RegistryPerson,
            on_behalf_of: RegistryPerson | None = None) -> Folder:
    """A visa."""
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder.pk)
        principal = _capacity(folder, person, on_behalf_of)
        step = current_step(folder)
        assert step is not None
        if step.kind != VISA:
            raise SignatureError(_("Le dossier %(ref)s attend %(what)s, pas un visa.")
                                 % {"ref": folder.reference, "what": _waited(step)})
        _decide(folder, step, person, principal, Decision.APPROVED)
    return folder


def reject(folder: Folder, person: RegistryPerson, reason: str,
           on_behalf_of: RegistryPerson | None = None) -> Folder:
    """Send the folder back to its submitter with a reason."""
    reason = reason.strip()
    if not reason:
        raise SignatureError(_("Indiquez le motif du rejet : il sera transmis à la personne "
                               "qui a déposé le dossier."))
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
    message: str  # one sentence that names the folder


def act_batch(person: RegistryPerson, folders: Sequence[Folder], action: str,
              passphrase: str = "", on_behalf_of: RegistryPerson | None = None
              ) -> list[BatchResult]:
    """Approve ("approve") or sign ("sign") several folders; the key is opened once and the
    documents of every folder are signed in one session."""
    if action not in ("approve", "sign"):
        raise ValueError(f"unknown action {action!r}: approve or sign")
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
                raise SignatureError(_("Le dossier %(ref)s attend %(what)s.")
                                     % {"ref": folder.reference, "what": _waited(step)})
            ready.append((folder, principal, step))
        except SignatureError as exc:
            results[folder.pk] = BatchResult(folder, False, str(exc))
    if action == "approve":
        for folder, principal, step in ready:
            with transaction.atomic():
                _decide(folder, step, person, principal, Decision.APPROVED)
            results[folder.pk] = BatchResult(folder, True, _("Dossier %(ref)s visé.")
                                           % {"ref": folder.reference})
    elif ready:
        key = personal_key(person)
        with signer_for(key, passphrase) as signer:
            signed = _sign_folders(signer, ready, person, key_usage={"non_repudiation"})
        for folder, principal, step in ready:
            with transaction.atomic():
                fresh = Folder.objects.select_for_update().get(pk=folder.pk)
                if (fresh.status, fresh.round, fresh.position) != (
                        folder.status, folder.round, folder.position):
                    results[folder.pk] = BatchResult(folder, False, _(
                        "Le dossier %(ref)s a changé pendant sa signature : rien n'a été "
                        "enregistré ; rouvrez-le.") % {"ref": folder.reference})
                    continue
                _store(fresh, signed[folder.pk], person)
                _decide(fresh, step, person, principal, Decision.SIGNED)
            results[folder.pk] = BatchResult(fresh, True, _("Dossier %(ref)s signé.")
                                           % {"ref": folder.reference})
    return [results[f.pk] for f in folders]
