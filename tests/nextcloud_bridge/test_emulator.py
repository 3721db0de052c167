"""The Nextcloud emulator, driven over real HTTP with httpx and with nc-py-api."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from nc_py_api import AsyncNextcloud, NextcloudException, NextcloudExceptionNotFound

from tests.doubles.nextcloud_emulator import Emulator

# conftest.py's fixtures: nc_emulator (a RunningEmulator: emulator, url, data_dir, client()),
# nc_admin (an httpx client for the admin) and make_user
RunningEmulator = Any
ADMIN = ("admin", "admin-secret")

V1 = "/ocs/v1.php"
V2 = "/ocs/v2.php"
JSON = {"format": "json"}
GF = "/index.php/apps/groupfolders/folders"
DAV = "/remote.php/dav/files"


def meta(answer: httpx.Response) -> dict:
    return answer.json()["ocs"]["meta"]


def data(answer: httpx.Response):
    return answer.json()["ocs"]["data"]


# --- envelopes, authentication, status ------------------------------------------


def test_status_and_capabilities(nc_emulator: RunningEmulator, nc_admin: httpx.Client) -> None:
    status = httpx.get(nc_emulator.url + "/status.php").json()
    assert status["installed"] is True and status["maintenance"] is False
    assert status["versionstring"] == "31.0.0"
    assert "emulator" in status["productname"]

    caps = nc_admin.get(V2 + "/cloud/capabilities", params=JSON)
    assert caps.status_code == 200 and meta(caps)["statuscode"] == 200
    body = data(caps)
    assert body["version"]["major"] == 31
    assert body["capabilities"]["files_sharing"]["api_enabled"] is True
    assert body["capabilities"]["groupfolders"]["hasGroupFolders"] is False

    # XML unless format=json or Accept: application/json
    xml = nc_admin.get(V1 + "/cloud/capabilities")
    assert xml.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.findtext("meta/statuscode") == "100"
    accept = nc_admin.get(V1 + "/cloud/capabilities", headers={"Accept": "application/json"})
    assert meta(accept)["statuscode"] == 100

    anonymous = httpx.get(
        nc_emulator.url + V2 + "/cloud/capabilities",
        params=JSON,
        headers={"OCS-APIRequest": "true"},
    )
    assert "groupfolders" not in data(anonymous)["capabilities"]


def test_ocs_header_and_authentication(nc_emulator: RunningEmulator) -> None:
    with nc_emulator.client(ocs=False) as no_header:
        answer = no_header.get(V2 + "/cloud/users", params=JSON)
        assert answer.status_code == 412
        assert answer.json() == {"message": "CSRF check failed"}
    with nc_emulator.client(password="wrong") as bad:
        v1 = bad.get(V1 + "/cloud/users", params=JSON)
        v2 = bad.get(V2 + "/cloud/users", params=JSON)
    assert v1.status_code == 401 and meta(v1)["statuscode"] == 997
    assert v2.status_code == 401 and meta(v2)["statuscode"] == 997
    with nc_emulator.client() as admin:
        unknown = admin.get(V2 + "/cloud/nothing-here", params=JSON)
    assert unknown.status_code == 404 and meta(unknown)["statuscode"] == 998


# --- provisioning --------------------------------------------------------------


def test_users_errors_in_v1_and_v2(nc_admin: httpx.Client) -> None:
    created = nc_admin.post(
        V2 + "/cloud/users",
        params=JSON,
        json={
            "userid": "alice",
            "password": "a-secret",
            "displayName": "Alice A",
            "email": "alice@example.org",
            "quota": "1 GB",
        },
    )
    assert created.status_code == 200 and data(created) == {"id": "alice"}

    again = {"userid": "alice", "password": "x"}
    v1 = nc_admin.post(V1 + "/cloud/users", params=JSON, data=again)
    assert v1.status_code == 200
    assert meta(v1) | {} == {
        "status": "failure",
        "statuscode": 102,
        "message": "User already exists",
        "totalitems": "",
        "itemsperpage": "",
    }
    v2 = nc_admin.post(V2 + "/cloud/users", params=JSON, data=again)
    assert v2.status_code == 400 and meta(v2)["statuscode"] == 102

    no_group = nc_admin.post(
        V2 + "/cloud/users",
        params=JSON,
        data={"userid": "bob", "password": "x", "groups[]": "nope"},
    )
    assert meta(no_group)["statuscode"] == 104
    assert meta(no_group)["message"] == "group nope does not exist"
    invalid = nc_admin.post(
        V2 + "/cloud/users", params=JSON, data={"userid": "bad/name", "password": "x"}
    )
    assert invalid.status_code == 400 and meta(invalid)["statuscode"] == 101
    no_password = nc_admin.post(V1 + "/cloud/users", params=JSON, data={"userid": "carol"})
    assert meta(no_password)["statuscode"] == 108

    missing_v1 = nc_admin.get(V1 + "/cloud/users/nobody", params=JSON)
    assert missing_v1.status_code == 200 and meta(missing_v1)["statuscode"] == 404
    missing_v2 = nc_admin.get(V2 + "/cloud/users/nobody", params=JSON)
    assert missing_v2.status_code == 404
    assert meta(missing_v2)["message"] == "User does not exist"

    alice = data(nc_admin.get(V2 + "/cloud/users/alice", params=JSON))
    assert alice["displayname"] == "Alice A" and alice["email"] == "alice@example.org"
    assert alice["enabled"] is True and alice["groups"] == []
    assert alice["quota"]["quota"] == 1024**3

    assert (
        meta(
            nc_admin.put(
                V2 + "/cloud/users/alice",
                params=JSON,
                data={"key": "displayname", "value": "Alice B"},
            )
        )["statuscode"]
        == 200
    )
    bad_quota = nc_admin.put(
        V2 + "/cloud/users/alice", params=JSON, data={"key": "quota", "value": "lots"}
    )
    assert bad_quota.status_code == 400 and meta(bad_quota)["statuscode"] == 102
    bad_key = nc_admin.put(
        V2 + "/cloud/users/alice", params=JSON, data={"key": "shoe-size", "value": "42"}
    )
    assert meta(bad_key)["statuscode"] == 113
    assert data(nc_admin.get(V2 + "/cloud/users/alice", params=JSON))["displayname"] == "Alice B"

    for uid in ("bruno", "bea", "zoe"):
        nc_admin.post(V2 + "/cloud/users", json={"userid": uid, "password": "pw"})
    listed = data(nc_admin.get(V2 + "/cloud/users", params={**JSON, "search": "b"}))
    # the search matches ids, display names ("Alice B") and e-mail addresses
    assert listed == {"users": ["alice", "bea", "bruno"]}
    paged = data(nc_admin.get(V2 + "/cloud/users", params={**JSON, "limit": 2, "offset": 1}))
    assert paged == {"users": ["alice", "bea"]}
    details = data(nc_admin.get(V2 + "/cloud/users/details", params={**JSON, "search": "zoe"}))
    assert list(details["users"]) == ["zoe"] and details["users"]["zoe"]["id"] == "zoe"


def test_disabled_user_cannot_authenticate(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user
) -> None:
    make_user("dora", password="dora-pw")
    with nc_emulator.client("dora", "dora-pw") as dora:
        assert dora.get(V2 + "/cloud/user", params=JSON).status_code == 200
        assert meta(nc_admin.put(V2 + "/cloud/users/dora/disable", params=JSON))["status"] == "ok"
        assert data(nc_admin.get(V2 + "/cloud/users/dora", params=JSON))["enabled"] is False
        refused = dora.get(V2 + "/cloud/user", params=JSON)
        assert refused.status_code == 401 and meta(refused)["statuscode"] == 997
        dav = dora.request("PROPFIND", DAV + "/dora/", headers={"Depth": "0"})
        assert dav.status_code == 401
        assert "Basic" in dav.headers["www-authenticate"]
        nc_admin.put(V2 + "/cloud/users/dora/enable", params=JSON)
        assert dora.get(V2 + "/cloud/user", params=JSON).status_code == 200
    self_disable = nc_admin.put(V1 + "/cloud/users/admin/disable", params=JSON)
    assert meta(self_disable)["statuscode"] == 101


def test_groups_and_subadmins(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user
) -> None:
    assert (
        meta(nc_admin.post(V2 + "/cloud/groups", params=JSON, data={"groupid": "79174-elus"}))[
            "statuscode"
        ]
        == 200
    )
    exists = nc_admin.post(V2 + "/cloud/groups", params=JSON, data={"groupid": "79174-elus"})
    assert exists.status_code == 400 and meta(exists) | {} == {
        "status": "failure",
        "statuscode": 102,
        "message": "group exists",
    }
    nc_admin.post(V2 + "/cloud/groups", data={"groupid": "79174-staff"})
    make_user("sam", password="sam-pw", groups=("79174-staff",))
    make_user("eve", groups=("79174-elus",))

    promote = nc_admin.post(
        V2 + "/cloud/users/sam/subadmins", params=JSON, data={"groupid": "79174-staff"}
    )
    assert meta(promote)["status"] == "ok"
    assert data(nc_admin.get(V2 + "/cloud/groups/79174-staff/subadmins", params=JSON)) == ["sam"]
    assert data(nc_admin.get(V2 + "/cloud/users/sam/subadmins", params=JSON)) == ["79174-staff"]
    no_group = nc_admin.post(
        V2 + "/cloud/users/sam/subadmins", params=JSON, data={"groupid": "ghost"}
    )
    assert meta(no_group)["statuscode"] == 102

    with nc_emulator.client("sam", "sam-pw") as sam:
        ok = sam.post(
            V2 + "/cloud/users",
            params=JSON,
            json={"userid": "newbie", "password": "pw", "groups": ["79174-staff"]},
        )
        assert ok.status_code == 200
        other = sam.post(
            V2 + "/cloud/users",
            params=JSON,
            json={"userid": "intruder", "password": "pw", "groups": ["79174-elus"]},
        )
        assert meta(other)["statuscode"] == 105
        none = sam.post(V2 + "/cloud/users", params=JSON, json={"userid": "x1", "password": "p"})
        assert meta(none)["statuscode"] == 106
        assert data(sam.get(V2 + "/cloud/users", params=JSON))["users"] == ["newbie", "sam"]
        not_admin = sam.post(V2 + "/cloud/groups", params=JSON, data={"groupid": "mine"})
        assert not_admin.status_code == 403 and meta(not_admin)["statuscode"] == 403

    members = data(nc_admin.get(V2 + "/cloud/groups/79174-staff", params=JSON))
    assert members == {"users": ["sam", "newbie"]}
    assert (
        meta(
            nc_admin.post(
                V2 + "/cloud/users/eve/groups", params=JSON, data={"groupid": "79174-staff"}
            )
        )["status"]
        == "ok"
    )
    assert (
        meta(nc_admin.post(V2 + "/cloud/users/eve/groups", params=JSON, data={"groupid": "ghost"}))[
            "statuscode"
        ]
        == 102
    )
    assert (
        meta(
            nc_admin.post(
                V2 + "/cloud/users/ghost/groups", params=JSON, data={"groupid": "79174-staff"}
            )
        )["statuscode"]
        == 103
    )
    groups = data(nc_admin.get(V2 + "/cloud/users/eve/groups", params=JSON))["groups"]
    assert groups == ["79174-elus", "79174-staff"]
    nc_admin.request("DELETE", V2 + "/cloud/users/eve/groups", params={"groupid": "79174-elus"})
    assert data(nc_admin.get(V2 + "/cloud/users/eve/groups", params=JSON))["groups"] == [
        "79174-staff"
    ]
    demote = nc_admin.request(
        "DELETE", V2 + "/cloud/users/eve/subadmins", params={**JSON, "groupid": "79174-staff"}
    )
    assert meta(demote)["statuscode"] == 102
    missing = nc_admin.get(V2 + "/cloud/groups/ghost", params=JSON)
    assert missing.status_code == 404
    assert meta(missing)["message"] == "The requested group could not be found"
    listed = data(nc_admin.get(V2 + "/cloud/groups", params={**JSON, "search": "79174"}))
    assert listed == {"groups": ["79174-elus", "79174-staff"]}
    assert meta(nc_admin.delete(V2 + "/cloud/groups/79174-elus", params=JSON))["status"] == "ok"
    assert meta(nc_admin.delete(V2 + "/cloud/groups/admin", params=JSON))["statuscode"] == 102


def test_group_id_with_a_slash_is_kept_literally(nc_admin: httpx.Client, make_user) -> None:
    assert (
        meta(nc_admin.post(V2 + "/cloud/groups", params=JSON, data={"groupid": "a/b"}))["status"]
        == "ok"
    )
    make_user("gus", groups=("a/b",))
    members = nc_admin.get(V2 + "/cloud/groups/a%2Fb/users", params=JSON)
    assert data(members) == {"users": ["gus"]}
    assert data(nc_admin.get(V2 + "/cloud/groups", params=JSON))["groups"] == ["a/b", "admin"]


# --- nc-py-api ------------------------------------------------------------------


def test_nc_py_api_accepts_the_answers(nc_emulator: RunningEmulator) -> None:
    async def scenario() -> None:
        nc = AsyncNextcloud(
            nextcloud_url=nc_emulator.url, nc_auth_user=ADMIN[0], nc_auth_pass=ADMIN[1]
        )
        assert (await nc.srv_version)["major"] == 31
        await nc.users_groups.create("79174-conseil", display_name="Conseil")
        assert "79174-conseil" in await nc.users_groups.get_list()
        details = await nc.users_groups.get_details(mask="conseil")
        assert details[0].display_name == "Conseil" and details[0].user_count == 0
        await nc.users.create(
            "jdupont",
            display_name="Jeanne Dupont",
            password="jd-secret",
            email="jd@example.org",
            groups=["79174-conseil"],
        )
        user = await nc.users.get_user("jdupont")
        assert user.display_name == "Jeanne Dupont" and user.enabled
        assert user.groups == ["79174-conseil"] and user.email == "jd@example.org"
        assert await nc.users.get_list(mask="jdup") == ["jdupont"]
        assert await nc.users_groups.get_members("79174-conseil") == ["jdupont"]
        await nc.users.edit("jdupont", email="jeanne@example.org")
        assert (await nc.users.get_user("jdupont")).email == "jeanne@example.org"
        await nc.users.promote_to_subadmin("jdupont", "79174-conseil")
        assert await nc.users_groups.get_subadmins("79174-conseil") == ["jdupont"]
        await nc.users.disable("jdupont")
        assert not (await nc.users.get_user("jdupont")).enabled
        await nc.users.enable("jdupont")

        with pytest.raises(NextcloudException) as exists:
            await nc.users.create("jdupont", password="again")
        assert exists.value.status_code == 102
        with pytest.raises(NextcloudExceptionNotFound):
            await nc.users.get_user("ghost")
        with pytest.raises(NextcloudException) as group_missing:
            await nc.users.add_to_group("jdupont", "ghost")
        assert group_missing.value.status_code == 102

        folder = await nc.ocs(
            "POST", "/index.php/apps/groupfolders/folders", json={"mountpoint": "Conseil municipal"}
        )
        await nc.ocs(
            "POST",
            f"/index.php/apps/groupfolders/folders/{folder['id']}/groups",
            json={"group": "79174-conseil"},
        )
        folders = await nc.ocs("GET", "/ocs/v2.php/apps/groupfolders/folders")
        assert folders[str(folder["id"])]["groups"] == {"79174-conseil": 31}

        jeanne = AsyncNextcloud(
            nextcloud_url=nc_emulator.url, nc_auth_user="jdupont", nc_auth_pass="jd-secret"
        )
        await jeanne.files.mkdir("Brouillons")
        node = await jeanne.files.upload("Conseil municipal/ordre-du-jour.txt", b"Point 1")
        assert node.file_id.endswith("ocemulator0")
        names = sorted(n.name for n in await jeanne.files.listdir())
        assert names == ["Brouillons", "Conseil municipal"]
        inside = await jeanne.files.listdir("Conseil municipal")
        assert [(n.name, n.info.size) for n in inside] == [("ordre-du-jour.txt", 7)]
        assert await jeanne.files.download("Conseil municipal/ordre-du-jour.txt") == b"Point 1"
        found = await jeanne.files.by_path("Conseil municipal")
        assert found is not None and found.is_dir
        await jeanne.files.makedirs("Brouillons/2026", exist_ok=True)
        await jeanne.files.makedirs("Brouillons/2026", exist_ok=True)
        share = await jeanne.files.sharing.create(
            "Brouillons", share_type=3, password="s3cret-link"
        )
        assert share.share_type == 3 and share.url.endswith(share.token)
        await jeanne.files.delete("Brouillons")
        assert [n.name for n in await jeanne.files.listdir()] == ["Conseil municipal"]

    asyncio.run(scenario())


# --- shares ---------------------------------------------------------------------


def test_shares(nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user) -> None:
    make_user("olga", password="olga-pw", groups=("79174-staff",))
    make_user("paul")
    with nc_emulator.client("olga", "olga-pw") as olga:
        assert olga.request("MKCOL", DAV + "/olga/Dossiers").status_code == 201
        assert olga.put(DAV + "/olga/Dossiers/pv.pdf", content=b"%PDF").status_code == 201

        user_share = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/Dossiers", "shareType": 0, "shareWith": "paul", "permissions": 1},
        )
        assert user_share.status_code == 200, user_share.text
        first = data(user_share)
        assert first["share_type"] == 0 and first["share_with"] == "paul"
        assert first["item_type"] == "folder" and first["permissions"] == 1
        assert first["uid_owner"] == "olga" and first["path"] == "/Dossiers"
        assert isinstance(first["id"], str)

        group_share = data(
            olga.post(
                V2 + "/apps/files_sharing/api/v1/shares",
                params=JSON,
                data={"path": "Dossiers/pv.pdf", "shareType": 1, "shareWith": "79174-staff"},
            )
        )
        # single file shares lose CREATE and DELETE
        assert group_share["permissions"] == 19 and group_share["item_type"] == "file"

        expiry = (dt.date.today() + dt.timedelta(days=10)).isoformat()
        link = data(
            olga.post(
                V2 + "/apps/files_sharing/api/v1/shares",
                params=JSON,
                data={
                    "path": "/Dossiers",
                    "shareType": 3,
                    "password": "link-pw",
                    "expireDate": expiry,
                },
            )
        )
        assert link["share_type"] == 3 and len(link["token"]) == 15
        assert link["url"] == f"{nc_emulator.url}/index.php/s/{link['token']}"
        assert link["expiration"] == f"{expiry} 00:00:00"
        assert link["password"] and link["password"] != "link-pw"
        assert link["permissions"] == 17

        listed = data(olga.get(V2 + "/apps/files_sharing/api/v1/shares", params=JSON))
        assert [s["id"] for s in listed] == [first["id"], group_share["id"], link["id"]]
        by_path = data(
            olga.get(
                V2 + "/apps/files_sharing/api/v1/shares",
                params={**JSON, "path": "/Dossiers/pv.pdf"},
            )
        )
        assert [s["id"] for s in by_path] == [group_share["id"]]
        one = data(olga.get(V2 + f"/apps/files_sharing/api/v1/shares/{link['id']}", params=JSON))
        assert one[0]["token"] == link["token"]

        later = (dt.date.today() + dt.timedelta(days=20)).isoformat()
        updated = data(
            olga.put(
                V2 + f"/apps/files_sharing/api/v1/shares/{link['id']}",
                params=JSON,
                data={"expireDate": later, "password": ""},
            )
        )
        assert updated["expiration"] == f"{later} 00:00:00" and updated["password"] is None
        nothing = olga.put(V2 + f"/apps/files_sharing/api/v1/shares/{link['id']}", params=JSON)
        assert nothing.status_code == 400
        assert meta(nothing)["message"] == "Wrong or no update parameter given"

        missing = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/nope", "shareType": 0, "shareWith": "paul"},
        )
        assert missing.status_code == 404
        assert meta(missing)["message"] == "Wrong path, file/folder does not exist"
        v1_missing = olga.post(
            V1 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/nope", "shareType": 0, "shareWith": "paul"},
        )
        assert v1_missing.status_code == 200 and meta(v1_missing)["statuscode"] == 404
        bad_user = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/Dossiers", "shareType": 0, "shareWith": "ghost"},
        )
        assert meta(bad_user)["message"] == "Please specify a valid account to share with"
        bad_type = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/Dossiers", "shareType": 42},
        )
        assert bad_type.status_code == 400 and meta(bad_type)["message"] == "Unknown share type"
        bad_date = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/Dossiers", "shareType": 3, "expireDate": "soon"},
        )
        assert meta(bad_date)["message"] == "Invalid date. Format must be YYYY-MM-DD"
        past = olga.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "/Dossiers", "shareType": 3, "expireDate": "2001-01-01"},
        )
        assert past.status_code == 404
        assert meta(past)["message"] == "Expiration date is in the past"

        assert (
            meta(olga.delete(V2 + f"/apps/files_sharing/api/v1/shares/{first['id']}", params=JSON))[
                "status"
            ]
            == "ok"
        )
        gone = olga.get(V2 + f"/apps/files_sharing/api/v1/shares/{first['id']}", params=JSON)
        assert gone.status_code == 404
        assert meta(gone)["message"] == "Wrong share ID, share does not exist"


# --- group folders ------------------------------------------------------------


def test_groupfolders_api(nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user) -> None:
    make_user("lea", password="lea-pw", groups=("79174-elus",))
    first = nc_admin.post(GF, params=JSON, data={"mountpoint": "Conseil"})
    # index.php routes of an OCSController answer with the v1 envelope
    assert first.status_code == 200 and meta(first)["statuscode"] == 100
    folder = data(first)
    second = data(
        nc_admin.post(
            V2 + "/apps/groupfolders/folders", params=JSON, data={"mountpoint": "Archives"}
        )
    )
    assert (folder["id"], second["id"]) == (1, 2)
    assert folder["groups"] == [] and folder["quota"] == -3 and folder["acl"] is False

    duplicate = nc_admin.post(
        V2 + "/apps/groupfolders/folders", params=JSON, data={"mountpoint": "Conseil"}
    )
    assert duplicate.status_code == 400
    assert meta(duplicate)["message"] == "Mount point already exists"

    added = data(nc_admin.post(f"{GF}/1/groups", params=JSON, data={"group": "79174-elus"}))
    assert added["success"] is True and added["folder"]["groups"] == {"79174-elus": 31}
    nc_admin.post(f"{GF}/1/groups", params=JSON, data={"group": "admin"})
    perms = data(nc_admin.post(f"{GF}/1/groups/79174-elus", params=JSON, data={"permissions": 1}))
    assert perms["folder"]["group_details"]["79174-elus"] == {
        "displayName": "79174-elus",
        "permissions": 1,
        "type": "group",
    }
    quota = data(nc_admin.post(f"{GF}/1/quota", params=JSON, data={"quota": 1024 * 1024}))
    assert quota["folder"]["quota"] == 1024 * 1024
    acl = data(nc_admin.post(f"{GF}/1/acl", params=JSON, data={"acl": 1}))
    assert acl["folder"]["acl"] is True
    manage = data(
        nc_admin.post(
            f"{GF}/1/manageACL",
            params=JSON,
            data={"mappingType": "user", "mappingId": "lea", "manageAcl": "true"},
        )
    )
    assert manage["folder"]["manage"] == [{"type": "user", "id": "lea", "displayname": "lea"}]
    renamed = data(
        nc_admin.post(f"{GF}/2/mountpoint", params=JSON, data={"mountpoint": "Archives 2026"})
    )
    assert renamed["folder"]["mount_point"] == "Archives 2026"

    listed = data(nc_admin.get(GF, params=JSON))
    assert list(listed) == ["2", "1"]  # ordered by mount point
    with nc_emulator.client("lea", "lea-pw") as lea:
        mine = data(lea.get(GF, params=JSON))
        assert list(mine) == ["1"] and mine["1"]["groups"] == {"79174-elus": 1}
        refused = lea.post(GF, params=JSON, data={"mountpoint": "Mine"})
        assert meta(refused)["statuscode"] == 403

    xml = nc_admin.get(f"{GF}/1")
    group = ElementTree.fromstring(xml.content).find("data/groups/element")
    assert group is not None and group.get("group_id") == "79174-elus"

    missing = nc_admin.get(V2 + "/apps/groupfolders/folders/99", params=JSON)
    assert missing.status_code == 404 and meta(missing)["message"] == "Groupfolder not found"
    assert data(nc_admin.delete(f"{GF}/2", params=JSON)) == {"success": True}
    assert list(data(nc_admin.get(GF, params=JSON))) == ["1"]
    caps = data(nc_admin.get(V2 + "/cloud/capabilities", params=JSON))
    assert caps["capabilities"]["groupfolders"]["hasGroupFolders"] is True


def test_groupfolders_over_webdav(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user
) -> None:
    make_user("rita", password="rita-pw", groups=("79174-redac",))
    make_user("rory", password="rory-pw", groups=("79174-lecteurs",))
    make_user("otto", password="otto-pw")
    folder = data(nc_admin.post(GF, params=JSON, data={"mountpoint": "Dossier de séance"}))
    fid = folder["id"]
    nc_admin.post(f"{GF}/{fid}/groups", data={"group": "79174-redac"})
    nc_admin.post(f"{GF}/{fid}/groups", data={"group": "79174-lecteurs"})
    nc_admin.post(f"{GF}/{fid}/groups/79174-lecteurs", data={"permissions": 1})
    nc_admin.post(f"{GF}/{fid}/quota", data={"quota": 100})

    with nc_emulator.client("rita", "rita-pw") as rita:
        put = rita.put(DAV + "/rita/Dossier de séance/convocation.pdf", content=b"x" * 60)
        assert put.status_code == 201 and put.headers["OC-FileId"]
        too_big = rita.put(DAV + "/rita/Dossier de séance/annexe.pdf", content=b"y" * 60)
        assert too_big.status_code == 507
        listing = rita.request("PROPFIND", DAV + "/rita/", headers={"Depth": "1"})
        assert listing.status_code == 207
        assert b"<d:multistatus" in listing.content and b"oc:permissions" in listing.content
        root = ElementTree.fromstring(listing.content)
        hrefs = [h.text for h in root.iter("{DAV:}href")]
        assert "/remote.php/dav/files/rita/Dossier%20de%20s%C3%A9ance/" in hrefs
        assert rita.request("DELETE", DAV + "/rita/Dossier de séance").status_code == 403
        # a move keeps the file id; the new place is reported in OC-FileId
        assert rita.put(DAV + "/rita/brouillon.txt", content=b"b").status_code == 201
        before = rita.request("PROPFIND", DAV + "/rita/brouillon.txt", headers={"Depth": "0"})
        file_id = ElementTree.fromstring(before.content).findtext(".//{http://owncloud.org/ns}id")
        moved = rita.request(
            "MOVE",
            DAV + "/rita/brouillon.txt",
            headers={"Destination": nc_emulator.url + DAV + "/rita/Dossier de s%C3%A9ance/b.txt"},
        )
        assert moved.status_code == 201 and moved.headers["OC-FileId"] == file_id
        copied = rita.request(
            "COPY",
            DAV + "/rita/Dossier de séance/b.txt",
            headers={"Destination": nc_emulator.url + DAV + "/rita/copie.txt"},
        )
        assert copied.status_code == 201 and copied.headers["OC-FileId"] != file_id
        assert rita.get(DAV + "/rita/copie.txt").content == b"b"
        assert rita.delete(DAV + "/rita/copie.txt").status_code == 204
        assert rita.get(DAV + "/rita/copie.txt").status_code == 404

    with nc_emulator.client("rory", "rory-pw") as rory:
        assert rory.get(DAV + "/rory/Dossier de séance/convocation.pdf").content == b"x" * 60
        refused = rory.put(DAV + "/rory/Dossier de séance/notes.txt", content=b"mine")
        assert refused.status_code == 403
        assert b"Sabre\\DAV\\Exception\\Forbidden" in refused.content
        overwrite = rory.put(DAV + "/rory/Dossier de séance/convocation.pdf", content=b"z")
        assert overwrite.status_code == 403
        assert rory.request("MKCOL", DAV + "/rory/Dossier de séance/sub").status_code == 403
        moved = rory.request(
            "MOVE",
            DAV + "/rory/Dossier de séance/convocation.pdf",
            headers={"Destination": nc_emulator.url + DAV + "/rory/c.pdf"},
        )
        assert moved.status_code == 403
        props = rory.request("PROPFIND", DAV + "/rory/Dossier de séance/", headers={"Depth": "0"})
        assert b"<oc:permissions>MG</oc:permissions>" in props.content

    with nc_emulator.client("otto", "otto-pw") as otto:
        listing = otto.request("PROPFIND", DAV + "/otto/", headers={"Depth": "1"})
        assert "séance".encode() not in listing.content
        assert otto.get(DAV + "/otto/Dossier de séance/convocation.pdf").status_code == 404
        foreign = otto.put(DAV + "/rita/evil.txt", content=b"no")
        assert foreign.status_code == 403
    assert (nc_emulator.data_dir / "__groupfolders" / str(fid) / "convocation.pdf").exists()


def test_path_escapes_stay_inside_the_data_dir(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user, tmp_path: Path
) -> None:
    make_user("mal", password="mal-pw", groups=("mal-group",))
    outside_before = _files_outside(tmp_path, nc_emulator.data_dir)

    for mount in ("../../escape", "a/../../escape", "/", "..", "  "):
        answer = nc_admin.post(
            V2 + "/apps/groupfolders/folders", params=JSON, data={"mountpoint": mount}
        )
        assert answer.status_code == 400, mount
    nested = data(nc_admin.post(GF, params=JSON, data={"mountpoint": "Projets/2026"}))
    nc_admin.post(f"{GF}/{nested['id']}/groups", data={"group": "mal-group"})
    assert (
        meta(nc_admin.post(V2 + "/cloud/groups", params=JSON, data={"groupid": "../../etc"}))[
            "status"
        ]
        == "ok"
    )
    weird = nc_admin.post(
        V2 + "/cloud/users", params=JSON, json={"userid": "../x", "password": "p"}
    )
    assert meta(weird)["statuscode"] == 101

    with nc_emulator.client("mal", "mal-pw") as mal:
        mal.request("MKCOL", DAV + "/mal/Projets")
        for target in (
            DAV + "/mal/../admin/pwned.txt",
            DAV + "/mal/..%2F..%2F..%2Fpwned.txt",
            DAV + "/mal/%2E%2E/%2E%2E/pwned.txt",
            DAV + "/mal/Projets/2026/..%2F..%2F..%2F..%2Fpwned.txt",
        ):
            answer = mal.put(target, content=b"pwned")
            assert answer.status_code in (400, 403, 404), (target, answer.status_code)
        assert mal.put(DAV + "/mal/Projets/2026/ok.txt", content=b"ok").status_code == 201
        escape_move = mal.request(
            "MOVE",
            DAV + "/mal/Projets/2026/ok.txt",
            headers={"Destination": nc_emulator.url + DAV + "/mal/../../pwned.txt"},
        )
        assert escape_move.status_code in (400, 403)
        share = mal.post(
            V2 + "/apps/files_sharing/api/v1/shares",
            params=JSON,
            data={"path": "../../", "shareType": 3},
        )
        assert share.status_code == 404

    assert _files_outside(tmp_path, nc_emulator.data_dir) == outside_before
    stored = nc_emulator.data_dir / "__groupfolders" / str(nested["id"]) / "ok.txt"
    assert stored.read_bytes() == b"ok"
    assert not any("pwned" in p.name for p in nc_emulator.data_dir.rglob("*"))


def _files_outside(root: Path, data_dir: Path) -> set[str]:
    found = set()
    for base, _dirs, files in os.walk(root):
        if Path(base).is_relative_to(data_dir):
            continue
        found.update(os.path.join(base, f) for f in files)
    return found


# --- faults, stats, command line ---------------------------------------------


def test_fault_injection_rate_and_latency(nc_emulator: RunningEmulator) -> None:
    emulator = nc_emulator.emulator
    emulator.configure_faults(rate=0.3, seed=7, latency=0.0)
    with httpx.Client(base_url=nc_emulator.url) as client:
        codes = [client.get("/status.php").status_code for _ in range(300)]
    failures = [c for c in codes if c != 200]
    assert set(failures) <= {500, 502, 503}
    assert 60 <= len(failures) <= 120  # 90 expected

    emulator.configure_faults(rate=0.0)
    with httpx.Client(base_url=nc_emulator.url) as client:
        assert {client.get("/status.php").status_code for _ in range(20)} == {200}

    emulator.configure_faults(rate=1.0, latency=0.5, timeout_share=1.0)
    with httpx.Client(base_url=nc_emulator.url, timeout=0.1) as client:
        with pytest.raises(httpx.TimeoutException):
            client.get("/status.php")
    # the same settings through the HTTP control endpoint
    control = httpx.post(
        nc_emulator.url + "/__emulator__/faults", json={"rate": 0.0, "extra_latency": 0.2}
    )
    assert control.json()["rate"] == 0.0 and control.json()["injected"]["timeout"] >= 1
    started = time.monotonic()
    assert httpx.get(nc_emulator.url + "/status.php").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_request_counters(nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user) -> None:
    make_user("una")
    stats = nc_emulator.emulator.stats
    stats.reset()
    for _ in range(3):
        nc_admin.get(V1 + "/cloud/users/una", params=JSON)
    nc_admin.get(V2 + "/cloud/users/details", params=JSON)
    nc_admin.request("PROPFIND", DAV + "/admin/", headers={"Depth": "1"})
    assert stats.get("GET", "/ocs/v1.php/cloud/users/{userId}") == 3
    assert stats.get("GET", "/ocs/v2.php/cloud/users/details") == 1
    assert stats.get("PROPFIND", "/remote.php/dav/files/{user}/{path}") == 1
    over_http = httpx.get(nc_emulator.url + "/__emulator__/stats").json()
    assert over_http["total"] == stats.total == 5
    httpx.post(nc_emulator.url + "/__emulator__/stats/reset")
    assert stats.total == 0


def test_without_groupfolders(tmp_path: Path) -> None:
    emulator = Emulator(admin=ADMIN, groupfolders=False, data_dir=tmp_path / "d")
    with (
        emulator.serve() as url,
        httpx.Client(base_url=url, auth=ADMIN, headers={"OCS-APIRequest": "true"}) as c,
    ):
        caps = data(c.get(V2 + "/cloud/capabilities", params=JSON))["capabilities"]
        assert "groupfolders" not in caps
        assert c.get(GF, params=JSON).status_code == 404
        assert meta(c.get(V2 + "/apps/groupfolders/folders", params=JSON))["statuscode"] == 998
    emulator.close()


def test_command_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.doubles.nextcloud_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--admin",
            "root:toor",
            "--no-groupfolders",
            "--fault-rate",
            "0",
            "--data-dir",
            str(tmp_path / "cli"),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/ocs/v2.php/cloud/user",
                    params=JSON,
                    auth=("root", "toor"),
                    headers={"OCS-APIRequest": "true"},
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert answer.status_code == 200 and data(answer)["id"] == "root"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def test_user_ldap_configuration(nc_emulator: RunningEmulator, nc_admin: httpx.Client,
                                 make_user) -> None:
    base = f"{V2}/apps/user_ldap/api/v1/config"
    first = nc_admin.post(base, params=JSON)
    assert (first.status_code, data(first)) == (200, {"configID": "s01"})
    assert data(nc_admin.post(base, params=JSON)) == {"configID": "s02"}
    shown = data(nc_admin.get(f"{base}/s01", params=JSON))
    assert shown["ldapAgentPassword"] == "***" and shown["ldapConfigurationActive"] == ""
    assert (shown["ldapGroupDisplayName"], shown["ldapPagingSize"]) == ("cn", 500)
    answer = nc_admin.put(f"{base}/s01", params=JSON, json={"configData": {
        "ldapHost": " ldap.example.invalid ", "ldapBase": "dc=a;dc=b\ndc=c",
        "ldapAgentPassword": " secret ", "ldapConfigurationActive": True, "unknown": "x"}})
    assert answer.status_code == 200, answer.text
    shown = data(nc_admin.get(f"{base}/s01", params={**JSON, "showPassword": "1"}))
    assert shown["ldapHost"] == "ldap.example.invalid"
    assert shown["ldapBase"] == "dc=a;dc=b;dc=c"
    assert shown["ldapAgentPassword"] == " secret "
    assert shown["ldapConfigurationActive"] == "1" and "unknown" not in shown
    bad = nc_admin.put(f"{base}/s01", params=JSON, json={"configData": "nope"})
    assert (bad.status_code, meta(bad)["message"]) == (400, "configData is not properly set")
    # Admins only (AuthorizedAdminSetting), and 404 once deleted.
    make_user("ldapreader", password="reader-secret-1")
    with nc_emulator.client("ldapreader", "reader-secret-1") as reader:
        assert reader.get(f"{base}/s01", params=JSON).status_code == 403
    assert nc_admin.delete(f"{base}/s02", params=JSON).status_code == 200
    gone = nc_admin.get(f"{base}/s02", params=JSON)
    assert (gone.status_code, meta(gone)["message"]) == (404, "Config ID not found")
    assert data(nc_admin.post(base, params=JSON)) == {"configID": "s02"}


# --- answers checked against the current server's integration features ------------


def test_a_regular_user_is_turned_away_from_subadmin_methods(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user
) -> None:
    # build/integration/features/provisioning-v1.feature: "adding user to a group without
    # privileges" and "disable an user with a regular user" answer OCS 403 with HTTP 200 in
    # v1 (older releases: 997 and 401); v2 carries the 403 to HTTP.
    nc_admin.post(V2 + "/cloud/groups", data={"groupid": "79174-elus"})
    make_user("ugo", password="ugo-pw")
    make_user("vic")
    with nc_emulator.client("ugo", "ugo-pw") as ugo:
        for method, path, body in (("POST", "/cloud/users/ugo/groups", {"groupid": "79174-elus"}),
                                   ("PUT", "/cloud/users/vic/disable", {}),
                                   ("GET", "/cloud/groups", {})):
            v1 = ugo.request(method, V1 + path, params=JSON, data=body)
            assert (v1.status_code, meta(v1)["statuscode"]) == (200, 403), path
            v2 = ugo.request(method, V2 + path, params=JSON, data=body)
            assert (v2.status_code, meta(v2)["statuscode"]) == (403, 403), path
        # methods marked NoSubAdminRequired still answer a regular user about themselves
        assert meta(ugo.get(V1 + "/cloud/users/ugo", params=JSON))["statuscode"] == 100
        assert meta(ugo.get(V1 + "/cloud/users/ugo/groups", params=JSON))["statuscode"] == 100
    assert data(nc_admin.get(V2 + "/cloud/users/vic", params=JSON))["enabled"] is True
    assert data(nc_admin.get(V2 + "/cloud/users/ugo/groups", params=JSON))["groups"] == []


def test_the_root_folder_cannot_be_shared(nc_admin: httpx.Client) -> None:
    # build/integration/features/sharing-v1.feature, "Don't allow sharing of the root"
    shares = "/apps/files_sharing/api/v1/shares"
    v1 = nc_admin.post(V1 + shares, params=JSON, data={"path": "/", "shareType": 3})
    assert (v1.status_code, meta(v1)["statuscode"]) == (200, 403)
    v2 = nc_admin.post(V2 + shares, params=JSON, data={"path": "/", "shareType": 3})
    assert (v2.status_code, meta(v2)["statuscode"]) == (403, 403)
    assert data(nc_admin.get(V2 + shares, params=JSON)) == []


def test_a_group_member_deletes_a_group_share_for_themselves(
    nc_emulator: RunningEmulator, nc_admin: httpx.Client, make_user
) -> None:
    # build/integration/features/sharing-v1*.feature: "Deleting a group share as user" (OCS
    # 100, the share stays for the others) and "Deleting a group share as its owner" (404 after)
    shares = V1 + "/apps/files_sharing/api/v1/shares"
    make_user("olga", password="olga-pw", groups=("79174-elus",))
    make_user("paul", password="paul-pw", groups=("79174-elus",))
    make_user("remi", password="remi-pw")
    with nc_emulator.client("remi", "remi-pw") as remi, \
            nc_emulator.client("olga", "olga-pw") as olga, \
            nc_emulator.client("paul", "paul-pw") as paul:
        assert remi.request("MKCOL", DAV + "/remi/Ordre du jour").status_code == 201
        group_share = remi.post(shares, params=JSON, data={
            "path": "/Ordre du jour", "shareType": 1, "shareWith": "79174-elus"})
        user_share = remi.post(shares, params=JSON, data={
            "path": "/Ordre du jour", "shareType": 0, "shareWith": "paul"})
        group_id, user_id = data(group_share)["id"], data(user_share)["id"]

        left = olga.delete(f"{shares}/{group_id}", params=JSON)
        assert (left.status_code, meta(left)["statuscode"]) == (200, 100)
        assert meta(olga.get(f"{shares}/{group_id}", params=JSON))["statuscode"] == 404
        assert meta(paul.get(f"{shares}/{group_id}", params=JSON))["statuscode"] == 100
        # the recipient of a user share removes it (canDeleteShare)
        assert meta(paul.delete(f"{shares}/{user_id}", params=JSON))["statuscode"] == 100
        assert meta(remi.get(f"{shares}/{user_id}", params=JSON))["statuscode"] == 404

        assert meta(remi.delete(f"{shares}/{group_id}", params=JSON))["statuscode"] == 100
        assert meta(remi.get(f"{shares}/{group_id}", params=JSON))["statuscode"] == 404
        assert meta(paul.get(f"{shares}/{group_id}", params=JSON))["statuscode"] == 404
