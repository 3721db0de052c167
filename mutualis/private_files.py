"""Private files: a storage outside MEDIA_ROOT, unguessable names, and one way to serve them.

Nothing here is reachable under /media/. A view that checked the person's rights hands the
file to `serve_private`, which streams it (or, with MUTUALIS_PRIVATE_ACCEL set, lets nginx
send it from an `internal` location through X-Accel-Redirect; see docs/private-files.md).
It answers a single byte range (RFC 9110 §14) as the web server would, so that a browser's
PDF viewer fetches a large dossier page by page (docs/espace-elus.md).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.http import http_date
from django.utils.text import get_valid_filename
from django.views.static import serve

from mutualis import conf

from .uploads import PDF, sniff

SANDBOX = "sandbox; default-src 'none'"
# A PDF shown inline cannot be sandboxed: Chromium, Firefox and Safari refuse to start their
# PDF viewer in a sandboxed document (Chromium issue 41131921, WHATWG html issue 3958). What
# makes it safe is that it is a PDF: typed by its bytes, parsed, without active content (the
# upload policy), sent as application/pdf with nosniff. Its policy still forbids everything
# but the viewer (Chromium's needs inline style and a same-origin <embed>: issue 271452).
INLINE_PDF = ("default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; "
              "img-src 'self' data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


def private_root() -> Path:
    root = conf.MUTUALIS_PRIVATE_ROOT
    return Path(root) if root else Path(settings.VAR_DIR) / "private"


class PrivateStorage(FileSystemStorage):
    """Read its root at each use, so that a test's or the demo's var dir is honoured. Files
    are readable by the application's user only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
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


def dossier_dir() -> str:
    """A new private folder for one dispatch's convocation dossier."""
    return f"convocation/{secrets.token_urlsafe(24)}/dossier"


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


def harden(response: HttpResponse, policy: str = SANDBOX) -> HttpResponse:
    """No sniffing, no script, no caching by a shared cache."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = policy
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
    accel = conf.MUTUALIS_PRIVATE_ACCEL
    if accel and isinstance(storage, PrivateStorage):
        handle.close()  # the web server sends the file, and answers Range itself
        response = HttpResponse(content_type=kind)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    else:
        response = _ranged(request, handle, storage, name, kind)
    response["Content-Disposition"] = _disposition(inline, filename)
    return harden(response, INLINE_PDF if inline else SANDBOX)


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


class _Slice:
    """`length` bytes of an open file from `start`; closing it closes the file, even if it
    was never read (a HEAD request)."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.remaining = handle, length
        handle.seek(start)

    def __iter__(self):
        while self.remaining > 0:
            chunk = self.handle.read(min(CHUNK, self.remaining))
            if not chunk:
                return
            self.remaining -= len(chunk)
            yield chunk

    def close(self):
        self.handle.close()


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single `Range: bytes=` header, None when the header is to be
    ignored (absent, malformed, several ranges: the whole file is sent), False when it cannot
    be satisfied."""
    match = RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        suffix = int(last)
        return (max(0, size - suffix), size - 1) if suffix and size else False
    first = int(first)
    if last and int(last) < first:
        return None  # not a valid range: ignored
    if first >= size:
        return False
    return first, min(int(last), size - 1) if last else size - 1


def _ranged(request, handle, storage, name: str, kind: str) -> HttpResponse:
    """The whole file, or the single range the request asks for (206), or a 416."""
    size = storage.size(name)
    try:
        modified = http_date(storage.get_modified_time(name).timestamp())
    except (NotImplementedError, OSError):
        modified = None
    header = request.META.get("HTTP_RANGE", "") if request is not None else ""
    if_range = request.META.get("HTTP_IF_RANGE") if request is not None else None
    wanted = byte_range(header, size) if header and if_range in (None, modified) else None
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416, content_type=kind)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(handle, content_type=kind)
    else:
        first, last = wanted
        response = StreamingHttpResponse(_Slice(handle, first, last - first + 1),
                                         status=206, content_type=kind)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    if modified:
        response["Last-Modified"] = modified  # what If-Range is compared with
    return response


NOT_UNDER_MEDIA = ("documents/", "wagtail_uploads/")


def serve_media(request, path: str):
    """The demo's /media/ (public uploads only: images, logos): never sniffed, never run.
    Wagtail documents go through Wagtail's serve view, which checks collection privacy;
    Wagtail's half-done multiple uploads are nobody's to fetch."""
    if path.startswith(NOT_UNDER_MEDIA):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    kind = response.get("Content-Type", "")
    if not kind.startswith("image/") or "svg" in kind:
        response["Content-Disposition"] = "attachment"
    return response


def move_to_private(model, fields: list[str], prefix: str) -> int:
    """For the data migrations: the files of these FileFields still in the default storage
    (under MEDIA_ROOT, at guessable paths) move to the private storage under unguessable
    names; the public copy is removed once the new names are committed. Returns how many
    files moved. Running it again moves nothing."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    storage, moved = private_storage(), {}
    for obj in model.objects.all().iterator(chunk_size=500):
        names = {f: getattr(obj, f).name for f in fields if getattr(obj, f).name}
        update = {}
        for field, name in names.items():
            if name not in moved:
                if storage.exists(name) or not default_storage.exists(name):
                    continue  # already private, or lost before this migration: left as is
                with default_storage.open(name, "rb") as handle:
                    moved[name] = storage.save(TokenPath(prefix)(obj, name), handle)
            update[field] = moved[name]
        if update:
            model.objects.filter(pk=obj.pk).update(**update)
    for name in moved:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return len(moved)


def move_dossiers_to_private(dispatch_model) -> int:
    """The same for the convocation dossiers, whose paths are in each dispatch's records."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    storage, moved = private_storage(), []
    for dispatch in dispatch_model.objects.exclude(files=[]).iterator(chunk_size=500):
        base, records, changed = dossier_dir(), [], False
        for record in dispatch.files or []:
            old = record["path"]
            if not storage.exists(old) and default_storage.exists(old):
                with default_storage.open(old, "rb") as handle:
                    record = {**record, "path": storage.save(f"{base}/{record['name']}", handle)}
                moved.append(old)
                changed = True
            records.append(record)
        if changed:
            dispatch_model.objects.filter(pk=dispatch.pk).update(files=records)
    for name in moved:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return len(moved)
