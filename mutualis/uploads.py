"""One upload policy for every app: type by content, size limits, PDFs parsed before acceptance.

Every file a person hands to Mutualis (convocation notes, projects and annexes, parapheur
documents and annexes, acts and their annexes) passes `read_checked` / `check_bytes`, in the
forms and again in the services that store them, so that a CLI or a future API cannot bypass
it. Django streams an upload to a temporary file; `SizeLimitUploadHandler` stops writing once
the limit is passed, so a 400 MB upload never fills the disk or the memory.

Files shown inline (PDFs) must carry no active content: a PDF with JavaScript, automatic
actions, launch actions or embedded files is refused, not merely flagged, because every PDF
of the apps may be opened in an official's browser.
"""

from __future__ import annotations

import io

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning.quoting import shown

MB = 1024 * 1024

PDF = "application/pdf"
# Annexes may be PDFs, images or office documents, recognised by their first bytes.
ANNEX_TYPES = {
    PDF: ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.oasis.opendocument": ".odt",  # OpenDocument (zip with a mimetype)
    "application/vnd.openxmlformats-officedocument": ".docx",  # OOXML (zip)
}
_SIGNATURES = [(b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"\xff\xd8\xff", "image/jpeg")]
# Names whose presence in a PDF means active content.
ACTIVE_PDF_KEYS = ("/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
                   "/RichMedia", "/XFA", "/SubmitForm")


def max_size() -> int:
    return int(conf.MUTUALIS_UPLOAD_MAX_SIZE)


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes (never from its name); None: not allowed."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument" in head[:200]:
            return "application/vnd.oasis.opendocument"
        if b"[Content_Types].xml" in head[:2000] or b"word/" in head or b"xl/" in head:
            return "application/vnd.openxmlformats-officedocument"
    return None


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f}" if size >= MB else f"{size / MB:.1f}"


def _refuse(name: str, message: str) -> ValidationError:
    return ValidationError(_("« %(name)s » %(what)s") % {"name": shown(name, quote=False),
                                                          "what": message})


class TooLargeUpload(UploadedFile):
    """What the size handler leaves of a file past the limit: its name and measured size,
    no content. `check_size` refuses it with a sentence."""

    def __init__(self, name: str, size: int, content_type: str = ""):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size)


class SizeLimitUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts each file's bytes and, past the limit, swallows
    the rest (the handlers after it write nothing more) and hands over a TooLargeUpload."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return None if self.received > max_size() else raw_data

    def file_complete(self, file_size):
        if self.received > max_size():
            return TooLargeUpload(self.file_name, self.received, self.content_type)
        return None


def check_size(upload: UploadedFile) -> None:
    """From the size Django measured while streaming it to disk: nothing more is read."""
    limit = max_size()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_("« %(name)s » pèse %(size)s Mo ; la limite est %(limit)s Mo : "
                                "réduisez-le (un PDF compressé) ou découpez-le.")
                              % {"name": shown(upload.name, quote=False),
                                 "size": _megabytes(upload.size), "limit": _megabytes(limit)})


def pdf_problem(content: bytes) -> str | None:
    """What makes this not an acceptable PDF, in French; None when it is one."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not content.startswith(b"%PDF-"):
        return _("n'est pas un PDF : son contenu ne commence pas comme un PDF.")
    head = content[:4096].lower()
    if any(tag in head for tag in (b"<html", b"<script", b"<!doctype", b"<svg", b"<body")):
        return _("n'est pas un PDF : il contient du HTML ou un script.")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        pages = len(reader.pages)
        objects = [reader.trailer["/Root"].get_object()]
    except (PdfReadError, ValueError, OSError, KeyError, TypeError, AttributeError) as exc:
        return _("n'est pas un PDF lisible (%(error)s) : enregistrez-le de nouveau au format "
                 "PDF.") % {"error": type(exc).__name__}
    except Exception:  # pypdf raises assorted errors on hostile files: all mean unreadable
        return _("n'est pas un PDF lisible : enregistrez-le de nouveau au format PDF.")
    if pages == 0:
        return _("n'a aucune page : joignez le document complet.")
    found = _active_content(reader, objects)
    if found:
        return _("contient du contenu actif (%(what)s) : enregistrez-le de nouveau en PDF "
                 "simple (par exemple « Imprimer en PDF »), puis joignez-le.") % {"what": found}
    return None


def _active_content(reader, roots) -> str | None:
    """The first active-content key reachable from the catalog and the pages, if any."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[int] = set()
    stack = list(roots) + [p.get_object() for p in reader.pages]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            try:
                obj = obj.get_object()
            except Exception:
                continue
        if isinstance(obj, DictionaryObject):
            for key in ACTIVE_PDF_KEYS:
                if key in obj:
                    return key
            if obj.get("/S") in ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm"):
                return str(obj.get("/S"))
            stack.extend(v for k, v in obj.items() if k not in ("/Parent", "/Contents"))
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def read_checked(upload: UploadedFile, kinds=frozenset({PDF})) -> bytes:
    """The upload's content once it passed the policy (size, type by content, PDF parsed);
    ValidationError naming the file and what is wrong otherwise."""
    check_size(upload)
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    kind = sniff(content[:4096])
    if kind is None or kind not in kinds:
        if kinds == {PDF}:
            raise _refuse(upload.name, _("n'est pas un PDF : son contenu ne commence pas "
                                         "comme un PDF."))
        raise _refuse(upload.name, _("n'est pas d'un type accepté (PDF, image PNG ou JPEG, "
                                     "document OpenDocument ou Office)."))
    if kind == PDF:
        problem = pdf_problem(content)
        if problem:
            raise _refuse(upload.name, problem)
    return content


def check_upload(upload: UploadedFile | None, kinds=frozenset({PDF})) -> UploadedFile | None:
    """A form's clean_<field>: the upload, checked by the policy (None passes through)."""
    if upload:
        read_checked(upload, kinds)
    return upload


def check_bytes(name: str, content: bytes, kinds=frozenset({PDF})) -> None:
    """The same policy for content already in memory (the services that store files)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    read_checked(SimpleUploadedFile(name, content), kinds)


def problem_of(name: str, content: bytes, kinds=frozenset({PDF})) -> str | None:
    """The policy's sentence for this content, or None: for services that collect every
    reason before refusing."""
    try:
        check_bytes(name, content, kinds)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None



class CheckedFileField(forms.FileField):
    """A form field that applies the policy when the form is cleaned: the size first (from
    what Django measured), then the type by content and, for PDFs, the parse. `kinds=None`
    checks only the size (files read by a parser of their own: XML, PKCS#12, a PDF to
    verify)."""

    upload_policy = True  # every file field of the apps carries it (tests/security)

    def __init__(self, *args, kinds=frozenset({PDF}), **kwargs):
        self.kinds = kinds
        accept = {"accept": "application/pdf"} if kinds == {PDF} else {}
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs=accept))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial:
            check_size(upload)
            if self.kinds is not None:
                read_checked(upload, self.kinds)
        return upload
