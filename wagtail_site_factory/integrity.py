"""SHA-256 of uploaded documents, computed from the file itself (CGCT L2131-1, R2131-1)."""

from __future__ import annotations

import hashlib

from .models.tenancy import DocumentIntegrity


def file_sha256(document) -> str:
    digest = hashlib.sha256()
    with document.open_file() as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record(document) -> DocumentIntegrity | None:
    """Compute the document's SHA-256 when its file is new or changed (its SHA-1 differs)."""
    if not document.file:
        return None
    known = DocumentIntegrity.objects.filter(document=document).first()
    if known and document.file_hash and known.sha1 == document.file_hash:
        return known
    sha256 = file_sha256(document)
    integrity, _ = DocumentIntegrity.objects.update_or_create(
        document=document, defaults={"sha256": sha256, "sha1": document.file_hash or ""})
    return integrity


def sha256_of(document) -> str:
    integrity = record(document)
    return integrity.sha256 if integrity else ""
