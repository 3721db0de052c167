"""The emulator's WSGI application, its Python API and its threaded server."""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cheroot import wsgi

from . import capabilities, provisioning, shares, user_ldap
from . import groupfolders as folders_api
from .dav import DAV_ROOT, DavApp, unauthorized
from .faults import FaultConfig, FaultInjector, Stats
from .ocs import (
    RESPOND_NOT_FOUND,
    RESPOND_UNAUTHORISED,
    RESPOND_UNKNOWN_ERROR,
    OcsError,
    OcsRequest,
    Route,
    build_envelope,
    http_status,
    match_route,
    parse_params,
    render,
    response_format,
)
from .state import ADMIN_GROUP, State

StartResponse = Callable[..., Any]

# ocs/v1.php: answer for a route that does not exist
INVALID_QUERY = (
    "Invalid query, please check the syntax. API specifications are here: "
    "http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n"
)
EMULATOR_HEADER = ("X-Emulator", "mutualis-nextcloud-emulator")
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    412: "Precondition Failed",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _status_line(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Status')}"


def _raw_path(environ: dict[str, Any]) -> str:
    uri = environ.get("REQUEST_URI")
    if uri:
        return urlsplit(uri).path
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    return quote(path, safe="/")


class Emulator:
    """A stateful stand-in for the parts of Nextcloud the bridge uses (tests only).

    >>> emu = Emulator(admin=("admin", "pw"), groupfolders=True)
    >>> with emu.serve() as url:  # doctest: +SKIP
    ...     ...
    """

    def __init__(
        self,
        admin: tuple[str, str] = ("admin", "admin"),
        groupfolders: bool = True,
        data_dir: str | Path | None = None,
        fault_rate: float = 0.0,
        fault_latency: float = 5.0,
        seed: int | None = None,
    ) -> None:
        self._owns_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="nc-emulator-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.state = State(self.data_dir, groupfolders=groupfolders)
        admin_uid, admin_password = admin
        self.admin = admin
        self.state.add_user(admin_uid, admin_password)
        self.state.add_group(ADMIN_GROUP).members.append(admin_uid)
        self.faults = FaultInjector(FaultConfig(rate=fault_rate, latency=fault_latency, seed=seed))
        self.stats = Stats()
        self.dav = DavApp(self.state)
        self.routes: list[Route] = [
            *capabilities.ROUTES,
            *provisioning.ROUTES,
            *shares.ROUTES,
            *user_ldap.ROUTES,
            *(folders_api.ROUTES if groupfolders else []),
        ]
        self.folder_routes = folders_api.ROUTES if groupfolders else []
        self._stopping = threading.Event()
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    # --- Python API -------------------------------------------------------

    def configure_faults(self, **changes: Any) -> FaultConfig:
        """Change fault injection at run time: rate, latency, statuses, timeout_share,
        extra_latency, seed (see :class:`FaultConfig`)."""
        return self.faults.configure(**changes)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        server = wsgi.Server((host, port), self, numthreads=16, shutdown_timeout=1)
        server.prepare()
        bound_host, bound_port = server.bind_addr[0], server.bind_addr[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve, name="nc-emulator", daemon=True)
        self._thread.start()
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def close(self) -> None:
        self.stop()
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run on a loopback port in a thread; yields the base URL."""
        url = self.start(host, port)
        try:
            yield url
        finally:
            self.stop()

    # --- WSGI -------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def tagged(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, EMULATOR_HEADER], exc_info)

        method = environ["REQUEST_METHOD"]
        raw = _raw_path(environ)
        if raw.startswith("/__emulator__/"):
            return self._control(environ, tagged, method, raw)
        kind, pattern, version, sub = self._classify(method, raw)
        self.stats.record(method, pattern)
        config = self.faults.config
        if config.extra_latency:
            self._stopping.wait(config.extra_latency)
        fault = self.faults.decide()
        if fault is not None:
            if fault.status is not None:
                return self._plain(tagged, fault.status, "Injected fault\n")
            self._stopping.wait(fault.delay)
        if kind == "status":
            # status.php: JSON, no authentication
            return self._json(tagged, 200, capabilities.status())
        if kind == "ocs":
            return self._ocs(environ, tagged, version, sub, self.routes)
        if kind == "folders":
            # groupfolders' FrontpageRoute on an OCSController: OCSMiddleware picks v1
            return self._ocs(environ, tagged, 1, sub, self.folder_routes, frontpage=True)
        if kind == "dav":
            user = self._user(environ)
            if user is None:
                return unauthorized(tagged)
            return self.dav(environ, tagged, user)
        return self._plain(tagged, 404, "Not Found\n")

    def _classify(self, method: str, raw: str) -> tuple[str, str, int, str]:
        if raw == "/status.php":
            return "status", raw, 0, ""
        for version in (1, 2):
            prefix = f"/ocs/v{version}.php"
            if raw.startswith(prefix + "/"):
                sub = raw[len(prefix) :]
                found = match_route(self.routes, method, sub)
                template = found[0].template if found else "/{unknown}"
                return "ocs", prefix + template, version, sub
        for prefix in ("/index.php", ""):
            if raw.startswith(prefix + "/apps/groupfolders/"):
                sub = raw[len(prefix) :]
                found = match_route(self.folder_routes, method, sub)
                template = found[0].template if found else "/apps/groupfolders/{unknown}"
                return "folders", "/index.php" + template, 1, sub
        if raw == DAV_ROOT or raw.startswith(DAV_ROOT + "/"):
            if raw.startswith(DAV_ROOT + "/files/"):
                return "dav", DAV_ROOT + "/files/{user}/{path}", 0, ""
            return "dav", DAV_ROOT + "/{collection}", 0, ""
        return "other", "{other}", 0, ""

    def _user(self, environ: dict[str, Any]) -> str | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, _, password = decoded.partition(":")
        uid = self.state.authenticate(login, password)
        if uid is not None:
            self.state.users[uid].last_login = int(time.time())
        return uid

    def _ocs(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        version: int,
        sub: str,
        routes: list[Route],
        frontpage: bool = False,
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        body = _read_body(environ)
        params = parse_params(environ, body)
        fmt = response_format(params, environ.get("HTTP_ACCEPT", ""))
        found = match_route(routes, method, sub)
        if found is None:
            if frontpage:
                return self._plain(start_response, 404, "Not Found\n")
            return self._envelope(
                start_response, fmt, version, RESPOND_NOT_FOUND, INVALID_QUERY, []
            )
        route, values = found
        user = self._user(environ)
        # lib/private/AppFramework/Middleware/Security/SecurityMiddleware.php beforeController:
        # login first, then admin rights, then the CSRF check
        if not route.public and user is None:
            # NotLoggedInException -> 401 JSON -> OCSMiddleware afterController -> 997
            return self._envelope(
                start_response,
                fmt,
                version,
                RESPOND_UNAUTHORISED,
                "Current user is not logged in",
                [],
            )
        if route.admin and not self.state.is_admin(user or ""):
            # NotAdminException (403) -> OCSMiddleware afterController -> OCS 403
            return self._envelope(
                start_response, fmt, version, 403, "Logged in user must be an admin", []
            )
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not environ.get("HTTP_OCS_APIREQUEST") and not auth.startswith("Bearer "):
            # lib/private/AppFramework/Http/Request.php passesCSRFCheck: an OCS-APIRequest
            # header passes; without it SecurityMiddleware throws
            # CrossSiteRequestForgeryException, answered as JSON 412 (not an OCS envelope)
            return self._json(start_response, 412, {"message": "CSRF check failed"})
        if route.subadmin and not (self.state.is_admin(user or "")
                                   or self.state.subadmin_groups(user or "")):
            # ProvisioningApiMiddleware (an app middleware, after SecurityMiddleware):
            # NotSubAdminException -> OCSException with Http::STATUS_FORBIDDEN. Current
            # servers answer OCS 403 (build/integration/features/provisioning-v1.feature,
            # "adding user to a group without privileges", "disable an user with a regular
            # user": OCS 403, HTTP 200 in v1); releases before answered 997 and HTTP 401.
            return self._envelope(
                start_response, fmt, version, 403,
                "Logged in account must be at least a sub admin", [],
            )
        # lib/private/AppFramework/Http/Request.php setUrlParameters: route values win
        params.update(values)
        req = OcsRequest(
            state=self.state,
            user=user,
            params=params,
            version=version,
            base_url=_base_url(environ),
        )
        try:
            data = route.handler(req, **values)
            code, message = 200, ""
        except OcsError as exc:
            # OCSMiddleware afterException: an exception code of 0 becomes 999
            data, code, message = [], exc.code or RESPOND_UNKNOWN_ERROR, exc.message
        if fmt == "xml" and any(route is r for r in self.folder_routes):
            data = folders_api.xml_view(data)
        return self._envelope(start_response, fmt, version, code, message, data)

    def _envelope(
        self,
        start_response: StartResponse,
        fmt: str,
        version: int,
        code: int,
        message: str,
        data: Any,
    ) -> list[bytes]:
        envelope = build_envelope(version, code, message, data)
        body, ctype = render(fmt, envelope)
        status = http_status(version, code)
        start_response(
            _status_line(status), [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _json(self, start_response: StartResponse, status: int, data: Any) -> list[bytes]:
        body = json.dumps(data).encode()
        start_response(
            _status_line(status),
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _plain(self, start_response: StartResponse, status: int, text: str) -> list[bytes]:
        body = text.encode()
        start_response(
            _status_line(status),
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _control(
        self, environ: dict[str, Any], start_response: StartResponse, method: str, raw: str
    ) -> list[bytes]:
        """Test-only endpoints: request counters and fault settings."""
        if raw == "/__emulator__/stats" and method == "GET":
            return self._json(start_response, 200, self.stats.as_dict())
        if raw == "/__emulator__/stats/reset" and method == "POST":
            self.stats.reset()
            return self._json(start_response, 200, self.stats.as_dict())
        if raw == "/__emulator__/faults":
            if method == "POST":
                try:
                    changes = json.loads(_read_body(environ) or b"{}")
                    self.configure_faults(**changes)
                except (TypeError, ValueError) as exc:
                    return self._json(start_response, 400, {"error": str(exc)})
            config = self.faults.config
            return self._json(
                start_response,
                200,
                {
                    "rate": config.rate,
                    "latency": config.latency,
                    "statuses": list(config.statuses),
                    "timeout_share": config.timeout_share,
                    "extra_latency": config.extra_latency,
                    "seed": config.seed,
                    "injected": dict(self.faults.injected),
                },
            )
        return self._plain(start_response, 404, "Not Found\n")


def _read_body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) == 0:
        return b""
    return environ["wsgi.input"].read(int(length))


def _base_url(environ: dict[str, Any]) -> str:
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
