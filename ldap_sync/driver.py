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
from collections.abc import Iterable, Sequence
from typing import Any

import ldap
from ldap.filter import escape_filter_chars

from provisioning.drivers import BackendError, Context, Outcome, Scope, TransientBackendError
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


class LdapDriver:
    backend = "ldap"
    requires_backend = "ldap"
    retire = {E.ACCOUNT: DISABLE, E.GROUP: ARCHIVE, E.MEMBER: ARCHIVE}

    def __init__(self, config: dict):
        missing = [k for k in ("url", "base_dn", "bind_dn", "bind_password") if not config.get(k)]
        if missing:
            raise BackendError(f"the ldap backend settings lack {', '.join(missing)}")
        self.config = config
        self.url: str = config["url"]
        self.layout = Layout(config["base_dn"])
        self.reader = E.Reader(self.layout)
        self.window = int(config.get("window", DEFAULT_WINDOW))
        # Activation tokens for new accounts (a benchmark of the bare directory turns it off).
        self.issue_tokens = bool(config.get("issue_tokens", True))
        self._local = threading.local()
        self._skeleton_ok = False

    # ------------------------------------------------------------------ connection

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.config)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.unbind_s()
            except ldap.LDAPError:
                pass

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self._drop()

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
        """Every account, member branch and group in one paged subtree search."""
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
            found = []
            for dn, entry in paged_search(conn, self.layout.base_dn, filterstr,
                                          E.OBSERVED_ATTRS):
                obs = self.reader.read(dn, entry)
                if obs is not None and scope.covers(obs.members):
                    found.append(obs)
            return found
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
        results: dict[str, Outcome] = {}
        created: list[str] = []
        # What this batch took away in the directory, for the web app's second pass.
        self._local.disabled, self._local.left = disabled, left = [], []
        for level in _levels(changes):
            if any(not results[d].ok for c in level for d in c.depends_on if d in results):
                for c in level:
                    blocked = next((d for d in c.depends_on
                                    if d in results and not results[d].ok), None)
                    if blocked:
                        results[c.key] = Outcome(c.key, False, f"{c.key} was not applied: "
                                                 f"{blocked} failed", results[blocked].transient)
                level = [c for c in level if c.key not in results]
            tasks = ((c.key, self._task(c, created)) for c in level)
            done, lost = run_pipeline(conn, tasks, self.window, self.url)
            for c in level:
                d = done[c.key]
                results[c.key] = Outcome(c.key, d.ok, d.error, d.transient)
            if lost:
                self._local.conn = None
                rest = [c for c in changes if c.key not in results]
                for c in rest:
                    results[c.key] = Outcome(c.key, False, f"{c.key} was not applied: the "
                                             f"directory at {self.url} was lost", True)
                break
        if created and self.issue_tokens:
            self._issue_tokens(created)
        if disabled or left:
            self._offboarded(disabled, left)
        return [results[c.key] for c in changes]

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

    def _task(self, c: Change, created: list[str]) -> Task:
        kind, ident = c.key.split(":", 1)
        if kind == E.ACCOUNT:
            return self._account(c, ident, created)
        if kind == E.GROUP:
            return self._group(c, ident)
        if kind == E.MEMBER:
            return self._member(c, ident)
        return _fail(f"{c.key}: the ldap driver has no such kind of resource")

    # -- accounts

    def _account(self, c: Change, uid: str, created: list[str]) -> Task:
        dn = self.layout.account_dn(uid)
        if c.action == DISABLE:
            _web(c.key, offboarding.deactivate, uid)
            yield from self._disable(dn)
            self._local.disabled.append(uid)
            return
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

    def _group(self, c: Change, cn: str) -> Task:
        dn = self.layout.group_dn(_member_code(c), cn)
        if c.action in (ARCHIVE, DISABLE):
            _web(c.key, offboarding.empty_group, cn)
            try:
                yield Modify(dn, [
                    (ldap.MOD_REPLACE, "member", [self.layout.nobody_dn.encode()]),
                    (ldap.MOD_REPLACE, "businessCategory", [E.ARCHIVED_MARK.encode()])])
            except ldap.NO_SUCH_OBJECT:
                pass
            self._local.left.append((cn, None))
            return
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

    def _member(self, c: Change, code: str) -> Task:
        dn = self.layout.member_dn(code)
        if c.action in (ARCHIVE, DISABLE):
            try:
                yield Modify(dn, [(ldap.MOD_REPLACE, "businessCategory",
                                   [E.ARCHIVED_MARK.encode()])])
            except ldap.NO_SUCH_OBJECT:
                pass
            return
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


def _levels(changes: Sequence[Change]) -> list[list[Change]]:
    """The batch cut into dependency levels (only dependencies inside the batch count)."""
    by_key = {c.key: c for c in changes}
    level_of: dict[str, int] = {}

    def level(c: Change, seen: frozenset[str] = frozenset()) -> int:
        if c.key in level_of:
            return level_of[c.key]
        deps = [by_key[d] for d in c.depends_on if d in by_key and d not in seen]
        n = 1 + max((level(d, seen | {c.key}) for d in deps), default=-1)
        level_of[c.key] = n
        return n

    levels: dict[int, list[Change]] = {}
    for c in changes:
        levels.setdefault(level(c), []).append(c)
    return [levels[n] for n in sorted(levels)]
