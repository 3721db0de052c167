"""The members' folders: group folders, or shared folders where groupfolders is missing.

With the groupfolders app (nextcloud/groupfolders lib/Controller/FolderController.php,
routes under /index.php/apps/groupfolders/folders), a folder has a mount point, groups with
permissions, a quota and ACLs. Without it (no `groupfolders` capability), a folder is a
directory of the service account (WebDAV MKCOL) shared with each group (share API,
shareType 1, apps/files_sharing/lib/Controller/ShareAPIController.php).

Either way a folder is found by its mount point (`provisioning.naming.parse_mount_point`),
never by a numeric id kept anywhere, and one listing per collection observes all of them. A
folder no longer wanted is archived: renamed "[Archivé] …" and its groups removed; its files
stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from provisioning import keys
from provisioning.drivers import BackendError
from provisioning.naming import archived, parse_mount_point, unarchived
from provisioning.resources import ARCHIVE, Change, Observed, observed_state

from .accounts import all_of
from .client import NextcloudClient, OcsError
from .desired import FOLDER

GROUP_FOLDERS = "/index.php/apps/groupfolders/folders"
SHARES = "/apps/files_sharing/api/v1/shares"
SHARE_GROUP = 1  # lib/public/Share/IShare.php TYPE_GROUP
ALL = 31


@dataclass
class Found:
    """A folder as it is now: its current name (archived or not) and observed attributes."""

    key: str
    name: str
    attrs: dict
    archived: bool
    folder_id: int | None = None  # group folders: only to address it during this apply
    shares: dict[str, list[dict]] = field(default_factory=dict)  # shared folders: gid -> shares

    def observed(self) -> Observed:
        code, _ = keys.pair_of(self.key)
        return Observed(self.key, self.attrs, observed_state(not self.archived, ARCHIVE),
                        frozenset([code]))


def _keep(found: dict[str, Found], item: Found) -> None:
    """Two folders for one key (one archived by hand, say): the active one wins."""
    current = found.get(item.key)
    if current is None or (current.archived and not item.archived):
        found[item.key] = item


def _parse(name: str) -> tuple[str, bool] | None:
    parsed = parse_mount_point(name)
    if parsed is None:
        return None
    code, slug, is_archived = parsed
    return FOLDER(code, slug), is_archived


# ---------------------------------------------------------------------------- group folders

def _gf_attrs(folder: dict) -> dict:
    groups = folder.get("groups") or {}
    manage = folder.get("manage") or []
    return {
        "mount_point": unarchived(folder["mount_point"])[0],
        "groups": {g: int(p) for g, p in sorted(groups.items())},
        "quota": int(folder.get("quota", -3)),
        "acl": bool(folder.get("acl")),
        "manage": sorted(f"{m['type']}:{m['id']}" for m in manage if isinstance(m, dict)),
    }


def _gf_found(folder: dict) -> Found | None:
    parsed = _parse(folder.get("mount_point") or "")
    if parsed is None:
        return None
    key, is_archived = parsed
    return Found(key, folder["mount_point"], _gf_attrs(folder), is_archived, int(folder["id"]))


class GroupFolders:
    """Folders of the groupfolders app."""

    async def list(self, client: NextcloudClient) -> dict[str, Found]:
        data = await client.ocs("GET", GROUP_FOLDERS, "listing group folders")
        found: dict[str, Found] = {}
        for folder in (data.values() if isinstance(data, dict) else data or []):
            item = _gf_found(folder) if isinstance(folder, dict) else None
            if item is not None:
                _keep(found, item)
        return found

    async def _post(self, client: NextcloudClient, path: str, what: str, body: dict) -> Any:
        return await client.ocs("POST", GROUP_FOLDERS + path, what, json=body)

    async def apply(self, client: NextcloudClient, c: Change, found: dict[str, Found]) -> None:
        folder = found.get(c.key)
        if c.action == ARCHIVE:
            if folder is not None:
                await self._archive(client, folder)
            return
        want = c.desired.attrs
        if folder is None:
            folder = await self._create(client, c.key, want["mount_point"])
        fid, have = folder.folder_id, folder.attrs
        label = want["mount_point"]
        if folder.name != label:
            await self._post(client, f"/{fid}/mountpoint", f"renaming folder {folder.name}",
                             {"mountpoint": label})
        calls = [self._group(client, fid, label, g, p, have["groups"].get(g))
                 for g, p in want["groups"].items() if have["groups"].get(g) != p]
        calls += [self._drop_group(client, fid, label, g)
                  for g in have["groups"] if g not in want["groups"]]
        if have["quota"] != want["quota"]:
            calls.append(self._post(client, f"/{fid}/quota", f"setting the quota of {label}",
                                    {"quota": want["quota"]}))
        if have["acl"] != want["acl"]:
            calls.append(self._post(client, f"/{fid}/acl", f"setting the ACLs of {label}",
                                    {"acl": want["acl"]}))
        calls += [self._manage(client, fid, label, m, True)
                  for m in want["manage"] if m not in have["manage"]]
        calls += [self._manage(client, fid, label, m, False)
                  for m in have["manage"] if m not in want["manage"]]
        await all_of(calls)

    async def _create(self, client: NextcloudClient, key: str, mount_point: str) -> Found:
        try:
            data = await self._post(client, "", f"creating folder {mount_point}",
                                    {"mountpoint": mount_point})
        except OcsError as exc:
            # FolderController checkMountPointExists: 400 'Mount point already exists' (a
            # retried create): it is an observation, take the folder as it is
            again = (await self.list(client)).get(key)
            if exc.code != 400 or again is None:
                raise
            return again
        item = _gf_found(data) if isinstance(data, dict) else None
        if item is None:
            raise BackendError(f"Nextcloud created folder {mount_point} but did not "
                               "describe it back")
        return item

    async def _group(self, client: NextcloudClient, fid: int | None, label: str, gid: str,
                     permissions: int, current: int | None) -> None:
        path = f"/{fid}/groups"
        if current is None:  # FolderManager addApplicableGroup: added with every permission
            await self._post(client, path, f"giving group {gid} folder {label}", {"group": gid})
            current = ALL
        if current != permissions:
            await self._post(client, f"{path}/{quote(gid, safe='')}",
                             f"setting the permissions of {gid} on {label}",
                             {"permissions": permissions})

    async def _drop_group(self, client: NextcloudClient, fid: int | None, label: str,
                          gid: str) -> None:
        await client.ocs("DELETE", f"{GROUP_FOLDERS}/{fid}/groups/{quote(gid, safe='')}",
                         f"taking folder {label} from group {gid}")

    async def _manage(self, client: NextcloudClient, fid: int | None, label: str,
                      mapping: str, on: bool) -> None:
        kind, _, ident = mapping.partition(":")
        await self._post(client, f"/{fid}/manageACL", f"setting who manages ACLs on {label}",
                         {"mappingType": kind, "mappingId": ident, "manageAcl": on})

    async def _archive(self, client: NextcloudClient, folder: Found) -> None:
        fid, label = folder.folder_id, folder.attrs["mount_point"]
        if not folder.archived:
            await self._post(client, f"/{fid}/mountpoint", f"archiving folder {label}",
                             {"mountpoint": archived(label)})
        await all_of([*(self._drop_group(client, fid, label, g) for g in folder.attrs["groups"]),
                      *(self._manage(client, fid, label, m, False)
                        for m in folder.attrs["manage"])])


# ---------------------------------------------------------------------------- shared folders

class SharedFolders:
    """Folders of the service account, shared with groups (no groupfolders app)."""

    async def list(self, client: NextcloudClient) -> dict[str, Found]:
        names = await client.dav_list("")
        shares = await client.ocs("GET", SHARES, "listing shares") or []
        by_path: dict[str, dict[str, list[dict]]] = {}
        for s in shares:
            if isinstance(s, dict) and int(s.get("share_type", -1)) == SHARE_GROUP:
                by_path.setdefault(s.get("path", ""), {}).setdefault(
                    s.get("share_with") or "", []).append(s)
        found: dict[str, Found] = {}
        for name in names:
            parsed = _parse(name)
            if parsed is None:
                continue
            key, is_archived = parsed
            groups = by_path.get("/" + name, {})
            # A group shared twice (a create retried after a timeout) shows as -1, so that
            # the plan updates it and apply keeps one share.
            perms = {g: (int(s[0]["permissions"]) if len(s) == 1 else -1)
                     for g, s in sorted(groups.items())}
            _keep(found, Found(key, name, {"mount_point": unarchived(name)[0], "groups": perms},
                               is_archived, shares=groups))
        return found

    async def _unshare(self, client: NextcloudClient, share: dict, label: str) -> None:
        await client.ocs("DELETE", f"{SHARES}/{int(share['id'])}",
                         f"unsharing {label} from {share.get('share_with')}")

    async def apply(self, client: NextcloudClient, c: Change, found: dict[str, Found]) -> None:
        folder = found.get(c.key)
        if c.action == ARCHIVE:
            if folder is not None:
                await self._unshare_all(client, folder)
                if not folder.archived:
                    await client.dav_move(folder.name, archived(folder.attrs["mount_point"]))
            return
        want = c.desired.attrs
        label = want["mount_point"]
        if folder is None:
            if not await client.dav_mkcol(label):  # there already: look again
                folder = (await self.list(client)).get(c.key)
        if folder is not None and folder.name != label:
            # Shares follow a renamed node in Nextcloud; dropping them first keeps this
            # simple and the same everywhere: they are made again just below.
            await self._unshare_all(client, folder)
            await client.dav_move(folder.name, label)
            folder = None
        shares = folder.shares if folder is not None else {}
        calls = []
        for gid, permissions in want["groups"].items():
            current = shares.get(gid, [])
            if not current:
                calls.append(self._share(client, label, gid, permissions))
                continue
            if int(current[0]["permissions"]) != permissions:
                calls.append(client.ocs("PUT", f"{SHARES}/{int(current[0]['id'])}",
                                        f"setting the permissions of {gid} on {label}",
                                        json={"permissions": permissions}))
            calls += [self._unshare(client, extra, label) for extra in current[1:]]
        calls += [self._unshare(client, s, label) for gid, group_shares in shares.items()
                  if gid not in want["groups"] for s in group_shares]
        await all_of(calls)

    async def _share(self, client: NextcloudClient, label: str, gid: str,
                     permissions: int) -> None:
        # Not retried here: a share created by a request that then timed out would be made
        # twice; the engine retries the change, which lists the shares first.
        await client.ocs("POST", SHARES, f"sharing {label} with group {gid}", retry=False,
                         json={"path": "/" + label, "shareType": SHARE_GROUP,
                               "shareWith": gid, "permissions": permissions})

    async def _unshare_all(self, client: NextcloudClient, folder: Found) -> None:
        await all_of([self._unshare(client, s, folder.name)
                      for group_shares in folder.shares.values() for s in group_shares])
