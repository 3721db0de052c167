"""WebDAV files (``/remote.php/dav/files/<user>/...``) on WsgiDAV.

A custom WsgiDAV provider maps each user's tree to ``<data>/<uid>/files`` and mounts the
group folders of the user's groups at their mount points, with their permissions. A thin
WSGI wrapper gives WsgiDAV's answers the shape Nextcloud (Sabre) gives them: ``d:``/``oc:``
/``nc:`` prefixes, Sabre error bodies, and the OC-FileId/OC-ETag headers.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from wsgidav.dav_error import (
    HTTP_FORBIDDEN,
    HTTP_INSUFFICIENT_STORAGE,
    DAVError,
)
from wsgidav.dav_provider import DAVCollection, DAVProvider
from wsgidav.error_printer import ErrorPrinter
from wsgidav.fs_dav_provider import FileResource, FolderResource
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from .state import (
    INSTANCE_ID,
    PERMISSION_CREATE,
    PERMISSION_DELETE,
    PERMISSION_READ,
    PERMISSION_SHARE,
    PERMISSION_UPDATE,
    SPACE_UNLIMITED,
    Location,
    PathEscapeError,
    State,
    split_path,
    tree_size,
)

DAV_ROOT = "/remote.php/dav"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"

# 3rdparty sabre/dav Server: DAV: -> d, sabredav -> s; apps/dav/lib/Connector/Sabre/
# FilesPlugin.php initialize(): owncloud -> oc, nextcloud -> nc
PREFIXES = {"DAV:": "d", "http://sabredav.org/ns": "s", OC: "oc", NC: "nc"}

# sabre/dav lib/DAV/Exception/*.php: the exception class reported for each status
SABRE_EXCEPTIONS = {
    400: "Sabre\\DAV\\Exception\\BadRequest",
    401: "Sabre\\DAV\\Exception\\NotAuthenticated",
    403: "Sabre\\DAV\\Exception\\Forbidden",
    404: "Sabre\\DAV\\Exception\\NotFound",
    405: "Sabre\\DAV\\Exception\\MethodNotAllowed",
    409: "Sabre\\DAV\\Exception\\Conflict",
    412: "Sabre\\DAV\\Exception\\PreconditionFailed",
    415: "Sabre\\DAV\\Exception\\UnsupportedMediaType",
    423: "Sabre\\DAV\\Exception\\Locked",
    501: "Sabre\\DAV\\Exception\\NotImplemented",
    507: "Sabre\\DAV\\Exception\\InsufficientStorage",
}

_OC_PROPS = [
    f"{{{OC}}}id",
    f"{{{OC}}}fileid",
    f"{{{OC}}}permissions",
    f"{{{OC}}}size",
    f"{{{OC}}}favorite",
    f"{{{OC}}}share-types",
    f"{{{NC}}}is-encrypted",
    f"{{{NC}}}mount-type",
]


def format_file_id(file_id: int) -> str:
    # apps/dav/lib/Connector/Sabre/Node.php getFileId: sprintf('%08d', $id) . instanceid
    return f"{file_id:08d}{INSTANCE_ID}"


def etag_of(path: Path) -> str:
    stat = path.stat()
    return hashlib.md5(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()


def dav_permissions(loc: Location, is_file: bool) -> str:
    """lib/public/Files/DavUtil.php getDavPermissions (S R M G D NV W/CK letters)."""
    perms = loc.permissions
    letters = ""
    if perms & PERMISSION_SHARE:
        letters += "R"
    if loc.folder is not None and loc.is_mount_root:
        letters += "M"
    if perms & PERMISSION_READ:
        letters += "G"
    movable = not loc.is_mount_root and bool(loc.parts)
    if perms & PERMISSION_DELETE and movable:
        letters += "D"
    if perms & PERMISSION_UPDATE and movable:
        letters += "NV"
    if is_file:
        if perms & PERMISSION_UPDATE:
            letters += "W"
    elif perms & PERMISSION_CREATE:
        letters += "CK"
    return letters


def sabre_error(status: int, message: str) -> bytes:
    # sabre/dav Server::exception(): <d:error> with s:exception and s:message
    exception = SABRE_EXCEPTIONS.get(status, "Sabre\\DAV\\Exception")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        f"  <s:exception>{escape(exception)}</s:exception>\n"
        f"  <s:message>{escape(message)}</s:message>\n"
        "</d:error>\n"
    ).encode()


def serialize_prefixed(root: ElementTree.Element) -> bytes:
    """Write an XML tree with Sabre's/Nextcloud's namespace prefixes."""
    namespaces: dict[str, str] = dict(PREFIXES)
    extra = 0

    def name(tag: str) -> str:
        nonlocal extra
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            if uri not in namespaces:
                extra += 1
                namespaces[uri] = f"x{extra}"
            return f"{namespaces[uri]}:{local}"
        return tag

    def write(elem: ElementTree.Element, out: list[str]) -> None:
        tag = name(elem.tag)
        attrs = "".join(f' {name(k)}="{escape(v, {chr(34): "&quot;"})}"' for k, v in elem.items())
        if len(elem) == 0 and not elem.text:
            out.append(f"<{tag}{attrs}/>")
        else:
            out.append(f"<{tag}{attrs}>{escape(elem.text or '')}")
            for child in elem:
                write(child, out)
                out.append(escape(child.tail or ""))
            out.append(f"</{tag}>")

    body: list[str] = []
    write(root, body)
    declarations = "".join(f' xmlns:{p}="{u}"' for u, p in namespaces.items())
    first = body[0]
    end = first.index(">") if not first.endswith("/>") else len(first) - 2
    body[0] = first[:end] + declarations + first[end:]
    return ('<?xml version="1.0"?>\n' + "".join(body) + "\n").encode()


class _NodeMixin:
    """Nextcloud properties and permission checks shared by files and folders."""

    loc: Location
    user_parts: tuple[str, ...]
    environ: dict[str, Any]
    provider: NextcloudFilesProvider
    _file_path: str

    def _need(self, bit: int, what: str) -> None:
        if not self.loc.permissions & bit:
            raise DAVError(HTTP_FORBIDDEN, context_info=what)

    def _check_quota(self, replacing: int = 0) -> None:
        # apps/dav/lib/Connector/Sabre/QuotaPlugin.php: InsufficientStorage (507) when the
        # upload does not fit; groupfolders applies the folder quota to its storage
        folder = self.loc.folder
        if folder is None or folder.quota < 0:
            return
        length = self.environ.get("CONTENT_LENGTH") or "0"
        incoming = int(length) if length.isdigit() else 0
        used = tree_size(self.provider.state.folder_dir(folder.id))
        if used - replacing + incoming > folder.quota:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, context_info="Insufficient space")

    def _nc_property(self, name: str, is_file: bool) -> Any:
        state = self.provider.state
        path = Path(self._file_path)
        if name == f"{{{OC}}}id":
            return format_file_id(state.file_id(path))
        if name == f"{{{OC}}}fileid":
            return str(state.file_id(path))
        if name == f"{{{OC}}}permissions":
            return dav_permissions(self.loc, is_file)
        if name == f"{{{OC}}}size":
            return str(path.stat().st_size if is_file else tree_size(path))
        if name == f"{{{OC}}}favorite":
            return "0"
        if name == f"{{{OC}}}share-types":
            return None  # an empty <oc:share-types/>: nothing is shared by the emulator
        if name == f"{{{NC}}}is-encrypted":
            return "0"
        # FilesPlugin MOUNT_TYPE_PROPERTYNAME: groupfolders' GroupMountPoint is 'group'
        return "group" if self.loc.folder is not None else ""

    def get_display_name(self) -> str:
        parts = split_path(self.path)
        return parts[-1] if parts else ""

    def get_used_bytes(self) -> int:
        return tree_size(Path(self._file_path))

    def get_available_bytes(self) -> int:
        # apps/dav/lib/Connector/Sabre/Directory.php getQuotaInfo: free space, or
        # SPACE_UNLIMITED (-3) when there is no quota
        folder = self.loc.folder
        if folder is None or folder.quota < 0:
            return SPACE_UNLIMITED
        return max(folder.quota - tree_size(self.provider.state.folder_dir(folder.id)), 0)

    def _move_checks(self, dest_path: str) -> Location:
        if self.loc.is_mount_root or not self.loc.parts:
            raise DAVError(HTTP_FORBIDDEN, context_info="Mount points cannot be moved")
        dest_loc = self.provider.locate(dest_path, self.environ)
        src_parent = split_path(self.path)[:-1]
        dst_parent = split_path(dest_path)[:-1]
        # apps/dav/lib/Connector/Sabre/FilesPlugin.php checkMove: a source leaving its
        # folder must be deletable; a rename in place needs update rights
        if src_parent == dst_parent:
            self._need(PERMISSION_UPDATE, "Not allowed to rename")
        else:
            self._need(PERMISSION_DELETE, "Source cannot be deleted")
        if not dest_loc.permissions & PERMISSION_CREATE:
            raise DAVError(HTTP_FORBIDDEN, context_info="Destination is not creatable")
        return dest_loc

    def _do_move(self, dest_path: str) -> None:
        dest_loc = self._move_checks(dest_path)
        target = dest_loc.fs_path
        shutil.move(self._file_path, target)
        self.provider.state.moved(Path(self._file_path), target)


class NcFile(_NodeMixin, FileResource):
    def __init__(
        self, path: str, environ: dict, file_path: str, loc: Location, user_parts: tuple[str, ...]
    ) -> None:
        super().__init__(path, environ, file_path)
        self.loc = loc
        self.user_parts = user_parts

    def get_etag(self) -> str:
        return etag_of(Path(self._file_path))

    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        return super().get_property_names(is_allprop=is_allprop) + _OC_PROPS

    def get_property_value(self, name: str) -> Any:
        if name in _OC_PROPS:
            return self._nc_property(name, is_file=True)
        return super().get_property_value(name)

    def begin_write(self, *, content_type: str | None = None) -> Any:
        # apps/dav/lib/Connector/Sabre/File.php put(): Forbidden without update rights
        if self.environ.get("nc_emulator.created") != self._file_path:
            self._need(PERMISSION_UPDATE, "File is not updatable")
            self._check_quota(replacing=os.path.getsize(self._file_path))
        return super().begin_write(content_type=content_type)

    def handle_delete(self) -> bool:
        # apps/dav/lib/Connector/Sabre/File.php delete(): Forbidden if not deletable
        self._need(PERMISSION_DELETE, "File is not deletable")
        self.provider.state.forget(Path(self._file_path))
        os.unlink(self._file_path)
        return True

    def delete(self) -> None:
        self.handle_delete()

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        dest = self.provider.locate(dest_path, self.environ)
        if not dest.permissions & PERMISSION_CREATE:
            raise DAVError(HTTP_FORBIDDEN, context_info="Destination is not creatable")
        super().copy_move_single(dest_path, is_move=is_move)

    def move_recursive(self, dest_path: str) -> list[Any]:
        self._do_move(dest_path)
        return []


class NcFolder(_NodeMixin, FolderResource):
    def __init__(
        self, path: str, environ: dict, file_path: str, loc: Location, user_parts: tuple[str, ...]
    ) -> None:
        super().__init__(path, environ, file_path)
        self.loc = loc
        self.user_parts = user_parts

    def get_etag(self) -> str:
        return etag_of(Path(self._file_path))

    def support_etag(self) -> bool:
        return True

    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        return super().get_property_names(is_allprop=is_allprop) + _OC_PROPS

    def get_property_value(self, name: str) -> Any:
        if name in _OC_PROPS:
            return self._nc_property(name, is_file=False)
        return super().get_property_value(name)

    def get_member_names(self) -> list[str]:
        names = super().get_member_names()
        uid = self.environ["nc_emulator.user"]
        # group folders appear in the user's tree at their mount point
        # (apps/groupfolders lib/Mount/MountProvider.php getMountsForUser)
        for mount in self.provider.state.child_mounts(uid, self.user_parts):
            if mount not in names:
                names.append(mount)
        return names

    def create_empty_resource(self, name: str) -> Any:
        # apps/dav/lib/Connector/Sabre/Directory.php createFile: Forbidden if not creatable
        self._need(PERMISSION_CREATE, "Folder is not creatable")
        child = self.provider.locate(self.path.rstrip("/") + "/" + name, self.environ)
        self._check_quota()
        self.environ["nc_emulator.created"] = str(child.fs_path)
        return super().create_empty_resource(name)

    def create_collection(self, name: str) -> None:
        # apps/dav/lib/Connector/Sabre/Directory.php createDirectory
        self._need(PERMISSION_CREATE, "Folder is not creatable")
        super().create_collection(name)

    def handle_delete(self) -> bool:
        # apps/dav/lib/Connector/Sabre/Directory.php delete(): Forbidden if not deletable;
        # a mount point (or the home root) is not deletable; the whole tree goes at once
        if self.loc.is_mount_root or not self.loc.parts:
            raise DAVError(HTTP_FORBIDDEN, context_info="Mount points cannot be deleted")
        self._need(PERMISSION_DELETE, "Folder is not deletable")
        self.provider.state.forget(Path(self._file_path))
        shutil.rmtree(self._file_path)
        return True

    def delete(self) -> None:
        self.handle_delete()

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        dest = self.provider.locate(dest_path, self.environ)
        if not dest.permissions & PERMISSION_CREATE:
            raise DAVError(HTTP_FORBIDDEN, context_info="Destination is not creatable")
        super().copy_move_single(dest_path, is_move=is_move)

    def move_recursive(self, dest_path: str) -> list[Any]:
        self._do_move(dest_path)
        return []


class VirtualCollection(DAVCollection):
    """A collection with fixed members and no content."""

    def __init__(self, path: str, environ: dict, members: list[str]) -> None:
        super().__init__(path, environ)
        self._members = members

    def get_member_names(self) -> list[str]:
        return list(self._members)

    def get_member(self, name: str) -> Any:
        return self.provider.get_resource_inst(self.path.rstrip("/") + "/" + name, self.environ)

    def get_display_name(self) -> str:
        return split_path(self.path)[-1] if split_path(self.path) else ""

    def create_empty_resource(self, name: str) -> Any:
        # sabre/dav Collection::createFile: Forbidden('Permission denied to create file')
        raise DAVError(HTTP_FORBIDDEN, context_info=f"Permission denied to create file {name}")

    def create_collection(self, name: str) -> None:
        raise DAVError(HTTP_FORBIDDEN, context_info=f"Permission denied to create {name}")


class NextcloudFilesProvider(DAVProvider):
    """The ``files`` collection of Nextcloud's DAV root, one tree per user."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state
        self.readonly = False
        self.fs_opts: dict[str, Any] = {"follow_symlinks": False}

    def is_readonly(self) -> bool:
        return False

    def locate(self, path: str, environ: dict) -> Location:
        parts = split_path(path)
        user = environ["nc_emulator.user"]
        if len(parts) < 1 or parts[0] != user:
            raise DAVError(HTTP_FORBIDDEN, context_info="Permission denied")
        try:
            return self.state.resolve(user, parts[1:])
        except PathEscapeError:
            raise DAVError(HTTP_FORBIDDEN, context_info="Invalid path") from None

    def _loc_to_file_path(self, path: str, environ: dict | None = None) -> str:
        return str(self.locate(path, environ or {}).fs_path)

    def get_resource_inst(self, path: str, environ: dict) -> Any:
        parts = split_path(path)
        user = environ["nc_emulator.user"]
        if not parts:
            return VirtualCollection("/", environ, [user])
        if parts[0] != user:
            # apps/dav/lib/Files/RootCollection.php getChildForPrincipal: another user's
            # home is an empty SimpleCollection
            return VirtualCollection(path, environ, []) if len(parts) == 1 else None
        try:
            loc = self.state.resolve(user, parts[1:])
        except PathEscapeError:
            return None
        fs = loc.fs_path
        if not loc.parts:
            fs.mkdir(parents=True, exist_ok=True)
        if fs.is_dir():
            return NcFolder(path, environ, str(fs), loc, parts[1:])
        if fs.is_file():
            return NcFile(path, environ, str(fs), loc, parts[1:])
        return None


StartResponse = Callable[..., Any]


class DavApp:
    """WsgiDAV behind a wrapper that speaks like Nextcloud's Sabre server."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.provider = NextcloudFilesProvider(state)
        config = {
            # the share is the whole prefix, so hrefs and Destination headers keep it
            "provider_mapping": {DAV_ROOT + "/files": self.provider},
            "middleware_stack": [ErrorPrinter, RequestResolver],
            "lock_storage": None,
            "property_manager": None,
            "verbose": 0,
            "logging": {"enable": False},
            "dir_browser": {"enable": False},
            "http_authenticator": {"domain_controller": None},
            "simple_dc": {"user_mapping": {"*": True}},
            "add_header_MS_Author_Via": False,
        }
        self.app = WsgiDAVApp(config)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, user: str
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        destination = environ.get("HTTP_DESTINATION", "")
        dest_path = unquote(urlsplit(destination).path) if destination else ""
        raw = unquote(urlsplit(environ.get("REQUEST_URI") or "").path)
        for candidate in (path, dest_path, raw):
            if ".." in candidate.split("/"):
                # lib/private/Files/Filesystem.php isValidPath: '..' is refused
                return self._error(start_response, 400, "Invalid path")
        environ = dict(environ)
        environ["nc_emulator.user"] = user
        environ["wsgidav.auth.user_name"] = user
        environ["SCRIPT_NAME"] = ""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = status
            captured["headers"] = headers

        result = self.app(environ, capture)
        # WsgiDAV may answer with a generator that calls start_response on first use
        iterator = iter(result)
        first: list[bytes] = []
        for chunk in iterator:
            first.append(chunk)
            break
        chunks = itertools.chain(first, iterator)
        status = captured.get("status", "500 Internal Server Error")
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() not in ("server",)]
        code = int(status.split(" ", 1)[0])
        if code == 207 or code >= 400:
            body = b"".join(chunks)
            if hasattr(result, "close"):
                result.close()
            if code == 207:
                body = serialize_prefixed(ElementTree.fromstring(body))
                ctype = "application/xml; charset=utf-8"
            else:
                body = sabre_error(code, _message(body, status))
                ctype = "application/xml; charset=utf-8"
            headers = [
                (k, v) for k, v in headers if k.lower() not in ("content-length", "content-type")
            ]
            headers += [("Content-Type", ctype), ("Content-Length", str(len(body)))]
            start_response(status, headers)
            return [body]
        if method in ("PUT", "MKCOL", "MOVE", "COPY") and code in (200, 201, 204):
            if method in ("MOVE", "COPY"):
                target = dest_path[len(DAV_ROOT) :]
            else:
                target = path.encode("latin-1").decode("utf-8", "replace")[len(DAV_ROOT) :]
            present = {k.lower() for k, _ in headers}
            headers += [
                (k, v) for k, v in self._file_headers(target, environ) if k.lower() not in present
            ]
        start_response(status, headers)
        return _Body(chunks, result)

    def _file_headers(self, dav_path: str, environ: dict[str, Any]) -> list[tuple[str, str]]:
        # apps/dav/lib/Connector/Sabre/FilesPlugin.php: OC-FileId and OC-ETag after a write
        parts = split_path(dav_path)
        if len(parts) < 2 or parts[0] != "files":
            return []
        try:
            loc = self.provider.locate("/" + "/".join(parts[1:]), environ)
        except DAVError:
            return []
        fs = loc.fs_path
        if not fs.exists():
            return []
        file_id = format_file_id(self.state.file_id(fs))
        return [
            ("OC-FileId", file_id),
            ("OC-ETag", f'"{etag_of(fs)}"'),
            ("ETag", f'"{etag_of(fs)}"'),
        ]

    def _error(self, start_response: StartResponse, code: int, message: str) -> list[bytes]:
        body = sabre_error(code, message)
        reason = {400: "Bad Request", 401: "Unauthorized"}.get(code, "Error")
        start_response(
            f"{code} {reason}",
            [
                ("Content-Type", "application/xml; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]


class _Body:
    """An iterable body that closes WsgiDAV's own iterable when the server is done."""

    def __init__(self, chunks: Iterable[bytes], result: Iterable[bytes]) -> None:
        self._chunks = chunks
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def _message(body: bytes, status: str) -> str:
    text = body.decode("utf-8", "replace")
    # WsgiDAV's plain error pages carry the status line and a context; keep it short
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("<") and not line.startswith("Powered"):
            return line
    return status.split(" ", 1)[1] if " " in status else status


def unauthorized(start_response: StartResponse) -> list[bytes]:
    # apps/dav/lib/Connector/Sabre/Auth.php: 401 with a Basic challenge and Sabre body
    body = sabre_error(
        401,
        "No public access to this resource., No 'Authorization: Basic' "
        "header found. Either the client didn't send one, or the server is "
        "misconfigured",
    )
    start_response(
        "401 Unauthorized",
        [
            ("Content-Type", "application/xml; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("WWW-Authenticate", 'Basic realm="Nextcloud", charset="UTF-8"'),
        ],
    )
    return [body]


__all__ = ["DAV_ROOT", "DavApp", "unauthorized"]
