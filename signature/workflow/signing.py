"""Signing the main documents of folders: the visible stamp, the signing options, one pyHanko
session for every folder, and the signed PDFs stored with their hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.files.base import ContentFile

from mutualis import conf
from provisioning.models import RegistryPerson

from .. import audit, extensions
from ..models import Document, Folder, Step
from ..pki import keys
from ..pki.embedded import tsa_url
from ..sign import SigningOptions, SigningSession
from ..stamp import StampText
from .people import display_name, role_label


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signing_options(key_usage: set[str], reason: str, location: str) -> SigningOptions:
    tsa = tsa_url()  # MUTUALIS_TSA_URL, else the demo's embedded authority
    level = conf.MUTUALIS_SIGNATURE_LEVEL or ("B-T" if tsa else "B-B")
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
    """Sign the main documents of every folder in one session: {folder id: [signed PDFs]}.
    A folder an extension claims (a PES flux) is signed by it, with the same key."""
    out: dict[int, list[bytes]] = {}
    pdfs = []
    for item in ready:
        special = extensions.signer_of(item[0])
        if special is None:
            pdfs.append(item)
        else:
            out[item[0].pk] = special.sign(signer, item[0], person)
    if not pdfs:
        return out
    ready = pdfs
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
    out.update({folder.pk: [] for folder, _, _ in ready})
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
