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
from collections.abc import Iterable, Sequence

from provisioning.drivers import BackendError, BaseDriver, Context, Outcome, Scope
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
from .folders import Found, GroupFolders, SharedFolders

Folders = tuple[GroupFolders | SharedFolders | None, dict[str, Found]]


class NextcloudDriver(BaseDriver):
    """Its handlers are coroutines, run concurrently on the client's loop; each gets the
    folders the batch listed (the store, and the folders by key)."""

    backend = "nextcloud"
    retire = {USER: DISABLE, MEMBERSHIP: DISABLE, GROUP: ARCHIVE, FOLDER: ARCHIVE,
              ldapconfig.KIND: DISABLE}

    def __init__(self, config: dict):
        super().__init__(config)
        self.config = NextcloudConfig.from_settings(config)
        self._groupfolders: bool | None = None

    # ------------------------------------------------------------------ client

    def connect(self) -> NextcloudClient:
        c = self.config
        return NextcloudClient(c.url, c.user, c.password, timeout=c.timeout,
                               concurrency=c.concurrency, retries=c.retries,
                               backoff=c.backoff, verify=c.verify)

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

    def probe(self, context: Context) -> None:
        context.probed[self.backend] = {"groupfolders": self.has_groupfolders()}

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        members = nextcloud_members(inventory)
        if not members:
            return []
        groupfolders = self.probed(context)["groupfolders"]
        resources = list(desired_resources(inventory, self.config, groupfolders))
        if self.ldap_mode:
            resources.append(ldapconfig.desired_ldap(
                self.config, frozenset(m.code for m in members)))
        return resources

    def observe(self, scope: Scope) -> Iterable[Observed]:
        # The store is chosen here, off the loop: reading the capabilities runs on it.
        return self.in_scope(self.client.run(self._observe(scope, self.folders())), scope)

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
            return observed
        users, groups, service, found = await asyncio.gather(
            accounts.list_users(client), accounts.list_groups(client),
            accounts.service_group(client), store.list(client))
        observed = accounts.observe_accounts(users, groups, service, scope)
        return observed + [f.observed() for f in found.values()]

    # ------------------------------------------------------------------ apply

    def apply_level(self, changes: list[Change]) -> list[Outcome]:
        store = self.folders() if any(c.kind == FOLDER for c in changes) else None
        return self.client.run(self._apply(changes, store))

    async def _apply(self, changes: Sequence[Change],
                     store: GroupFolders | SharedFolders | None) -> list[Outcome]:
        found: dict[str, Found] = {}
        if store is not None:
            try:
                found = await store.list(self.client)
            except BackendError as exc:
                return [self.failed(c, exc) for c in changes]

        async def one(c: Change) -> Outcome:
            try:
                await self.handler(c)(self, c, (store, found))
            except BackendError as exc:
                return self.failed(c, exc)
            return Outcome(c.key, True)

        return list(await asyncio.gather(*(one(c) for c in changes)))

    async def _user(self, c: Change, folders: Folders) -> None:
        await accounts.apply_user(self.client, c)

    async def _group(self, c: Change, folders: Folders) -> None:
        await accounts.apply_group(self.client, c)

    async def _membership(self, c: Change, folders: Folders) -> None:
        await accounts.apply_membership(self.client, c)

    async def _folder(self, c: Change, folders: Folders) -> None:
        store, found = folders
        assert store is not None
        await store.apply(self.client, c, found)

    async def _ldap(self, c: Change, folders: Folders) -> None:
        assert self.config.ldap is not None
        await ldapconfig.apply_ldap(self.client, c, self.config.ldap)

    handlers = {USER: _user, GROUP: _group, MEMBERSHIP: _membership, FOLDER: _folder,
                ldapconfig.KIND: _ldap}
