"""The groupfolders app API (nextcloud/groupfolders lib/Controller/FolderController.php)."""

from __future__ import annotations

from typing import Any

from .ocs import OcsRequest, Route, bad_request, forbidden, not_found
from .state import PERMISSION_ALL, GroupFolder, State, tree_size


def format_folder(state: State, folder: GroupFolder) -> dict[str, Any]:
    """FolderController formatFolder (groups as permissions, group_details, manage)."""
    manage = []
    # lib/Folder/FolderManager.php getManageAcl: entries whose user/group is gone are dropped
    for kind, ident in folder.manage:
        if kind == "user" and ident in state.users:
            manage.append(
                {"type": "user", "id": ident, "displayname": state.users[ident].display_name}
            )
        elif kind == "group" and ident in state.groups:
            manage.append(
                {"type": "group", "id": ident, "displayname": state.groups[ident].display_name}
            )
    path = state.folder_dir(folder.id)
    return {
        "id": folder.id,
        "mount_point": folder.mount_point,
        "quota": folder.quota,
        "acl": folder.acl,
        "acl_default_no_permission": folder.acl_default_no_permission,
        "size": tree_size(path) if path.exists() else 0,
        "groups": dict(folder.groups),
        # lib/Folder/FolderManager.php getAllApplicable: displayName is the group id
        "group_details": {
            gid: {"displayName": gid, "permissions": perms, "type": "group"}
            for gid, perms in folder.groups.items()
        },
        "manage": manage,
    }


def folder_for_xml(data: dict[str, Any]) -> dict[str, Any]:
    """FolderController folderDataForXML: groups become attribute-only elements."""
    out = dict(data)
    details = out.pop("group_details", {})
    out["groups"] = [
        {
            "@group_id": gid,
            "@permissions": item["permissions"],
            "@display-name": item["displayName"],
            "@type": item["type"],
        }
        for gid, item in details.items()
    ]
    return out


def xml_view(data: Any) -> Any:
    """FolderController buildOCSResponseXML applied to any of its answers."""
    if isinstance(data, dict) and "id" in data and "mount_point" in data:
        return folder_for_xml(data)
    if isinstance(data, dict) and isinstance(data.get("folder"), dict):
        return {**data, "folder": folder_for_xml(data["folder"])}
    if (
        isinstance(data, dict)
        and data
        and all(isinstance(v, dict) and "mount_point" in v for v in data.values())
    ):
        return {k: folder_for_xml(v) for k, v in data.items()}
    return data


def _is_admin(req: OcsRequest) -> bool:
    return req.state.is_admin(req.uid)


def _require_admin(req: OcsRequest) -> None:
    # #[RequireGroupFolderAdmin] on every write of FolderController
    if not _is_admin(req):
        raise forbidden("")


def _checked(req: OcsRequest, folder_id: str) -> GroupFolder:
    # FolderController checkedGetFolder: OCSNotFoundException('Groupfolder not found')
    try:
        return req.state.folders[int(folder_id)]
    except (KeyError, ValueError):
        raise not_found("Groupfolder not found") from None


def _valid_mount_point(req: OcsRequest, mount_point: str, own_id: int | None) -> str:
    value = mount_point.strip()
    if not value:
        # FolderController renameFolder: 'Mount point cannot be empty'
        raise bad_request("Mount point cannot be empty")
    parts = value.split("/")
    if any(p in ("", ".", "..") for p in parts):
        # FolderController declares OCSBadRequestException for an invalid mount point;
        # lib/private/Files/Filesystem.php isValidPath rejects '..'
        raise bad_request("Invalid mount point provided")
    for folder in req.state.folders.values():
        if folder.mount_point == value and folder.id != own_id:
            # FolderController checkMountPointExists
            raise bad_request("Mount point already exists")
    return value


def _filter_for_user(req: OcsRequest, data: dict[str, Any]) -> dict[str, Any] | None:
    # FolderController filterNonAdminFolder: only the caller's groups remain
    mine = set(req.state.user_groups(req.uid))
    groups = {g: p for g, p in data["groups"].items() if g in mine}
    if not groups:
        return None
    details = {g: d for g, d in data["group_details"].items() if g in mine}
    return {**data, "groups": groups, "group_details": details}


def get_folders(req: OcsRequest) -> dict[str, Any]:
    state = req.state
    limit = req.int_param("limit")
    if limit is not None and limit <= 0:
        raise bad_request("The limit must be greater than 0.")
    offset = req.int_param("offset", 0) or 0
    applicable = req.bool_param("applicable")
    with state.lock:
        # getFolders: ordered by mount point (strnatcmp), then id; keys are string ids
        ordered = sorted(state.folders.values(), key=lambda f: (f.mount_point, f.id))
        folders = {str(f.id): format_folder(state, f) for f in ordered}
    if applicable or not _is_admin(req):
        filtered = {}
        for key, data in folders.items():
            kept = _filter_for_user(req, data)
            if kept is not None:
                filtered[key] = kept
        folders = filtered
    if offset or limit is not None:
        keys = list(folders)[offset : None if limit is None else offset + limit]
        folders = {k: folders[k] for k in keys}
    return folders


def get_folder(req: OcsRequest, id: str) -> dict[str, Any]:
    data = format_folder(req.state, _checked(req, id))
    if not _is_admin(req):
        kept = _filter_for_user(req, data)
        if kept is None:
            raise not_found()
        return kept
    return data


def add_folder(req: OcsRequest) -> dict[str, Any]:
    _require_admin(req)
    state = req.state
    with state.lock:
        mount_point = _valid_mount_point(req, req.str_param("mountpoint"), None)
        folder = GroupFolder(
            id=state.new_folder_id(),
            mount_point=mount_point,
            acl_default_no_permission=req.bool_param("acl_default_no_permission"),
        )
        state.folders[folder.id] = folder
        state.folder_dir(folder.id).mkdir(parents=True, exist_ok=True)
        return format_folder(state, folder)


def remove_folder(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    state = req.state
    with state.lock:
        folder = _checked(req, id)
        del state.folders[folder.id]
        state.remove_folder_files(folder.id)
    return {"success": True}


def _done(req: OcsRequest, folder: GroupFolder) -> dict[str, Any]:
    return {"success": True, "folder": format_folder(req.state, folder)}


def set_mount_point(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        value = req.str_param("mountPoint") or req.str_param("mountpoint")
        folder.mount_point = _valid_mount_point(req, value, folder.id)
        return _done(req, folder)


def rename_folder(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        value = req.str_param("mountpoint")
        if folder.mount_point != value.strip():
            folder.mount_point = _valid_mount_point(req, value, folder.id)
        return _done(req, folder)


def add_group(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        group = req.str_param("group")
        # lib/Folder/FolderManager.php addApplicableGroup: inserted with PERMISSION_ALL;
        # the group's existence is not checked
        folder.groups.setdefault(group, PERMISSION_ALL)
        return _done(req, folder)


def remove_group(req: OcsRequest, id: str, group: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        folder.groups.pop(group, None)
        return _done(req, folder)


def set_permissions(req: OcsRequest, id: str, group: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        # lib/Folder/FolderManager.php setGroupPermissions: UPDATE of an existing mapping
        if group in folder.groups:
            folder.groups[group] = req.int_param("permissions", 0) or 0
        return _done(req, folder)


def set_manage_acl(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        entry = (req.str_param("mappingType"), req.str_param("mappingId"))
        if req.bool_param("manageAcl"):
            if entry not in folder.manage:
                folder.manage.append(entry)
        elif entry in folder.manage:
            folder.manage.remove(entry)
        return _done(req, folder)


def set_quota(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        folder.quota = req.int_param("quota", 0) or 0
        return _done(req, folder)


def set_acl(req: OcsRequest, id: str) -> dict[str, Any]:
    _require_admin(req)
    with req.state.lock:
        folder = _checked(req, id)
        folder.acl = req.bool_param("acl")
        return _done(req, folder)


def acl_mapping_search(req: OcsRequest, id: str) -> dict[str, Any]:
    state = req.state
    folder = _checked(req, id)
    search = req.str_param("search").lower()
    users: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    # lib/Folder/FolderManager.php canManageACL: admins or members of a manage mapping
    can_manage = _is_admin(req) or any(
        (kind == "user" and ident == req.uid)
        or (kind == "group" and ident in state.groups and req.uid in state.groups[ident].members)
        for kind, ident in folder.manage
    )
    if can_manage:
        for gid in folder.groups:
            group = state.groups.get(gid)
            if group and (not search or search in gid.lower()):
                groups.append({"gid": gid, "displayname": group.display_name})
            if group:
                for uid in group.members:
                    if not search or search in uid.lower():
                        name = state.users[uid].display_name if uid in state.users else uid
                        if all(u["uid"] != uid for u in users):
                            users.append({"uid": uid, "displayname": name})
    return {"users": users, "groups": groups, "circles": []}


_F = "/apps/groupfolders/folders"
_GROUP = ("group",)

# nextcloud/groupfolders FolderController route attributes (FrontpageRoute / ApiRoute)
ROUTES: list[Route] = [
    Route("GET", _F, get_folders),
    Route("POST", _F, add_folder),
    Route("GET", _F + "/{id}", get_folder),
    Route("DELETE", _F + "/{id}", remove_folder),
    Route("PUT", _F + "/{id}", set_mount_point),
    Route("POST", _F + "/{id}/groups", add_group),
    Route("DELETE", _F + "/{id}/groups/{group}", remove_group, greedy=_GROUP),
    Route("POST", _F + "/{id}/groups/{group}", set_permissions, greedy=_GROUP),
    Route("POST", _F + "/{id}/manageACL", set_manage_acl),
    Route("POST", _F + "/{id}/quota", set_quota),
    Route("POST", _F + "/{id}/acl", set_acl),
    Route("POST", _F + "/{id}/mountpoint", rename_folder),
    Route("GET", _F + "/{id}/search", acl_mapping_search),
]


def capability(state: State, uid: str | None) -> dict[str, Any]:
    # groupfolders lib/Capabilities.php (tests/CapabilitiesTest.php): appVersion and
    # hasGroupFolders for the logged-in user
    has = bool(uid and state.folders_for_user(uid))
    return {"groupfolders": {"appVersion": "19.1.0", "hasGroupFolders": has}}
