"""Putting a folder on its circuit: submitting its documents, and resubmitting it from the
original documents after a rejection."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis import uploads
from provisioning.models import RegistryMember, RegistryPerson

from .. import audit
from ..errors import AccessDenied, SignatureError
from ..models import Document, Folder
from .circuits import circuit_for
from .people import SERVICE, check_member
from .progress import _enter_step
from .signing import _sha256


def submit(person: RegistryPerson, member: RegistryMember, title: str, folder_type: str,
           documents: Sequence[tuple[str, bytes]], annexes: Sequence[tuple[str, bytes]] = (),
           folder_subtype: str = "", main_kinds=frozenset({uploads.PDF})) -> Folder:
    """A new folder, on its circuit's first step. `main_kinds`: the types its main documents
    may have (None: any, for an app that parsed them itself, as `pes` does its XML)."""
    check_member(person, member)
    if SERVICE not in (member.services or []):
        raise SignatureError(_("%(member)s ne souscrit pas au parapheur : aucun dossier ne "
                               "peut y être déposé.") % {"member": member.name})
    if not documents:
        raise SignatureError(_("Ajoutez au moins un document à signer."))
    # The upload policy again (the form applied it): a caller outside the form is held to it.
    problems = [p for p in [uploads.problem_of(name, data, main_kinds) for name, data in documents
                    if main_kinds is not None]
                + [uploads.problem_of(name, data, uploads.ANNEX_TYPES) for name, data in annexes]
                if p]
    if problems:
        raise SignatureError(" ".join(problems))
    circuit = circuit_for(member, folder_type, folder_subtype)
    with transaction.atomic():
        folder = Folder.objects.create(member=member, title=title, folder_type=folder_type,
                                       folder_subtype=folder_subtype, circuit=circuit,
                                       submitter=person)
        for kind, items in ((Document.MAIN, documents), (Document.ANNEX, annexes)):
            for position, (name, data) in enumerate(items):
                doc = Document(folder=folder, kind=kind, name=name, position=position,
                               original_sha256=_sha256(data), sha256=_sha256(data))
                doc.original.save(name, ContentFile(data), save=False)
                doc.file.name = doc.original.name
                doc.save()
        audit.record(member, "submitted", person.uid, folder, title=title, type=folder_type,
                     subtype=folder_subtype, circuit=circuit.name,
                     documents={d.name: d.sha256 for d in folder.documents.all()})
        _enter_step(folder)
    return folder


def resubmit(folder: Folder, person: RegistryPerson) -> Folder:
    """The submitter starts a rejected folder over, from the original documents."""
    check_member(person, folder.member)
    folder = Folder.objects.get(pk=folder.pk)
    if folder.submitter_id != person.id:
        raise AccessDenied(_("Seule la personne qui a déposé le dossier %(ref)s peut le "
                             "redéposer.") % {"ref": folder.reference})
    if folder.status != Folder.REJECTED:
        raise SignatureError(_("Le dossier %(ref)s n'a pas été rejeté : il ne se redépose pas.")
                             % {"ref": folder.reference})
    with transaction.atomic():
        for doc in folder.documents.all():
            doc.file.name, doc.sha256 = doc.original.name, doc.original_sha256
            doc.save()
        folder.status, folder.position, folder.round = Folder.IN_PROGRESS, 0, folder.round + 1
        folder.rejection_reason, folder.rejected_by = "", None
        folder.save()
        audit.record(folder.member, "resubmitted", person.uid, folder, round=folder.round)
        _enter_step(folder)
    return folder
