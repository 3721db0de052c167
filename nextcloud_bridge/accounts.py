"""Users, groups and memberships through the provisioning API (apps/provisioning_api).

Observed in bulk: `GET /cloud/users/details` and `GET /cloud/groups/details`, paged with
limit/offset, whatever the number of resources. A membership is applied by adding and
removing only the groups that differ, never by rewriting a user's groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any
from urllib.parse import quote

from provisioning import keys
from provisioning.drivers import BackendError, Scope, TransientBackendError
from provisioning.naming import MANAGED_GROUP, SERVICE_GROUP, archived, group_code, unarchived
from provisioning.resources import (
    ACTIVE,
    ARCHIVE,
    DISABLE,
    Change,
    Observed,
    observed_state,
)

from .client import NextcloudClient, OcsError
from .config import UNLIMITED
from .desired import GROUP, MEMBERSHIP, USER

PAGE = 500
# UsersController addUser / GroupsController addGroup: OCS 102, "already exists"
EXISTS = 102


async def all_of(calls: Iterable[Awaitable[Any]]) -> None:
    """Run calls concurrently; raise the first permanent error, else the first transient."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        if not isinstance(error, BackendError):
            raise error
    if errors:
        raise next((e for e in errors if not isinstance(e, TransientBackendError)), errors[0])


def _user_path(uid: str) -> str:
    return f"/cloud/users/{quote(uid, safe='')}"


def _group_path(gid: str) -> str:
    # GroupsController urldecodes the id once more (a gid may hold '/'): encode it twice
    return f"/cloud/groups/{quote(quote(gid, safe=''), safe='')}"


# ---------------------------------------------------------------------------- observe

async def _paged(client: NextcloudClient, path: str, what: str, field: str) -> list[dict]:
    items: dict[str, dict] = {}
    offset = 0
    while True:
        data = await client.ocs("GET", path, what, params={"limit": PAGE, "offset": offset})
        page = (data or {}).get(field) or []
        if isinstance(page, dict):  # users/details: keyed by user id
            page = list(page.values())
        fresh = {item["id"]: item for item in page
                 if isinstance(item, dict) and "id" in item and item["id"] not in items}
        items.update(fresh)
        if len(page) < PAGE or not fresh:  # the last page (or a server ignoring offset)
            return list(items.values())
        offset += PAGE


async def list_users(client: NextcloudClient) -> list[dict]:
    return await _paged(client, "/cloud/users/details", "listing users", "users")


async def list_groups(client: NextcloudClient) -> list[dict]:
    return await _paged(client, "/cloud/groups/details", "listing groups", "groups")


async def service_group(client: NextcloudClient) -> dict | None:
    """The service group, with its members, in two requests; None when it does not exist."""
    found = await client.ocs("GET", "/cloud/groups/details", "looking up the service group",
                             params={"search": SERVICE_GROUP, "limit": 50})
    group = next((g for g in (found or {}).get("groups") or [] if g.get("id") == SERVICE_GROUP),
                 None)
    if group is None:
        return None
    users = await client.ocs("GET", _group_path(SERVICE_GROUP) + "/users",
                             "listing the service group")
    return {**group, "members": sorted((users or {}).get("users") or [])}


def _quota(user: dict) -> int:
    # AUserData.php fillStorageInfo: quota.quota in bytes, -3 unlimited; 'none' (or the
    # configured value) for a user whose storage is not set up yet
    value = user.get("quota")
    if isinstance(value, dict):
        value = value.get("quota")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return UNLIMITED


def observe_accounts(users: list[dict], groups: list[dict], service: dict | None,
                     scope: Scope) -> list[Observed]:
    """Every group, account and membership Mutualis manages (the driver keeps those of the
    scope's members)."""
    found: list[Observed] = []
    codes_seen: set[str] = set()
    for g in groups:
        code = group_code(g["id"])
        if code is None:
            continue
        codes_seen.add(code)
        name, is_archived = unarchived(g.get("displayname") or g["id"])
        found.append(Observed(GROUP(g["id"]), {"displayname": name},
                              observed_state(not is_archived, ARCHIVE), frozenset([code])))
    shared = frozenset(codes_seen)
    for g in groups:
        if g["id"] == MANAGED_GROUP:
            name, is_archived = unarchived(g.get("displayname") or g["id"])
            found.append(Observed(GROUP(MANAGED_GROUP), {"displayname": name},
                                  observed_state(not is_archived, ARCHIVE), shared))
    if service is not None:
        found.append(observe_service_group(service, shared))
    for u in users:
        member_of = [g for g in u.get("groups") or [] if isinstance(g, str)]
        if MANAGED_GROUP not in member_of:
            continue  # not an account Mutualis manages (the admin, people added by hand)
        uid = u["id"]
        codes = {c for c in map(group_code, member_of) if c}
        # An account in no member's group (a person who left: disabled, groups removed)
        # belongs to no member, so any scope sees it, to restore it or leave it be.
        owners = frozenset(codes) or (scope.members or frozenset())
        found.append(Observed(
            USER(uid),
            {"displayname": u.get("displayname") or u.get("display-name") or "",
             "email": (u.get("email") or "").lower(), "quota": _quota(u)},
            observed_state(u.get("enabled", True), DISABLE), owners))
        admin_of = [g for g in u.get("subadmin") or [] if isinstance(g, str)]
        for code in sorted(codes | {c for c in map(group_code, admin_of) if c}):
            found.append(Observed(
                MEMBERSHIP(code, uid),
                {"groups": sorted(g for g in member_of if group_code(g) == code),
                 "subadmin": sorted(g for g in admin_of if group_code(g) == code)},
                ACTIVE, frozenset([code])))
    return found


def observe_service_group(service: dict, members: frozenset[str]) -> Observed:
    name, is_archived = unarchived(service.get("displayname") or SERVICE_GROUP)
    return Observed(GROUP(SERVICE_GROUP), {"displayname": name, "members": service["members"]},
                    observed_state(not is_archived, ARCHIVE), members)


# ---------------------------------------------------------------------------- apply

async def _set_group_name(client: NextcloudClient, gid: str, name: str) -> None:
    await client.ocs("PUT", _group_path(gid), f"renaming group {gid}",
                     json={"key": "displayname", "value": name})


async def _join(client: NextcloudClient, uid: str, gid: str) -> None:
    await client.ocs("POST", _user_path(uid) + "/groups", f"adding {uid} to group {gid}",
                     json={"groupid": gid})


async def _leave(client: NextcloudClient, uid: str, gid: str) -> None:
    await client.ocs("DELETE", _user_path(uid) + "/groups", f"removing {uid} from group {gid}",
                     params={"groupid": gid})


async def apply_group(client: NextcloudClient, c: Change) -> None:
    gid = c.ident
    if c.action == ARCHIVE:
        await _set_group_name(client, gid, archived(c.observed.attrs["displayname"]))
        return
    want = c.desired.attrs
    if c.observed is None:
        try:
            await client.ocs("POST", "/cloud/groups", f"adding group {gid}",
                             json={"groupid": gid, "displayname": want["displayname"]})
        except OcsError as exc:
            if exc.code != EXISTS:
                raise
            await _set_group_name(client, gid, want["displayname"])  # it was there: update
    elif c.observed.attrs.get("displayname") != want["displayname"] or c.observed.state != ACTIVE:
        await _set_group_name(client, gid, want["displayname"])
    if "members" in want:  # the service group: exactly the service account
        have = set(c.observed.attrs.get("members", [])) if c.observed else set()
        await all_of([*(_join(client, u, gid) for u in set(want["members"]) - have),
                      *(_leave(client, u, gid) for u in have - set(want["members"]))])


def _quota_value(quota: int) -> str:
    return "none" if quota == UNLIMITED else str(quota)


async def _edit_user(client: NextcloudClient, uid: str, key: str, value: str) -> None:
    await client.ocs("PUT", _user_path(uid), f"setting the {key} of user {uid}",
                     json={"key": key, "value": value})


async def _enable(client: NextcloudClient, uid: str, enabled: bool) -> None:
    verb = "enable" if enabled else "disable"
    await client.ocs("PUT", f"{_user_path(uid)}/{verb}", f"{verb[:-1]}ing user {uid}")


async def apply_user(client: NextcloudClient, c: Change) -> None:
    uid = c.ident
    if c.action == DISABLE:
        await _enable(client, uid, False)
        return
    want = c.desired.attrs
    values = {"displayname": want["displayname"], "email": want["email"],
              "quota": _quota_value(want["quota"])}
    if c.observed is None:
        try:
            # No password: Nextcloud mails the person a link to choose one (the e-mail is
            # required then, OCS 108).
            await client.ocs("POST", "/cloud/users", f"adding user {uid}", json={
                "userid": uid, "displayName": values["displayname"], "email": values["email"],
                "quota": values["quota"], "language": "fr", "groups": [MANAGED_GROUP]})
            return
        except OcsError as exc:
            if exc.code != EXISTS:
                raise
        # It exists (a retried create, or an account Mutualis lost track of): take it over.
        await all_of([*(_edit_user(client, uid, k, v) for k, v in values.items()),
                      _enable(client, uid, True), _join(client, uid, MANAGED_GROUP)])
        return
    changed = [k for k in values if k in c.after]
    calls = [_edit_user(client, uid, k, values[k]) for k in changed]
    if c.observed.state != ACTIVE:
        calls.append(_enable(client, uid, True))
    await all_of(calls)


async def apply_membership(client: NextcloudClient, c: Change) -> None:
    _, uid = keys.pair_of(c.key)
    have = c.observed.attrs if c.observed else {"groups": [], "subadmin": []}
    want = {"groups": [], "subadmin": []} if c.action == DISABLE else c.desired.attrs
    add = set(want["groups"]) - set(have["groups"])
    drop = set(have["groups"]) - set(want["groups"])
    promote = set(want["subadmin"]) - set(have["subadmin"])
    demote = set(have["subadmin"]) - set(want["subadmin"])
    await all_of([*(_join(client, uid, g) for g in sorted(add)),
                  *(_leave(client, uid, g) for g in sorted(drop)),
                  *(_subadmin(client, uid, g, True) for g in sorted(promote)),
                  *(_subadmin(client, uid, g, False) for g in sorted(demote))])


async def _subadmin(client: NextcloudClient, uid: str, gid: str, on: bool) -> None:
    what = f"{'making' if on else 'unmaking'} {uid} administrator of group {gid}"
    if on:
        await client.ocs("POST", _user_path(uid) + "/subadmins", what, json={"groupid": gid})
        return
    try:
        await client.ocs("DELETE", _user_path(uid) + "/subadmins", what, params={"groupid": gid})
    except OcsError as exc:
        # UsersController removeSubAdmin: 101 no such group, 102 not a subadmin: done already
        if exc.code not in (101, 102):
            raise
