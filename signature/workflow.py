"""The parapheur's workflow: submit a folder, act on its steps (visa, signature, seal), reject
with a reason, delegate, act on several folders at once.

Who is who comes from the registry: a Django user is the RegistryPerson whose uid is the
username; a person belongs to the members where they hold an active seat; a step's group
(`<code>-elus`, `<code>-staff`, `<code>-<assembly>`) is resolved through the seats' roles and
assemblies, as the directory's groups are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from provisioning.catalogue import ROLES
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat
from provisioning.naming import elected_group, staff_group

from . import audit
from .errors import AccessDenied, SignatureError
from .models import (
    ALL,
    SEAL,
    SIGNATURE,
    VISA,
    Circuit,
    Decision,
    Delegation,
    Document,
    Folder,
    SigningKey,
    Step,
)
from .pki import keys
from .sign import SigningOptions, SigningSession
from .stamp import StampText

# --------------------------------------------------------------------------- people


def person_for(user) -> RegistryPerson | None:
    """The registry person a logged-in Django user is (username == uid)."""
    if user is None or not user.is_authenticated:
        return None
    return RegistryPerson.objects.filter(uid=user.get_username(), active=True).first()


def members_of(person: RegistryPerson) -> QuerySet[RegistryMember]:
    return RegistryMember.objects.filter(seats__person=person, seats__active=True,
                                         active=True).distinct()


def check_member(person: RegistryPerson | None, member: RegistryMember) -> RegistryPerson:
    if person is None or not members_of(person).filter(pk=member.pk).exists():
        raise AccessDenied(f"you do not belong to member {member.code}")
    return person


def seat(person: RegistryPerson, member: RegistryMember) -> RegistrySeat | None:
    return RegistrySeat.objects.filter(person=person, member=member, active=True).first()


def role_label(person: RegistryPerson, member: RegistryMember) -> str:
    s = seat(person, member)
    if s is None:
        return ""
    if s.title:
        return s.title
    return next((ROLES[r]["label"] for r in s.roles if r in ROLES), "")


def display_name(person: RegistryPerson) -> str:
    return f"{person.given_name} {person.surname}"


def group_members(member: RegistryMember, group: str) -> set[int]:
    """The ids of the people in one of the member's naming groups."""
    seats = RegistrySeat.objects.filter(member=member, active=True, person__active=True)
    found: set[int] = set()
    for s in seats.only("person_id", "roles", "assemblies"):
        elected = any(ROLES.get(r, {}).get("elected") for r in s.roles)
        groups = {elected_group(member.code) if elected else staff_group(member.code)}
        groups |= {f"{member.code.lower()}-{a}" for a in s.assemblies}
        if group.lower() in groups:
            found.add(s.person_id)
    return found


def step_actors(step: Step, member: RegistryMember) -> set[int]:
    ids: set[int] = set()
    for actor in step.actors.all():
        if actor.person_id is not None:
            ids.add(actor.person_id)
        else:
            ids |= group_members(member, actor.group)
    return ids


# --------------------------------------------------------------------------- circuits

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


# --------------------------------------------------------------------------- who may act

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
    folders = (Folder.objects.filter(member__in=members_of(person), status=Folder.IN_PROGRESS)
               .select_related("member", "circuit", "submitter").order_by("updated_at"))
    return [f for f in folders.iterator(chunk_size=200) if capacities(f, person)]


def submitted_by(person: RegistryPerson) -> QuerySet[Folder]:
    return Folder.objects.filter(submitter=person).select_related("member")


def _capacity(folder: Folder, person: RegistryPerson,
              on_behalf_of: RegistryPerson | None) -> RegistryPerson:
    check_member(person, folder.member)
    allowed = capacities(folder, person)
    if on_behalf_of is None:
        principal = person if person in allowed else (allowed[0] if allowed else None)
    else:
        principal = on_behalf_of if on_behalf_of in allowed else None
    if principal is None:
        raise AccessDenied(f"folder {folder.reference} is not waiting for "
                           f"{display_name(person)}")
    return principal


# --------------------------------------------------------------------------- submit

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submit(person: RegistryPerson, member: RegistryMember, title: str, folder_type: str,
           documents: Sequence[tuple[str, bytes]], annexes: Sequence[tuple[str, bytes]] = (),
           folder_subtype: str = "") -> Folder:
    """A new folder, on its circuit's first step."""
    check_member(person, member)
    if not documents:
        raise SignatureError("a folder needs at least one document to sign")
    for name, data in documents:
        if not data.startswith(b"%PDF-"):
            raise SignatureError(f"{name} is not a PDF: the documents to sign must be PDFs")
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


# --------------------------------------------------------------------------- act

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


def resubmit(folder: Folder, person: RegistryPerson) -> Folder:
    """The submitter starts a rejected folder over, from the original documents."""
    check_member(person, folder.member)
    folder = Folder.objects.get(pk=folder.pk)
    if folder.submitter_id != person.id:
        raise AccessDenied(f"only the submitter may resubmit folder {folder.reference}")
    if folder.status != Folder.REJECTED:
        raise SignatureError(f"folder {folder.reference} was not rejected")
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


def personal_key(person: RegistryPerson) -> SigningKey:
    key = SigningKey.objects.filter(kind=SigningKey.PERSONAL, person=person, active=True).first()
    if key is None:
        raise SignatureError(f"{display_name(person)} has no signing key: ask the syndicate to "
                             "install one")
    return key


@contextmanager
def signer_for(key: SigningKey, passphrase: str = "") -> Iterator:
    """The pyHanko signer of a stored key: a PKCS#12 decrypted in memory, or a PKCS#11 token
    (a person types the PIN; a seal's PIN comes from its environment variable)."""
    if key.storage == SigningKey.PKCS11:
        pin = passphrase or os.environ.get(key.pkcs11_pin_env, "")
        module = getattr(settings, "MUTUALIS_PKCS11_MODULE", "")
        if not module:
            raise SignatureError("MUTUALIS_PKCS11_MODULE is not set: no PKCS#11 module to use")
        with keys.pkcs11_signer(module, key.pkcs11_token, pin, key.pkcs11_key_label) as signer:
            yield signer
        return
    secret = passphrase.encode() if passphrase else (
        keys.decrypt(key.passphrase) if key.passphrase else b"")
    yield keys.signer_from_pkcs12(keys.decrypt(key.pkcs12), secret)


def signing_options(key_usage: set[str], reason: str, location: str) -> SigningOptions:
    tsa = getattr(settings, "MUTUALIS_TSA_URL", "") or ""
    level = getattr(settings, "MUTUALIS_SIGNATURE_LEVEL", "") or ("B-T" if tsa else "B-B")
    return SigningOptions(level=level, tsa_url=tsa, reason=reason, location=location,
                          trust_roots=tuple(keys.configured_trust_roots()),
                          key_usage=frozenset(key_usage))


def _stamp(folder: Folder, signer: RegistryPerson | None, principal: RegistryPerson | None
           ) -> StampText:
    member = folder.member
    if signer is None:
        return StampText(signer=member.name, member=member.name, place=member.name, seal=True)
    text = StampText(signer=display_name(signer), role=role_label(signer, member),
                     member=member.name, place=member.name)
    if principal is not None and principal != signer:
        text = StampText(signer=text.signer, role=text.role, member=text.member,
                         place=text.place, on_behalf_of=display_name(principal),
                         on_behalf_role=role_label(principal, member))
    return text


def _sign_folders(signer, ready: Sequence[tuple[Folder, RegistryPerson | None, Step]],
                  person: RegistryPerson | None, key_usage: set[str]) -> dict[int, list[bytes]]:
    """Sign the main documents of every folder in one session: {folder id: [signed PDFs]}."""
    jobs: list[tuple[int, bytes, StampText]] = []
    for folder, principal, _step in ready:
        text = _stamp(folder, person, principal)
        for doc in folder.documents.filter(kind=Document.MAIN):
            with doc.file.open("rb") as f:
                jobs.append((folder.pk, f.read(), text))
    reason = "Cachet électronique" if person is None else "Signature"
    places = {folder.member.name for folder, _, _ in ready}
    options = signing_options(key_usage, reason, places.pop() if len(places) == 1 else "")
    signed = SigningSession(signer, options).sign_many([(data, text) for _, data, text in jobs])
    out: dict[int, list[bytes]] = {folder.pk: [] for folder, _, _ in ready}
    for (folder_id, _, _), data in zip(jobs, signed, strict=True):
        out[folder_id].append(data)
    return out


def _store(folder: Folder, signed: list[bytes], person: RegistryPerson | None) -> None:
    for doc, data in zip(folder.documents.filter(kind=Document.MAIN), signed, strict=True):
        before = doc.sha256
        doc.file.save(doc.name, ContentFile(data), save=False)
        doc.sha256 = _sha256(data)
        doc.save()
        audit.record(folder.member, "document_signed", person.uid if person else "system",
                     folder, document=doc.name, before=before, after=doc.sha256)


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


def _publish(folder_id: int) -> None:
    from .nextcloud import publish_folder

    publish_folder(Folder.objects.get(pk=folder_id))


# --------------------------------------------------------------------------- delegation

def delegate(member: RegistryMember, delegator: RegistryPerson, delegate_to: RegistryPerson,
             start: date, end: date) -> Delegation:
    check_member(delegator, member)
    check_member(delegate_to, member)
    if end < start:
        raise SignatureError("a delegation must end on or after the day it starts")
    if delegator == delegate_to:
        raise SignatureError("a person cannot delegate to themselves")
    with transaction.atomic():
        delegation = Delegation.objects.create(member=member, delegator=delegator,
                                               delegate=delegate_to, start=start, end=end)
        audit.record(member, "delegated", delegator.uid, None, delegate=delegate_to.uid,
                     start=start.isoformat(), end=end.isoformat())
    return delegation


# --------------------------------------------------------------------------- keys

def install_key(pkcs12: bytes, password: bytes, person: RegistryPerson | None = None,
                member: RegistryMember | None = None, store_password: bool = False
                ) -> SigningKey:
    """Store a PKCS#12 encrypted at rest: a person's key, or (with `member`) a member's seal,
    whose password is then stored encrypted too."""
    if (person is None) == (member is None):
        raise SignatureError("a key belongs either to a person or to a member (a seal)")
    _, certificate, _ = keys.read_pkcs12(pkcs12, password)
    info = keys.describe(certificate)
    kind = SigningKey.PERSONAL if person is not None else SigningKey.SEAL
    with transaction.atomic():
        SigningKey.objects.filter(kind=kind, person=person, member=member).update(active=False)
        key = SigningKey.objects.create(
            kind=kind, person=person, member=member, pkcs12=keys.encrypt(pkcs12),
            passphrase=keys.encrypt(password) if (store_password or member) else b"",
            subject=info.subject, issuer=info.issuer, serial=info.serial,
            not_after=info.not_after, certificate=info.pem)
        owner = member or seat_member(person)
        if owner is not None:
            audit.record(owner, "key_installed", person.uid if person else "system", None,
                         subject=info.subject, serial=info.serial, kind=kind)
    return key


def seat_member(person: RegistryPerson | None) -> RegistryMember | None:
    return members_of(person).first() if person is not None else None
