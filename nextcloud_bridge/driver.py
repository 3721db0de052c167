"""The Nextcloud driver: accounts, groups and folders of the members, in two modes.

- `provisioned` (default): Mutualis creates the users and groups through the provisioning
  API (`nextcloud.user`, `nextcloud.group`, `nextcloud.membership`);
- `ldap`: Nextcloud's user_ldap reads them from the directory, which Mutualis configures
  (`nextcloud.ldap:directory`).
In both, each member's folders (`nextcloud.folder`) and the service group. See
docs/nextcloud.md. Observe makes one listing per collection (paged), so its number of
requests grows with pages, not with resources; apply sends a batch's requests concurrently.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence

from provisioning.drivers import BackendError, Context, Outcome, Scope, TransientBackendError
from provisioning.inventory import Inventory
from provisioning.resources import ARCHIVE, DISABLE, Change, Observed, Resource

from . import accounts, ldapconfig
from .client import NextcloudClient
from .config import LDAP, NextcloudConfig
from .desired import (
    FOLDER,
    GROUP,
    MEMBERSHIP,
    USER,
    desired_resources,
    nextcloud_members,
)
from .folders import GroupFolders, SharedFolders


class NextcloudDriver:
    backend = "nextcloud"
    requires_backend = "nextcloud"
    retire = {USER: DISABLE, MEMBERSHIP: DISABLE, GROUP: ARCHIVE, FOLDER: ARCHIVE,
              ldapconfig.KIND: DISABLE}

    def __init__(self, config: dict):
        self.config = NextcloudConfig.from_settings(config)
        self._client: NextcloudClient | None = None
        self._groupfolders: bool | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ client

    @property
    def client(self) -> NextcloudClient:
        with self._lock:
            if self._client is None:
                c = self.config
                self._client = NextcloudClient(
                    c.url, c.user, c.password, timeout=c.timeout, concurrency=c.concurrency,
                    retries=c.retries, backoff=c.backoff, verify=c.verify)
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    @property
    def ldap_mode(self) -> bool:
        return self.config.mode == LDAP

    def has_groupfolders(self) -> bool:
        """Whether the groupfolders app answers (its capability), read once."""
        if self._groupfolders is None:
            capabilities = self.client.run(self.client.capabilities())
            self._groupfolders = "groupfolders" in (capabilities or {})
        return self._groupfolders

    def folders(self) -> GroupFolders | SharedFolders:
        return GroupFolders() if self.has_groupfolders() else SharedFolders()

    # ------------------------------------------------------------------ desired / observe

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        members = nextcloud_members(inventory)
        if not members:
            return []
        resources = list(desired_resources(inventory, self.config, self.has_groupfolders()))
        if self.ldap_mode:
            resources.append(ldapconfig.desired_ldap(
                self.config, frozenset(m.code for m in members)))
        return resources

    def observe(self, scope: Scope) -> Iterable[Observed]:
        # The store is chosen here, off the loop: reading the capabilities runs on it.
        return self.client.run(self._observe(scope, self.folders()))

    async def _observe(self, scope: Scope, store: GroupFolders | SharedFolders,
                       ) -> list[Observed]:
        client = self.client
        if self.ldap_mode:
            assert self.config.ldap is not None
            found, service, ldap = await asyncio.gather(
                store.list(client), accounts.service_group(client),
                ldapconfig.read(client, self.config.ldap))
            observed = [f.observed() for f in found.values()]
            codes = frozenset(c for o in observed for c in o.members)
            if service is not None:
                observed.append(accounts.observe_service_group(service, codes))
            if ldap is not None:
                observed.append(ldapconfig.observe_ldap(ldap, self.config, codes))
        else:
            users, groups, service, found = await asyncio.gather(
                accounts.list_users(client), accounts.list_groups(client),
                accounts.service_group(client), store.list(client))
            observed = accounts.observe_accounts(users, groups, service, scope)
            observed += [f.observed() for f in found.values()]
        return [o for o in observed if o.kind != FOLDER or scope.covers(o.members)]

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        store = self.folders() if any(c.kind == FOLDER for c in changes) else None
        return self.client.run(self._apply(changes, store))

    async def _apply(self, changes: Sequence[Change],
                     store: GroupFolders | SharedFolders | None) -> list[Outcome]:
        client = self.client
        found: dict = {}
        if store is not None:
            try:
                found = await store.list(client)
            except BackendError as exc:
                return [self._failed(c, exc) for c in changes]

        async def one(c: Change) -> Outcome:
            try:
                if c.kind == USER:
                    await accounts.apply_user(client, c)
                elif c.kind == GROUP:
                    await accounts.apply_group(client, c)
                elif c.kind == MEMBERSHIP:
                    await accounts.apply_membership(client, c)
                elif c.kind == FOLDER:
                    assert store is not None
                    await store.apply(client, c, found)
                elif c.kind == ldapconfig.KIND:
                    assert self.config.ldap is not None
                    await ldapconfig.apply_ldap(client, c, self.config.ldap)
                else:
                    raise BackendError(f"the nextcloud driver has no resource kind {c.kind}")
            except BackendError as exc:
                return self._failed(c, exc)
            return Outcome(c.key, True)

        return list(await asyncio.gather(*(one(c) for c in changes)))

    @staticmethod
    def _failed(c: Change, exc: BackendError) -> Outcome:
        return Outcome(c.key, False, f"{c.key}: {exc}",
                       transient=isinstance(exc, TransientBackendError))
