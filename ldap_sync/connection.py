"""Connections, error mapping and the pipeline of asynchronous operations.

Each change is a small generator that yields LDAP operations and receives their results (or
has their errors thrown into it), so that its fallbacks read as plain code: "add; if it
already exists, read it and modify what differs". The pipeline keeps up to `window`
operations of different changes in flight on one connection, which is what makes a batch
fast: the server works while we build the next request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any

import ldap
from ldap.controls import SimplePagedResultsControl

from provisioning.drivers import BackendError, TransientBackendError

# Errors worth retrying: the server is down, overloaded or slow; the next call reconnects.
TRANSIENT = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.BUSY, ldap.UNAVAILABLE, ldap.CONNECT_ERROR)
RESULT_TIMEOUT = 60.0  # seconds to wait for one answer before calling the server lost
PAGE_SIZE = 2000


def describe(exc: ldap.LDAPError) -> str:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    desc = info.get("desc") or type(exc).__name__
    detail = info.get("info")
    return f"{desc} ({detail})" if detail else desc


def connect(config: dict) -> ldap.ldapobject.LDAPObject:
    """A bound connection; TransientBackendError when the server cannot be reached."""
    url = config["url"]
    try:
        conn = ldap.initialize(url)
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, float(config.get("connect_timeout", 5)))
        conn.set_option(ldap.OPT_REFERRALS, 0)
        if config.get("start_tls"):
            conn.start_tls_s()
        conn.simple_bind_s(config["bind_dn"], config["bind_password"])
        return conn
    except TRANSIENT as exc:
        raise TransientBackendError(
            f"the directory at {url} cannot be reached: {describe(exc)}") from None
    except ldap.INVALID_CREDENTIALS:
        raise BackendError(
            f"the directory at {url} refused the credentials of {config['bind_dn']}") from None
    except ldap.LDAPError as exc:
        raise BackendError(f"the directory at {url} refused the connection of "
                           f"{config['bind_dn']}: {describe(exc)}") from None


def paged_search(conn, base: str, filterstr: str, attrs: list[str],
                 page_size: int | None = None) -> Iterable[tuple[str, dict]]:
    """One subtree search, read page by page (RFC 2696) so that no size limit cuts it.

    Entries are taken as they arrive (all=0), so that we parse one while the server sends
    the next, instead of waiting for each page to be complete.
    """
    control = SimplePagedResultsControl(True, size=page_size or PAGE_SIZE, cookie="")
    while True:
        msgid = conn.search_ext(base, ldap.SCOPE_SUBTREE, filterstr, attrs,
                                serverctrls=[control])
        while True:
            rtype, data, _, controls = conn.result3(msgid, all=0, timeout=RESULT_TIMEOUT)
            if rtype == ldap.RES_SEARCH_RESULT:
                break
            for dn, entry in data:
                if dn is not None:  # search references carry no DN: not ours
                    yield dn, entry
        cookie = next((c.cookie for c in controls
                       if c.controlType == SimplePagedResultsControl.controlType), b"")
        if not cookie:
            return
        control.cookie = cookie


# ---------------------------------------------------------------------------- operations

@dataclass
class Add:
    dn: str
    entry: list[tuple[str, list[bytes]]]
    verb = "add"

    def submit(self, conn) -> int:
        return conn.add_ext(self.dn, self.entry)


@dataclass
class Modify:
    dn: str
    mods: list[tuple]
    verb = "modify"

    def submit(self, conn) -> int:
        return conn.modify_ext(self.dn, self.mods)


@dataclass
class Read:
    """A base search of one entry: its attributes, or NO_SUCH_OBJECT thrown."""

    dn: str
    attrs: list[str]
    verb = "read"

    def submit(self, conn) -> int:
        return conn.search_ext(self.dn, ldap.SCOPE_BASE, "(objectClass=*)", self.attrs)


@dataclass
class Search:
    """A subtree search with a filter whose values the caller escaped (RFC 4515)."""

    base: str
    filterstr: str
    attrs: list[str]
    verb = "search"

    @property
    def dn(self) -> str:
        return self.base

    def submit(self, conn) -> int:
        return conn.search_ext(self.base, ldap.SCOPE_SUBTREE, self.filterstr, self.attrs)


Op = Add | Modify | Read | Search
Task = Generator[Op, Any, None]


class EntryError(Exception):
    """A change failed for a reason of its own; the message names the entry."""


@dataclass
class Done:
    ok: bool
    error: str = ""
    transient: bool = False


def run_pipeline(conn, tasks: Iterable[tuple[str, Task]], window: int,
                 url: str) -> tuple[dict[str, Done], bool]:
    """Drive every task to its end, keeping up to `window` operations in flight.

    Answers are collected in the order requests were sent (libldap buffers those that come
    back earlier), so a task's next operation goes to the back of the queue. Returns each
    task's result, and whether the connection was lost (the caller then drops it).
    """
    results: dict[str, Done] = {}
    inflight: deque[tuple[int, str, Task, Op]] = deque()
    failed_now: deque[tuple[str, Task, Op, ldap.LDAPError]] = deque()
    todo = iter(tasks)
    lost: list[ldap.LDAPError] = []

    def step(key: str, task: Task, last: Op | None, send: Callable[[], Op]) -> None:
        try:
            op = send()
        except StopIteration:
            results[key] = Done(True)
            return
        except EntryError as exc:
            results[key] = Done(False, str(exc))
            return
        except ldap.LDAPError as exc:
            where = f"{last.verb} {last.dn}" if last else key
            if isinstance(exc, TRANSIENT):
                results[key] = Done(False, f"the directory at {url} was lost while trying to "
                                    f"{where}: {describe(exc)}", True)
            else:
                results[key] = Done(False, f"the directory refused to {where}: {describe(exc)}")
            return
        try:
            if lost:  # the connection is gone: fail fast, without sending
                raise lost[0]
            inflight.append((op.submit(conn), key, task, op))
        except ldap.LDAPError as exc:
            if isinstance(exc, TRANSIENT) and not lost:
                lost.append(exc)
            failed_now.append((key, task, op, exc))

    more = True
    while more or inflight or failed_now:
        while more and len(inflight) < window and not failed_now:
            item = next(todo, None)
            if item is None:
                more = False
            else:
                step(item[0], item[1], None, item[1].__next__)
        if failed_now:
            key, task, op, exc = failed_now.popleft()
            step(key, task, op, lambda t=task, e=exc: t.throw(e))
            continue
        if not inflight:
            continue
        msgid, key, task, op = inflight.popleft()
        try:
            _, data, _, _ = conn.result3(msgid, timeout=RESULT_TIMEOUT)
        except ldap.LDAPError as exc:
            if isinstance(exc, TRANSIENT) and not lost:
                lost.append(exc)
            step(key, task, op, lambda t=task, e=exc: t.throw(e))
        else:
            step(key, task, op, lambda t=task, d=data: t.send(d))
    return results, bool(lost)
