"""Private files: a storage outside MEDIA_ROOT, unguessable names, and one way to serve them.

Nothing here is reachable under /media/. A view that checked the person's rights hands the
file to `serve_private`, which streams it (or, with MUTUALIS_PRIVATE_ACCEL set, lets nginx
send it from an `internal` location through X-Accel-Redirect; see docs/private-files.md).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename
from django.views.static import serve

from .uploads import PDF, sniff

SANDBOX = "sandbox; default-src 'none'"


def private_root() -> Path:
    root = getattr(settings, "MUTUALIS_PRIVATE_ROOT", "")
    return Path(root) if root else Path(settings.VAR_DIR) / "private"


class PrivateStorage(FileSystemStorage):
    """Read its root at each use, so that a test's or the demo's var dir is honoured."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return str(private_root())

    @property
    def location(self):
        return str(private_root().resolve())

    def url(self, name):
        raise ValueError("private files have no public URL: serve them with serve_private")


def private_storage():
    """The FileFields' `storage` callable (a callable keeps the migrations stable)."""
    return storages["private"]


@deconstructible
class TokenPath:
    """upload_to: `<prefix>/<random token>/<cleaned original name>`; nobody can guess it."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        name = get_valid_filename(Path(filename).name)[-120:] or "fichier"
        return f"{self.prefix}/{secrets.token_urlsafe(24)}/{name}"

    def __eq__(self, other):
        return isinstance(other, TokenPath) and other.prefix == self.prefix


def harden(response: HttpResponse) -> HttpResponse:
    """No sniffing, no script, no plugin, no caching by a shared cache."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _disposition(inline: bool, filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def serve_private(request, fieldfile, filename: str, inline: bool = False) -> HttpResponse:
    """The file of a FieldFile (or a storage name), for a person whose rights the caller
    checked. Inline only for content that is a PDF (uploads passed the policy); any other
    type goes as an attachment whose type is read from its bytes, never text/html."""
    storage = getattr(fieldfile, "storage", None) or private_storage()
    name = getattr(fieldfile, "name", fieldfile)
    handle = storage.open(name, "rb")
    kind = sniff(handle.read(4096)) or "application/octet-stream"
    handle.seek(0)
    inline = inline and kind == PDF
    accel = getattr(settings, "MUTUALIS_PRIVATE_ACCEL", "")
    if accel and isinstance(storage, PrivateStorage):
        handle.close()
        response = HttpResponse(content_type=kind)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    else:
        response = FileResponse(handle, content_type=kind)
    response["Content-Disposition"] = _disposition(inline, filename)
    return harden(response)


def serve_media(request, path: str):
    """The demo's /media/ (public uploads only: images, logos): never sniffed, never run."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    if not (response.get("Content-Type", "").startswith("image/")
                                   and "svg" not in response.get("Content-Type", "")):
        response["Content-Disposition"] = "attachment"
    return response
