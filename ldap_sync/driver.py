"""The LDAP driver: makes an OpenLDAP directory match the inventory.

Keys: `ldap.account:<uid>`, `ldap.group:<cn>`, `ldap.member:<code>` (the member's branch).
Observe is one paged subtree search; apply pipelines asynchronous operations on one
connection per thread, each change touching only what differs. Nothing is ever deleted: a
person who leaves is locked (ppolicy) and taken out of every group, a group no longer wanted
is emptied and marked archived; both come back as they were when the inventory wants them
again. What the directory takes away, the web app takes away in the same change and before it
(ldap_sync.offboarding): a disabled account's Django user is deactivated and its sessions
ended, a person taken out of a group leaves its Django group.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import ldap
from ldap.filter import escape_filter_chars

from provisioning.drivers import (
    BackendError,
    BaseDriver,
    BatchInterrupted,
    Context,
    Outcome,
    Scope,
    TransientBackendError,
)
from provisioning.inventory import Inventory
from provisioning.resources import (
    ARCHIVE,
    ARCHIVED,
    CREATE,
    DISABLE,
    DISABLED,
    Change,
    Observed,
    Resource,
)

from . import entries as E
from . import offboarding
from .connection import (
    TRANSIENT,
    Add,
    EntryError,
    Modify,
    Read,
    Search,
    Task,
    connect,
    describe,
    paged_search,
    run_pipeline,
)
from .layout import Layout

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 128  # operations in flight per connection


class Connections:
    """One bound connection per thread (a pipeline owns its connection while it runs), made
    on first use; close() unbinds every one of them. A thread that ends takes its connection
    with it (held weakly here), as the pool threads of each observe do."""

    def __init__(self, config: dict):
        self.config = config
        self._local = threading.local()
        self._opened: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()

    def get(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.config)
            self._local.conn = conn
            with self._lock:
                self._opened.add(conn)
        return conn

    def drop(self, lost: bool = False) -> None:
        """Put this thread's connection away (unbound, unless the server was lost): the
        next use makes another."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                self._opened.discard(conn)
            if not lost:
                _unbind(conn)

    def close(self) -> None:
        with self._lock:
            opened = list(self._opened)
            self._opened.clear()
        for conn in opened:
            _unbind(conn)


def _unbind(conn) -> None:
    try:
        conn.unbind_s()
    except ldap.LDAPError:
        pass


class LdapDriver(BaseDriver):
    """Its handlers are generators of LDAP operations (connection.Task), pipelined on the
    thread's connection, a dependency level at a time."""

    backend = "ldap"
    retire = {E.ACCOUNT: DISABLE, E.GROUP: ARCHIVE, E.MEMBER: ARCHIVE}

    def __init__(self, config: dict):
        missing = [k for k in ("url", "base_dn", "bind_dn", "bind_password") if not config.get(k)]
        if missing:
            raise BackendError(f"the ldap backend settings lack {', '.join(missing)}")
        super().__init__(config)
        self.url: str = config["url"]
        self.layout = Layout(config["base_dn"])
        self.reader = E.Reader(self.layout)
        self.window = int(config.get("window", DEFAULT_WINDOW))
        # Activation tokens for new accounts (a benchmark of the bare directory turns it off).
        self.issue_tokens = bool(config.get("issue_tokens", True))
        self._local = threading.local()  # what this thread's batch created and took away
        self._skeleton_ok = False

    # ------------------------------------------------------------------ connection

    def connect(self) -> Connections:
        return Connections(self.config)

    def _conn(self):
        return self.client.get()

    def _drop(self) -> None:
        self.client.drop()

    def _ensure_skeleton(self, conn) -> None:
        """ou=people, ou=members and the placeholder: created by the first apply (a plan only
        reads), kept forever."""
        if self._skeleton_ok:
            return
        for dn, attrs in self.layout.skeleton():
            if dn == self.layout.base_dn or dn == self.layout.policies_dn:
                continue  # the base and the policies belong to whoever set up the server
            try:
                conn.add_s(dn, [(name, [value.encode()]) for name, value in attrs])
            except ldap.ALREADY_EXISTS:
                pass
            except TRANSIENT as exc:
                raise TransientBackendError(
                    f"the directory at {self.url} was lost while adding {dn}: "
                    f"{describe(exc)}") from None
            except ldap.LDAPError as exc:
                raise BackendError(f"the directory refused to add {dn}: {describe(exc)}") from None
        self._skeleton_ok = True

    # ------------------------------------------------------------------ desired / observe

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        return E.desired_resources(inventory)

    def observe(self, scope: Scope) -> Iterable[Observed]:
        """Every account, member branch and group in one paged subtree search (under --only,
        of the selected members: the filter selects them, roughly)."""
        kinds = "(|(objectClass=inetOrgPerson)(objectClass=groupOfNames)" \
                "(objectClass=organizationalUnit))"
        if scope.members is None:
            filterstr = kinds
        else:
            # ou:dn: matches the ou attribute (an account's member codes, a branch's code)
            # and the ou in the DN (a group's branch).
            codes = "".join(f"(ou:dn:={escape_filter_chars(c)})" for c in sorted(scope.members))
            filterstr = f"(&{kinds}(|{codes}))"
        try:
            conn = self._conn()
            read = self.reader.read
            found = [obs for dn, entry in paged_search(conn, self.layout.base_dn, filterstr,
                                                       E.OBSERVED_ATTRS)
                     if (obs := read(dn, entry)) is not None]
            return self.in_scope(found, scope)
        except TRANSIENT as exc:
            self._drop()
            raise TransientBackendError(
                f"the directory at {self.url} was lost while reading it: {describe(exc)}"
            ) from None
        except ldap.NO_SUCH_OBJECT:
            raise BackendError(f"the directory at {self.url} has no entry "
                               f"{self.layout.base_dn}: check base_dn") from None
        except ldap.LDAPError as exc:
            raise BackendError(f"the directory refused to search {self.layout.base_dn}: "
                               f"{describe(exc)}") from None

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply a batch, dependencies first, each level pipelined on this thread's
        connection. A lost server fails the remaining changes as transient: the engine
        retries them, and this driver reconnects on the next call."""
        conn = self._conn()
        try:
            self._ensure_skeleton(conn)
        except TransientBackendError:
            self._drop()
            raise
        # What this batch created and took away in the directory, for what follows it:
        # activation tokens, and the web app's second pass.
        local = self._local
        local.created, local.disabled, local.left = created, disabled, left = [], [], []
        outcomes = super().apply(changes)
        if created and self.issue_tokens:
            self._issue_tokens(created)
        if disabled or left:
            self._offboarded(disabled, left)
        return outcomes

    def apply_level(self, changes: list[Change]) -> list[Outcome]:
        done, lost = run_pipeline(self._conn(), ((c.key, self._task(c)) for c in changes),
                                  self.window, self.url)
        outcomes = [Outcome(c.key, d.ok, d.error, d.transient)
                    for c in changes for d in (done[c.key],)]
        if lost:
            self.client.drop(lost=True)
            raise BatchInterrupted(f"the directory at {self.url} was lost", outcomes)
        return outcomes

    def _offboarded(self, disabled: list[str],
                    left: list[tuple[str, list[str] | None]]) -> None:
        """The second pass, once the directory took the access away: catches a login that came
        in between, and deletes the stored sessions of the whole batch at once."""
        try:
            offboarding.finish(disabled, left)
        except Exception as exc:  # the first pass ended their access already
            log.warning("offboarding's second pass over %d accounts and %d groups failed "
                        "(%s: %s)", len(disabled), len(left), type(exc).__name__, exc)

    def _issue_tokens(self, uids: list[str]) -> None:
        from .services import store_new_tokens

        try:
            store_new_tokens(uids)
        except Exception as exc:  # the accounts exist; `mutualis passwd-link` issues a link
            log.warning("activation tokens for %d new accounts were not stored (%s: %s): "
                        "use `mutualis passwd-link UID`", len(uids), type(exc).__name__, exc)

    def _task(self, c: Change) -> Task:
        try:
            return self.handler(c)(self, c)
        except BackendError as exc:  # no handler: fails in the pipeline like any change
            return _fail(f"{c.key}: {exc}")

    # -- accounts

    def _disable_account(self, c: Change) -> Task:
        uid = c.ident
        _web(c.key, offboarding.deactivate, uid)
        yield from self._disable(self.layout.account_dn(uid))
        self._local.disabled.append(uid)

    def _account(self, c: Change) -> Task:
        uid, created = c.ident, self._local.created
        dn = self.layout.account_dn(uid)
        want = c.desired.attrs
        if c.action == CREATE:
            try:
                yield Add(dn, E.account_entry(uid, want))
                created.append(uid)
                return
            except ldap.ALREADY_EXISTS:  # created by an interrupted run: make it match
                found = yield from self._read(dn, raw=True)
                current = found[0] if found else None
                if found and not found[1].get("pwdChangedTime"):
                    created.append(uid)  # never activated: it needs a link as well
        elif c.observed is not None:
            current = c.observed
        else:
            current = yield from self._read(dn)
        if current is None:  # vanished since it was observed: create it again
            yield Add(dn, E.account_entry(uid, want))
            created.append(uid)
            return
        mods = E.replace_mods(current.attrs, want, (*E.ACCOUNT_SINGLE, *E.ACCOUNT_MULTI))
        if current.state == DISABLED:
            _web(c.key, offboarding.reactivate, uid)
            mods.append((ldap.MOD_REPLACE, "pwdAccountLockedTime", []))  # unlock
        if mods:
            try:
                yield Modify(dn, mods)
            except ldap.NO_SUCH_OBJECT:
                yield Add(dn, E.account_entry(uid, want))
                created.append(uid)

    def _disable(self, dn: str) -> Task:
        """Lock for good (ppolicy) and take out of every group; the entry stays."""
        try:
            yield Modify(dn, [(ldap.MOD_REPLACE, "pwdAccountLockedTime",
                               [E.LOCKED_FOREVER.encode()])])
        except ldap.NO_SUCH_OBJECT:
            return  # nothing left to disable
        groups = yield Search(self.layout.members_dn,
                              f"(&(objectClass=groupOfNames)(member={escape_filter_chars(dn)}))",
                              ["member"])
        for group_dn, entry in groups:
            if group_dn is None:
                continue
            uids, placeholder = self.reader.group_members(entry)
            me = self.reader.member_uid(dn)
            mods = E.group_member_mods(self.layout, uids, [u for u in uids if u != me],
                                       placeholder)
            try:
                yield Modify(group_dn, mods)
            except (ldap.NO_SUCH_ATTRIBUTE, ldap.NO_SUCH_OBJECT):
                pass  # someone took them out (or the group away) meanwhile: done as well

    # -- groups

    def _archive_group(self, c: Change) -> Task:
        cn = c.ident
        dn = self.layout.group_dn(_member_code(c), cn)
        _web(c.key, offboarding.empty_group, cn)
        try:
            yield Modify(dn, [
                (ldap.MOD_REPLACE, "member", [self.layout.nobody_dn.encode()]),
                (ldap.MOD_REPLACE, "businessCategory", [E.ARCHIVED_MARK.encode()])])
        except ldap.NO_SUCH_OBJECT:
            pass
        self._local.left.append((cn, None))

    def _group(self, c: Change) -> Task:
        cn = c.ident
        dn = self.layout.group_dn(_member_code(c), cn)
        want = c.desired.attrs
        current: Observed | None = c.observed
        placeholder = current is not None and not current.attrs.get("members")
        if c.action == CREATE:
            try:
                yield Add(dn, E.group_entry(self.layout, cn, want))
                return
            except ldap.ALREADY_EXISTS:
                current, placeholder = yield from self._read_group(dn)
        for attempt in range(2):
            if current is None:
                yield Add(dn, E.group_entry(self.layout, cn, want))
                return
            mods = self._group_mods(current, want, placeholder)
            if not mods:
                return
            leaving = sorted(set(current.attrs.get("members", [])) - set(want["members"]))
            if leaving:
                _web(c.key, offboarding.leave_group, cn, leaving)
            try:
                yield Modify(dn, mods)
                if leaving:
                    self._local.left.append((cn, leaving))
                return
            except (ldap.NO_SUCH_ATTRIBUTE, ldap.TYPE_OR_VALUE_EXISTS,
                    ldap.OBJECT_CLASS_VIOLATION, ldap.NO_SUCH_OBJECT):
                if attempt:
                    raise
                # The group changed since it was observed: read it again and redo the diff.
                current, placeholder = yield from self._read_group(dn)

    def _group_mods(self, current: Observed, want: dict[str, Any],
                    placeholder: bool) -> list[tuple]:
        mods = E.replace_mods(current.attrs, want, ("description",))
        mods += E.group_member_mods(self.layout, current.attrs.get("members", []),
                                    want["members"], placeholder)
        if current.state == ARCHIVED:
            mods.append((ldap.MOD_REPLACE, "businessCategory", []))
        return mods

    def _read_group(self, dn: str) -> Task:
        found = yield from self._read(dn, raw=True)
        if found is None:
            return None, False
        obs, entry = found
        return obs, self.reader.group_members(entry)[1]

    # -- member branches

    def _archive_member(self, c: Change) -> Task:
        try:
            yield Modify(self.layout.member_dn(c.ident),
                         [(ldap.MOD_REPLACE, "businessCategory", [E.ARCHIVED_MARK.encode()])])
        except ldap.NO_SUCH_OBJECT:
            pass

    def _member(self, c: Change) -> Task:
        code = c.ident
        dn = self.layout.member_dn(code)
        want = c.desired.attrs
        current = c.observed
        if c.action == CREATE:
            try:
                yield Add(dn, E.member_entry(code, want))
                return
            except ldap.ALREADY_EXISTS:
                current = yield from self._read(dn)
        if current is None:
            yield Add(dn, E.member_entry(code, want))
            return
        mods = E.replace_mods(current.attrs, want, ("description",))
        if current.state == ARCHIVED:
            mods.append((ldap.MOD_REPLACE, "businessCategory", []))
        if mods:
            yield Modify(dn, mods)

    # -- reading one entry inside a task

    def _read(self, dn: str, raw: bool = False) -> Task:
        try:
            data = yield Read(dn, E.OBSERVED_ATTRS)
        except ldap.NO_SUCH_OBJECT:
            return None
        for found_dn, entry in data:
            if found_dn is not None:
                obs = self.reader.read(found_dn, entry)
                return (obs, entry) if raw else obs
        return None

    handlers = {
        E.ACCOUNT: _account, (E.ACCOUNT, DISABLE): _disable_account,
        E.GROUP: _group, (E.GROUP, ARCHIVE): _archive_group, (E.GROUP, DISABLE): _archive_group,
        E.MEMBER: _member, (E.MEMBER, ARCHIVE): _archive_member,
        (E.MEMBER, DISABLE): _archive_member,
    }


def _member_code(c: Change) -> str:
    members = c.members or (c.observed.members if c.observed else frozenset())
    if len(members) != 1:
        raise EntryError(f"{c.key}: a group belongs to exactly one member, not {len(members)}")
    return next(iter(members))


def _web(key: str, step, *args):
    """A step of offboarding, taken before the directory change: if the web app's database
    fails it, the change fails too (the directory untouched) and a retry does both."""
    try:
        return step(*args)
    except Exception as exc:
        raise EntryError(f"{key}: the web app's users could not follow the change, the "
                         f"directory was left as it was ({type(exc).__name__}: {exc})") from None


def _fail(message: str) -> Task:
    raise EntryError(message)
    yield  # a generator, so that the pipeline reports the error like any other
