"""The GED's public functions: the apps and the staff pages file documents through them.

`file_document` files a document (its first version); `add_version` adds one beside the old
ones; `file_from_app` is what the other apps call at their completion points: it files only
when the member subscribes to `ged` and never makes the calling app fail (the app's own
record stays the reference; a filing that fails is logged and can be redone)."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.access import subscribes

from . import audit, formats, mirror, plan
from .models import Document, DocumentType, DocumentVersion, LegalHold

SERVICE = "ged"
log = logging.getLogger(__name__)


class FilingRefused(Exception):
    """One French sentence saying what is wrong, for people."""


def pdf_text(content: bytes) -> str:
    """The text of a PDF (Poppler's pdftotext); empty for a scan without text."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        done = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", pdf.name, "-"],
                              capture_output=True, timeout=60, check=False)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def content_text(content: bytes, mime: str) -> str:
    if mime == "application/pdf":
        return pdf_text(content)
    if mime.startswith("text/") or mime.endswith("xml"):
        return content.decode("utf-8", "replace")
    return ""


def _search_text(document: Document, text: str) -> str:
    values = [str(v) for v in (document.metadata or {}).values() if v]
    return "\n".join([document.title, document.author, document.doc_type.title, *values, text])


def find_type(member, type_code: str) -> DocumentType:
    found = DocumentType.objects.filter(member=member, code=type_code).first()
    if found is None:
        raise FilingRefused(_("Le type de document « %(code)s » n'existe pas dans le plan de "
                              "classement de %(member)s.") % {"code": type_code,
                                                              "member": member.name})
    return found


def _read(content) -> bytes:
    if isinstance(content, bytes):
        return content
    content.seek(0)
    return content.read()


@transaction.atomic
def file_document(member, type_code: str, title: str, content, *, filename: str = "",
                  source: str = "staff", author: str = "", created_on: date | None = None,
                  closed_on: date | None = None, event_on: date | None = None,
                  object_app: str = "", object_key: str = "", metadata: dict | None = None,
                  actor: str = "", text: str | None = None, department: str = "") -> Document:
    """File a document (bytes or a file) under the member's type; returns its record."""
    doc_type = find_type(member, type_code)
    if not title.strip():
        raise FilingRefused(_("Le document à classer n'a pas de titre."))
    document = Document(member=member, doc_type=doc_type, title=title.strip()[:500],
                        author=author[:200], created_on=created_on or timezone.localdate(),
                        closed_on=closed_on, event_on=event_on, source=source,
                        object_app=object_app, object_key=str(object_key),
                        metadata=metadata or {}, department=department[:100])
    document.retention_end = plan.retention_end(doc_type, document)
    document.save()
    version = _store(document, _read(content), filename or getattr(content, "name", ""),
                     actor, text=text)
    audit.record(member, "filed", actor, document, type=type_code, source=source,
                 sha256=version.sha256, object=f"{object_app}:{object_key}".strip(":"))
    mirror.schedule(member)
    return document


def _store(document: Document, content: bytes, filename: str, actor: str, note: str = "",
           text: str | None = None) -> DocumentVersion:
    filename = (filename.rsplit("/", 1)[-1] or "document")[:200]
    mime, puid = formats.identify(content, filename)
    number = (document.versions.order_by("-number").values_list("number", flat=True).first()
              or 0) + 1
    version = DocumentVersion(document=document, number=number, filename=filename,
                              sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                              mime_type=mime, puid=puid, filed_by=actor[:100], note=note)
    version.file.save(filename, ContentFile(content), save=False)
    version.save()
    if text is None:
        text = content_text(content, mime)
    document.search_text = _search_text(document, text)
    document.save(update_fields=["search_text"])
    return version


@transaction.atomic
def add_version(document: Document, content, *, filename: str = "", actor: str = "",
                note: str = "") -> DocumentVersion:
    """A new version beside the previous ones (never in their place)."""
    if document.state != Document.ACTIVE:
        raise FilingRefused(_("« %(title)s » n'est plus en gestion : on ne peut plus lui "
                              "ajouter de version.") % {"title": document.title})
    version = _store(document, _read(content), filename or getattr(content, "name", ""),
                     actor, note)
    audit.record(document.member, "version", actor, document, number=version.number,
                 sha256=version.sha256, note=note)
    mirror.schedule(document.member)
    return version


def file_from_app(member, type_code: str, title: str, content: bytes, **fields) -> Document | None:
    """The apps' entry point: files when the member subscribes to the GED, once per object
    (the same object and file already filed: nothing new). Never raises to the caller."""
    if not subscribes(member, SERVICE):
        return None
    try:
        if not DocumentType.objects.filter(member=member).exists():
            plan.load_standard(member)
        digest = hashlib.sha256(content).hexdigest()
        existing = Document.objects.filter(
            member=member, object_app=fields.get("object_app", ""),
            object_key=str(fields.get("object_key", "")), versions__sha256=digest).first()
        if existing is not None and fields.get("object_key"):
            text = fields.get("text")
            if text and text not in existing.search_text:  # recognised since: now searchable
                existing.search_text = _search_text(existing, text)
                existing.save(update_fields=["search_text"])
            return existing
        return file_document(member, type_code, title, content, **fields)
    except Exception:
        log.exception("GED: filing %r for member %s failed", title, member.code)
        return None


def close_file(document: Document, closed_on: date, actor: str = "") -> None:
    """The file is closed: its DUA may now run from that day."""
    document.closed_on = closed_on
    document.retention_end = plan.retention_end(document.doc_type, document)
    document.save(update_fields=["closed_on", "retention_end"])
    audit.record(document.member, "closed", actor, document, closed_on=closed_on)


def recompute_retention(doc_type: DocumentType) -> int:
    """After the member edits a rule: every active document of the type gets its new end."""
    changed = 0
    for document in doc_type.documents.filter(state=Document.ACTIVE).iterator(2000):
        end = plan.retention_end(doc_type, document)
        if end != document.retention_end:
            Document.objects.filter(pk=document.pk).update(retention_end=end)
            changed += 1
    return changed


@transaction.atomic
def place_hold(member, reference: str, reason: str, documents, actor: str = "") -> LegalHold:
    documents = list(documents)
    if any(d.member_id != member.pk for d in documents):
        raise FilingRefused(_("Un gel ne peut porter que sur les documents de %(member)s.")
                            % {"member": member.name})
    hold = LegalHold.objects.create(member=member, reference=reference, reason=reason)
    hold.documents.set(documents)
    audit.record(member, "hold", actor, reference=reference, reason=reason,
                 documents=[d.pk for d in documents])
    return hold


def lift_hold(hold: LegalHold, actor: str = "") -> None:
    hold.lifted_at = timezone.now()
    hold.save(update_fields=["lifted_at"])
    audit.record(hold.member, "hold-lifted", actor, reference=hold.reference)


def is_held(document: Document) -> bool:
    return document.holds.filter(lifted_at__isnull=True).exists()
