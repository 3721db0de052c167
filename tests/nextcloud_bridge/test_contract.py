"""The contract between the bridge and Nextcloud: what the driver relies on, checked against
the emulator always, and against a real Nextcloud when NEXTCLOUD_URL, NEXTCLOUD_USER and
NEXTCLOUD_PASSWORD are set (an admin account of a staging instance; docs/nextcloud.md).

On a real instance everything is made under names no real member can have (member codes
`00xxx`, accounts `ctr…`, e-mails @example.invalid) and removed afterwards; the `mutualis`
and `mutualis-service` groups are left in place.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from nextcloud_bridge import create_public_link, publish_files
from nextcloud_bridge.client import NextcloudClient, OcsError
from nextcloud_bridge.driver import NextcloudDriver
from nextcloud_bridge.folders import GROUP_FOLDERS, SHARES
from nextcloud_bridge.ldapconfig import CONFIG_API
from provisioning.drivers import BackendError, Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.inventory import Inventory
from provisioning.naming import parse_mount_point
from tests.doubles.nextcloud_emulator import Emulator
from tests.factories import make_inventory, without_person

ENV = ("NEXTCLOUD_URL", "NEXTCLOUD_USER", "NEXTCLOUD_PASSWORD")
NOT_SET = ("NEXTCLOUD_URL, NEXTCLOUD_USER and NEXTCLOUD_PASSWORD are not set: the contract "
           "ran against the emulator only (docs/nextcloud.md tells how to run it against a "
           "staging Nextcloud)")


@dataclass
class Target:
    name: str
    url: str
    user: str
    password: str

    def settings(self, **extra: object) -> dict:
        return {"url": self.url, "user": self.user, "password": self.password, "timeout": 20,
                **extra}

    def client(self, password: str | None = None) -> NextcloudClient:
        return NextcloudClient(self.url, self.user, password or self.password, timeout=20)


@pytest.fixture(params=["emulator", "nextcloud"])
def target(request, tmp_path) -> Iterator[Target]:
    if request.param == "nextcloud":
        if not all(os.environ.get(k) for k in ENV):
            pytest.skip(NOT_SET)
        yield Target("nextcloud", *(os.environ[k] for k in ENV))
        return
    emulator = Emulator(admin=("admin", "admin-secret"), data_dir=tmp_path / "data")
    with emulator.serve() as url:
        yield Target("emulator", url, "admin", "admin-secret")
    emulator.close()


@pytest.fixture
def client(target: Target) -> Iterator[NextcloudClient]:
    c = target.client()
    yield c
    c.close()


def unique_code() -> str:
    """A member code no commune has (INSEE codes never start with 00)."""
    return f"00{secrets.randbelow(1000):03d}"


def token() -> str:
    return secrets.token_hex(4)


class Cleanup:
    """What a test made on the target, removed at the end (on a staging Nextcloud)."""

    def __init__(self, client: NextcloudClient):
        self.client = client
        self.users: list[str] = []
        self.codes: list[str] = []
        self.ldap: list[str] = []

    async def _quietly(self, *args, **kwargs) -> None:
        try:
            await self.client.ocs(*args, **kwargs)
        except BackendError:
            pass

    async def run(self) -> None:
        c = self.client
        for uid in self.users:
            await self._quietly("DELETE", f"/cloud/users/{quote(uid, safe='')}", "cleaning up")
        groups = (await c.ocs("GET", "/cloud/groups", "cleaning up") or {}).get("groups", [])
        for gid in groups:
            if any(gid.startswith(code.lower() + "-") for code in self.codes):
                await self._quietly("DELETE", f"/cloud/groups/{quote(quote(gid, safe=''))}",
                                    "cleaning up")
        caps = await c.capabilities()
        if "groupfolders" in caps:
            folders = await c.ocs("GET", GROUP_FOLDERS, "cleaning up") or {}
            for fid, folder in (folders.items() if isinstance(folders, dict) else []):
                parsed = parse_mount_point(folder["mount_point"])
                if parsed and parsed[0] in self.codes:
                    await self._quietly("DELETE", f"{GROUP_FOLDERS}/{fid}", "cleaning up")
        for name in await c.dav_list(""):
            parsed = parse_mount_point(name)
            if parsed and parsed[0] in self.codes:
                try:
                    await c.call("cleaning up", lambda n=name: c._nc.files.delete(n))
                except BackendError:
                    pass
        for config_id in self.ldap:
            await self._quietly("DELETE", f"{CONFIG_API}/{config_id}", "cleaning up")


@pytest.fixture
def cleanup(client: NextcloudClient) -> Iterator[Cleanup]:
    done = Cleanup(client)
    yield done
    client.run(done.run())


def contract_inventory(codes: list[str]) -> Inventory:
    """Two members with never-seen codes, accounts and addresses."""
    inv = make_inventory(members=2, people=3, shared=1)
    members = tuple(replace(m, code=code, name=f"Contrat {chr(65 + i)}",
                            services=("extranet", "agenda", "convocation"))
                    for i, (m, code) in enumerate(zip(inv.members, codes, strict=True)))
    renames = {m.code: code for m, code in zip(inv.members, codes, strict=True)}
    stamp = token()
    people = tuple(
        replace(p, uid=f"ctr{stamp}{i}", email=f"ctr{stamp}{i}@example.invalid",
                seats=tuple(replace(s, member=renames[s.member]) for s in p.seats))
        for i, p in enumerate(inv.people))
    return replace(inv, members=members, people=people)


# ---------------------------------------------------------------------------- contract

def test_login_capabilities_and_clear_errors(target, client):
    caps = client.run(client.capabilities())
    assert caps["files_sharing"]["api_enabled"] is True
    wrong = target.client(password="not-the-password")
    try:
        with pytest.raises(BackendError, match="refused the login of"):
            wrong.run(wrong.ocs("GET", "/cloud/user", "reading the current user"))
    finally:
        wrong.close()


def test_already_exists_is_answered_with_102(client, cleanup):
    code = unique_code()
    cleanup.codes.append(code)
    gid, uid = f"{code}-contrat", f"ctr{token()}"
    cleanup.users.append(uid)

    async def first_then_twice() -> tuple[int, int]:
        await client.ocs("POST", "/cloud/groups", "adding it", json={"groupid": gid})
        await client.ocs("POST", "/cloud/users", "adding it", json={
            "userid": uid, "password": secrets.token_urlsafe(18),
            "email": f"{uid}@example.invalid"})
        result = []
        for path, body in (("/cloud/groups", {"groupid": gid}),
                           ("/cloud/users", {"userid": uid, "password": "x" * 20})):
            with pytest.raises(OcsError) as again:
                await client.ocs("POST", path, "adding it again", json=body)
            result.append(again.value.code)
        return result[0], result[1]

    assert client.run(first_then_twice()) == (102, 102)


def test_users_details_are_paged_and_carry_what_observe_reads(client, cleanup):
    code, stamp = unique_code(), token()
    cleanup.codes.append(code)
    gid = f"{code}-contrat"
    uids = [f"ctr{stamp}{i}" for i in range(3)]
    cleanup.users.extend(uids)

    async def scenario() -> tuple[list, list]:
        await client.ocs("POST", "/cloud/groups", "adding a group", json={"groupid": gid})
        for i, uid in enumerate(uids):
            await client.ocs("POST", "/cloud/users", "adding a user", json={
                "userid": uid, "password": secrets.token_urlsafe(18),
                "displayName": f"Personne {i}", "email": f"{uid}@Example.invalid",
                "quota": str(1024**3), "groups": [gid]})
        await client.ocs("POST", f"/cloud/users/{uids[0]}/subadmins", "promoting",
                         json={"groupid": gid})
        await client.ocs("PUT", f"/cloud/users/{uids[2]}/disable", "disabling")
        pages = []
        for offset in (0, 2):
            data = await client.ocs("GET", "/cloud/users/details", "listing", params={
                "search": f"ctr{stamp}", "limit": 2, "offset": offset})
            users = data["users"]
            pages.append(list(users.values()) if isinstance(users, dict) else users)
        return pages[0], pages[1]

    first, second = client.run(scenario())
    assert len(first) == 2 and len(second) == 1
    by_id = {u["id"]: u for u in first + second}
    assert sorted(by_id) == uids
    zero = by_id[uids[0]]
    assert zero["displayname"] == "Personne 0"
    assert zero["email"].lower() == f"{uids[0]}@example.invalid"
    assert zero["quota"]["quota"] == 1024**3
    assert gid in zero["groups"] and zero["subadmin"] == [gid]
    assert zero["enabled"] is True and by_id[uids[2]]["enabled"] is False


def test_folders_and_their_permissions(client, cleanup):
    code = unique_code()
    cleanup.codes.append(code)
    gid = f"{code}-contrat"
    mount = f"Contrat — Essai ({code})"
    caps = client.run(client.capabilities())

    async def group_folders() -> dict:
        await client.ocs("POST", "/cloud/groups", "adding a group", json={"groupid": gid})
        made = await client.ocs("POST", GROUP_FOLDERS, "creating", json={"mountpoint": "tmp"})
        fid = made["id"]
        with pytest.raises(OcsError) as twice:
            await client.ocs("POST", GROUP_FOLDERS, "creating", json={"mountpoint": "tmp"})
        assert twice.value.code == 400  # 'Mount point already exists'
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/mountpoint", "renaming",
                         json={"mountpoint": mount})
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/groups", "adding", json={"group": gid})
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/groups/{gid}", "restricting",
                         json={"permissions": 1})
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/quota", "quota",
                         json={"quota": 5 * 1024**3})
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/acl", "acl", json={"acl": True})
        await client.ocs("POST", f"{GROUP_FOLDERS}/{fid}/manageACL", "manage", json={
            "mappingType": "group", "mappingId": gid, "manageAcl": True})
        listing = await client.ocs("GET", GROUP_FOLDERS, "listing")
        return listing[str(fid)]

    async def shared_folder() -> list:
        await client.ocs("POST", "/cloud/groups", "adding a group", json={"groupid": gid})
        assert await client.dav_mkcol(mount) is True
        assert await client.dav_mkcol(mount) is False
        await client.ocs("POST", SHARES, "sharing", json={
            "path": f"/{mount}", "shareType": 1, "shareWith": gid, "permissions": 1})
        return await client.ocs("GET", SHARES, "listing shares")

    if "groupfolders" in caps:
        folder = client.run(group_folders())
        assert folder["mount_point"] == mount
        assert {g: int(p) for g, p in folder["groups"].items()} == {gid: 1}
        assert int(folder["quota"]) == 5 * 1024**3 and folder["acl"] is True
        assert [(m["type"], m["id"]) for m in folder["manage"]] == [("group", gid)]
    else:
        shares = client.run(shared_folder())
        ours = [s for s in shares if s["path"] == f"/{mount}"]
        assert [(int(s["share_type"]), s["share_with"], int(s["permissions"]))
                for s in ours] == [(1, gid, 1)]


def test_user_ldap_configuration_api(client, cleanup):
    async def scenario() -> tuple[str, dict, dict]:
        made = await client.ocs("POST", CONFIG_API, "creating an LDAP configuration")
        config_id = made["configID"]
        cleanup.ldap.append(config_id)
        fresh = await client.ocs("GET", f"{CONFIG_API}/{config_id}", "reading")
        await client.ocs("PUT", f"{CONFIG_API}/{config_id}", "setting", json={"configData": {
            "ldapHost": " ldaps://annuaire.example.invalid ", "ldapPort": "636",
            "ldapAgentPassword": "Bind-s3cret", "ldapBaseUsers": "ou=people,dc=example",
            "ldapGroupDisplayName": "CN", "notAKey": "ignored"}})
        shown = await client.ocs("GET", f"{CONFIG_API}/{config_id}", "reading",
                                 params={"showPassword": 1})
        await client.ocs("DELETE", f"{CONFIG_API}/{config_id}", "deleting")
        cleanup.ldap.remove(config_id)
        with pytest.raises(OcsError) as gone:
            await client.ocs("GET", f"{CONFIG_API}/{config_id}", "reading")
        assert gone.value.code == 404
        return config_id, fresh, shown

    config_id, fresh, shown = client.run(scenario())
    assert config_id.startswith("s")
    assert fresh["ldapAgentPassword"] == "***"
    assert str(fresh["ldapConfigurationActive"]) in ("", "0")
    assert shown["ldapHost"] == "ldaps://annuaire.example.invalid"
    assert str(shown["ldapPort"]) == "636"
    assert shown["ldapAgentPassword"] == "Bind-s3cret"
    assert shown["ldapBaseUsers"] == "ou=people,dc=example"
    assert shown["ldapGroupDisplayName"] == "cn"
    assert "notAKey" not in shown


@pytest.mark.django_db(transaction=True)
def test_the_driver_converges_retires_and_restores(target, cleanup, settings):
    codes = [unique_code(), unique_code()]
    while codes[1] == codes[0]:
        codes[1] = unique_code()
    cleanup.codes.extend(codes)
    inv = contract_inventory(codes)
    cleanup.users.extend(p.uid for p in inv.people)
    scope = Scope(frozenset(codes))
    driver = NextcloudDriver(target.settings())
    settings.MUTUALIS_NEXTCLOUD = target.settings()

    def converge(inventory: Inventory, allow_destroy: bool = False) -> None:
        plan = make_plan(inventory, [driver], scope)
        result = apply_plan(plan, [driver], inventory=inventory, allow_destroy=allow_destroy,
                            replan=lambda: make_plan(inventory, [driver], scope))
        assert result.errors == {} and result.pending_after == 0, result.errors

    try:
        converge(inv)
        observed = {o.key: o for o in driver.observe(scope)}
        leaver = inv.people[-1].uid
        assert observed[f"nextcloud.user:{leaver}"].attrs["email"].endswith("@example.invalid")
        slug = "conseil-municipal"
        paths = publish_files(codes[0], slug, {"contrat/essai.txt": b"contrat"})
        url = create_public_link(codes[0], paths[0], secrets.token_urlsafe(16),
                                 date.today() + timedelta(days=3))
        assert "/s/" in url
        # A person leaves, member 0 stops convocation: disabled and archived, not deleted.
        smaller = without_person(inv, leaver)
        smaller = replace(smaller, members=(replace(smaller.members[0],
                                                    services=("extranet", "agenda")),
                                            *smaller.members[1:]))
        converge(smaller, allow_destroy=True)
        observed = {o.key: o for o in driver.observe(scope)}
        assert observed[f"nextcloud.user:{leaver}"].state == "disabled"
        assert observed[f"nextcloud.folder:{codes[0]}/{slug}"].state == "archived"
        converge(inv)
        observed = {o.key: o for o in driver.observe(scope)}
        assert observed[f"nextcloud.user:{leaver}"].state == "active"
        assert observed[f"nextcloud.folder:{codes[0]}/{slug}"].state == "active"
    finally:
        driver.close()
