"""The Nextcloud client: nc-py-api's AsyncNextcloud on an event loop of its own.

The engine calls drivers synchronously, from several threads at once. A `NextcloudClient`
runs one asyncio loop in a background thread; callers submit coroutines to it (`run`,
`asyncio.run_coroutine_threadsafe`), so the requests of a batch go out concurrently over the
client's connection pools, at most `concurrency` at a time (an asyncio.Semaphore).

Every request is retried with exponential backoff when Nextcloud answers 5xx or 429, times
out or cannot be reached, and never on a 4xx or an OCS failure: those become `OcsError`
(`BackendError`) with one sentence for people, the OCS status code kept in `.code` so that
callers can treat an "already exists" answer (102 on a user or group add) as an observation.
We speak OCS v1: its HTTP status is 200 and the OCS code and message travel in the envelope
(lib/private/AppFramework/OCS/V1Response.php), where v2 turns most codes into HTTP errors.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import quote

from nc_py_api import AsyncNextcloud, NextcloudException
from niquests.exceptions import ConnectionError as HttpConnectionError
from niquests.exceptions import Timeout as HttpTimeout

from provisioning.drivers import BackendError, TransientBackendError

T = TypeVar("T")

OCS_ROOT = "/ocs/v1.php"
# HTTP statuses worth a retry: the server or a proxy failed, or asked us to slow down.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# OCS codes of lib/public/AppFramework/OCSController.php
OCS_UNAUTHORISED, OCS_NOT_FOUND = 997, 998


class OcsError(BackendError):
    """Nextcloud refused a request (OCS failure or HTTP 4xx); `code` is its status code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class NextcloudClient:
    """One Nextcloud account (the service account), its connection pools and its loop."""

    def __init__(self, url: str, user: str, password: str, *, timeout: float = 30,
                 concurrency: int = 8, retries: int = 3, backoff: float = 0.2,
                 verify: bool | str = True):
        self.url = url.rstrip("/")
        self.user = user
        self.retries = retries
        self.backoff = backoff
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"nextcloud-client-{id(self):x}")
        self._thread.start()
        self._nc, self._limit = self.run(
            self._connect(password, timeout, max(1, concurrency), verify))

    async def _connect(self, password: str, timeout: float, concurrency: int,
                       verify: bool | str) -> tuple[AsyncNextcloud, asyncio.Semaphore]:
        # Made on the loop, so that its sessions and the semaphore belong to it.
        nc = AsyncNextcloud(nextcloud_url=self.url, nc_auth_user=self.user,
                            nc_auth_pass=password, npa_timeout=timeout,
                            npa_timeout_dav=timeout, npa_nc_cert=verify)
        return nc, asyncio.Semaphore(concurrency)

    # ------------------------------------------------------------------ loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the client's loop and wait for its result (any thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def shut() -> None:
            session = self._nc._session  # nc-py-api has no public close
            for adapter in (session.adapter, session.adapter_dav):
                await adapter.close()

        try:
            self.run(shut())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    # ------------------------------------------------------------------ calls

    async def call(self, what: str, make: Callable[[], Awaitable[T]], *,
                   retry: bool = True) -> T:
        """Run `make()` within the concurrency limit, retrying transient failures.

        `what` says what was being done, for the error message: "adding user jdupont".
        A request that is not idempotent (a share) passes retry=False: after a timeout it
        may have been carried out, and the caller decides what to do.
        """
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                async with self._limit:
                    return await make()
            except NextcloudException as exc:
                error = self._error(exc, what)
            except (HttpConnectionError, HttpTimeout, OSError) as exc:
                error = TransientBackendError(
                    f"while {what}, Nextcloud at {self.url} did not answer "
                    f"({type(exc).__name__})")
            except (ValueError, KeyError, TypeError):  # an HTML page from a proxy, say
                raise BackendError(f"while {what}, {self.url} gave an answer that is not "
                                   "Nextcloud's: check the nextcloud backend's url") from None
            if not isinstance(error, TransientBackendError) or attempt == attempts - 1:
                raise error
            await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _error(self, exc: NextcloudException, what: str) -> BackendError:
        http = exc.response.status_code if exc.response is not None else None
        status = exc.status_code
        reason = (exc.reason or "").strip().rstrip(".")
        if http is None or http in RETRY_STATUSES:
            shown = "timed out" if http is None else f"answered HTTP {http}"
            return TransientBackendError(f"while {what}, Nextcloud at {self.url} {shown}")
        if http == 401 or status == OCS_UNAUTHORISED:
            return BackendError(
                f"Nextcloud at {self.url} refused the login of {self.user}: check the "
                "nextcloud backend's user and password")
        if http >= 400:
            return OcsError(f"while {what}, Nextcloud answered HTTP {http}"
                            + (f" ({reason})" if reason else ""), http)
        return OcsError(f"while {what}, Nextcloud answered: {reason or 'no reason given'} "
                        f"(OCS {status})", status)

    async def ocs(self, method: str, path: str, what: str, *, params: dict | None = None,
                  json: dict | None = None, retry: bool = True) -> Any:
        """An OCS call: `path` under /ocs/v1.php, or an app route starting with /index.php."""
        full = path if path.startswith(("/index.php/", "/ocs/")) else OCS_ROOT + path
        return await self.call(
            what, lambda: self._nc.ocs(method, full, params=params, json=json), retry=retry)

    async def capabilities(self) -> dict:
        return await self.call("reading its capabilities", lambda: self._nc.capabilities)

    # ------------------------------------------------------------------ WebDAV

    async def dav_list(self, path: str = "") -> list[str]:
        """Names of the entries directly in a folder of the service account's files."""
        nodes = await self.call(f"listing the folder /{path}",
                                lambda: self._nc.files.listdir(path))
        return [node.name for node in nodes]

    async def dav_mkcol(self, path: str) -> bool:
        """Create a folder; False when it exists already (405, RFC 4918 §9.3.1)."""
        try:
            await self.call(f"creating the folder /{path}", lambda: self._nc.files.mkdir(path))
        except OcsError as exc:
            if exc.code == 405:
                return False
            raise
        return True

    async def dav_put(self, path: str, content: bytes) -> None:
        await self.call(f"storing /{path}", lambda: self._nc.files.upload(path, content))

    async def dav_delete(self, path: str) -> bool:
        """Delete a file or folder; False when it was not there (404)."""
        try:
            await self.call(f"deleting /{path}", lambda: self._nc.files.delete(path))
        except OcsError as exc:
            if exc.code == 404:
                return False
            raise
        return True

    async def dav_move(self, source: str, target: str) -> None:
        """Rename within the service account's files (nc-py-api's move needs SEARCH after)."""
        async def move() -> None:
            session = self._nc._session
            user = await session.user
            base = f"/files/{quote(user, safe='')}/"
            response = await session.adapter_dav.request(
                "MOVE", base + quote(source.strip("/")),
                headers={"Destination": session.cfg.dav_endpoint + base
                         + quote(target.strip("/")), "Overwrite": "F"})
            if response.status_code >= 400:
                raise NextcloudException(response.status_code, reason=response.reason or "",
                                         info=f"MOVE /{source}", response=response)

        await self.call(f"renaming /{source} to /{target}", move)
