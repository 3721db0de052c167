"""The share API (apps/files_sharing/lib/Controller/ShareAPIController.php)."""

from __future__ import annotations

import datetime as dt
import mimetypes
import secrets
import time
from typing import Any

from .ocs import OcsError, OcsRequest, Route, bad_request, forbidden, not_found
from .state import (
    PERMISSION_ALL,
    PERMISSION_CREATE,
    PERMISSION_DELETE,
    PERMISSION_READ,
    PERMISSION_SHARE,
    PERMISSION_UPDATE,
    PathEscapeError,
    Share,
    State,
    hash_password,
    split_path,
)

# lib/public/Share/IShare.php
TYPE_USER = 0
TYPE_GROUP = 1
TYPE_LINK = 3
TYPE_EMAIL = 4

# lib/public/Security/ISecureRandom.php CHAR_HUMAN_READABLE
_TOKEN_CHARS = "abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789"

WRONG_SHARE_ID = "Wrong share ID, share does not exist"


def _node(state: State, uid: str, path: str) -> tuple[str, Any, int, str] | None:
    """(normalised path, location, file id, item type) of a path in a user's files."""
    parts = split_path(path)
    try:
        loc = state.resolve(uid, parts)
    except PathEscapeError:
        return None
    fs = loc.fs_path
    if not fs.exists():
        return None
    item_type = "folder" if fs.is_dir() else "file"
    return "/" + "/".join(parts), loc, state.file_id(fs), item_type


def _parse_date(text: str) -> dt.date:
    # ShareAPIController parseDate: DateTime(trim($expireDate, '"')) at 00:00, else
    # 'Invalid date. Format must be YYYY-MM-DD'
    try:
        return dt.datetime.fromisoformat(text.strip().strip('"')).date()
    except ValueError:
        raise ValueError("Invalid date. Format must be YYYY-MM-DD") from None


def _mimetype(path: str, item_type: str) -> str:
    if item_type == "folder":
        return "httpd/unix-directory"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def format_share(req: OcsRequest, share: Share) -> dict[str, Any]:
    """ShareAPIController formatShare: the fields of one share."""
    state = req.state
    owner = state.users.get(share.owner)
    owner_name = owner.display_name if owner else share.owner
    node = _node(state, share.owner, share.path)
    size, mtime = 0, 0
    item_permissions = share.permissions
    file_parent = 0
    if node is not None:
        fs = node[1].fs_path
        stat = fs.stat()
        size = stat.st_size if node[3] == "file" else 0
        mtime = int(stat.st_mtime)
        item_permissions = node[1].permissions
        file_parent = state.file_id(fs.parent)
    result: dict[str, Any] = {
        "id": str(share.id),
        "share_type": share.share_type,
        "uid_owner": share.owner,
        "displayname_owner": owner_name,
        "permissions": share.permissions,
        "can_edit": share.owner == req.user,
        "can_delete": share.owner == req.user,
        "stime": share.stime,
        "parent": None,
        "expiration": f"{share.expiration} 00:00:00" if share.expiration else None,
        "token": None,
        "uid_file_owner": share.owner,
        "note": share.note,
        "label": share.label,
        "displayname_file_owner": owner_name,
        "path": share.path,
        "item_type": share.item_type,
        "item_permissions": item_permissions,
        "is-mount-root": False,
        "mount-type": "",
        "mimetype": _mimetype(share.path, share.item_type),
        "has_preview": False,
        "storage_id": f"home::{share.owner}",
        "storage": 1,
        "item_source": share.file_id,
        "file_source": share.file_id,
        "file_parent": file_parent,
        "file_target": "/" + share.path.rsplit("/", 1)[-1],
        "item_size": size,
        "item_mtime": mtime,
        "share_with": share.share_with,
        "share_with_displayname": share.share_with,
    }
    if share.share_type == TYPE_USER:
        target = state.users.get(share.share_with or "")
        result["share_with_displayname"] = target.display_name if target else share.share_with
        result["share_with_displayname_unique"] = (
            (target.email or target.uid) if target else share.share_with
        )
    elif share.share_type == TYPE_GROUP:
        group = state.groups.get(share.share_with or "")
        result["share_with_displayname"] = group.display_name if group else share.share_with
    elif share.share_type == TYPE_LINK:
        # formatShare: share_with carries the (hashed) password, 'password' too
        result["share_with"] = share.password_hash
        result["share_with_displayname"] = "(Shared link)"
        result["password"] = share.password_hash
        result["send_password_by_talk"] = False
        result["token"] = share.token
        # files_sharing.sharecontroller.showShare route: /index.php/s/{token}
        result["url"] = f"{req.base_url}/index.php/s/{share.token}"
    result["mail_send"] = 1 if share.mail_send else 0
    result["hide_download"] = 1 if share.hide_download else 0
    result["attributes"] = None
    return result


def _can_access(req: OcsRequest, share: Share) -> bool:
    # ShareAPIController canAccessShare: owner, direct recipient, or member of the group
    if share.permissions == 0 or req.user in share.left_by:
        return False
    if share.owner == req.user:
        return True
    if share.share_type == TYPE_USER and share.share_with == req.user:
        return True
    if share.share_type == TYPE_GROUP:
        group = req.state.groups.get(share.share_with or "")
        return group is not None and req.user in group.members
    return False


def _get(req: OcsRequest, share_id: str) -> Share:
    try:
        share = req.state.shares[int(share_id)]
    except (KeyError, ValueError):
        raise not_found(WRONG_SHARE_ID) from None
    if not _can_access(req, share):
        raise not_found(WRONG_SHARE_ID)
    return share


def _link_permissions(req: OcsRequest, permissions: int | None) -> int:
    # ShareAPIController getLinkSharePermissions: READ by default, legacy publicUpload,
    # plus SHARE because federated sharing is on by default
    public_upload = req.opt_str("publicUpload")
    perms = PERMISSION_READ if permissions is None else permissions
    if public_upload == "true":
        perms = PERMISSION_READ | PERMISSION_CREATE | PERMISSION_UPDATE | PERMISSION_DELETE
    elif public_upload == "false":
        perms = PERMISSION_READ
    if perms & PERMISSION_READ:
        perms |= PERMISSION_SHARE
    # validateLinkSharePermissions
    if not perms & (PERMISSION_READ | PERMISSION_CREATE):
        raise bad_request("Share must at least have READ or CREATE permissions")
    if not perms & PERMISSION_READ and perms & (PERMISSION_UPDATE | PERMISSION_DELETE):
        raise bad_request("Share must have READ permission if UPDATE or DELETE permission is set")
    return perms


def create_share(req: OcsRequest) -> dict[str, Any]:
    state = req.state
    path = req.opt_str("path")
    if path is None:
        raise not_found("Please specify a file or folder path")
    node = _node(state, req.uid, path)
    if node is None:
        raise not_found("Wrong path, file/folder does not exist")
    norm_path, loc, file_id, item_type = node
    if norm_path == "/":
        # lib/private/Share20/Manager.php generalCreateChecks refuses the user's root folder;
        # createShare answers OCSForbiddenException (build/integration/features/
        # sharing-v1.feature, "Don't allow sharing of the root": OCS 403)
        raise forbidden("Failed to create share.")
    share_type = req.int_param("shareType", -1)
    share_with = req.opt_str("shareWith")
    permissions = req.int_param("permissions")
    if share_type in (TYPE_LINK, TYPE_EMAIL):
        permissions = _link_permissions(req, permissions)
        if req.opt_str("publicUpload") == "true" and item_type == "file":
            raise bad_request("Public upload is only possible for publicly shared folders")
    else:
        if permissions is None:
            # core 'shareapi_default_permissions' defaults to PERMISSION_ALL
            permissions = PERMISSION_ALL
        permissions |= PERMISSION_READ
    if item_type == "file":
        # single file shares never carry DELETE or CREATE
        permissions &= ~(PERMISSION_DELETE | PERMISSION_CREATE)
    expiration = None
    expire = req.opt_str("expireDate")
    if expire:
        try:
            expiration = _parse_date(expire)
        except ValueError as exc:
            raise not_found(str(exc)) from None
    share = Share(
        id=0,
        share_type=share_type if share_type is not None else -1,
        owner=req.uid,
        path=norm_path,
        file_id=file_id,
        item_type=item_type,
        permissions=permissions,
        stime=int(time.time()),
        note=req.str_param("note"),
    )
    if share_type == TYPE_USER:
        if share_with is None or share_with not in state.users:
            raise not_found("Please specify a valid account to share with")
        share.share_with = share_with
    elif share_type == TYPE_GROUP:
        if share_with is None or share_with not in state.groups:
            raise not_found("Please specify a valid group")
        share.share_with = share_with
    elif share_type == TYPE_LINK:
        password = req.str_param("password")
        if password:
            share.password_hash = hash_password(password)
        label = req.str_param("label")
        if len(label) > 255:
            raise bad_request("Maximum label length is 255")
        share.label = label
        # lib/private/Share20/Manager.php createShare: 15-character human readable token
        share.token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(15))
    else:
        raise bad_request("Unknown share type")
    if not loc.permissions & PERMISSION_SHARE:
        # lib/private/Share20/Manager.php generalCreateChecks: no SHARE permission
        raise OcsError(404, f"You are not allowed to share {norm_path.rsplit('/', 1)[-1]}")
    if expiration is not None and expiration < dt.date.today():
        # lib/private/Share20/Manager.php validateExpirationDate*: HintException code 404
        raise OcsError(404, "Expiration date is in the past")
    share.expiration = expiration.isoformat() if expiration else None
    with state.lock:
        share.id = state.new_share_id()
        state.shares[share.id] = share
    return format_share(req, share)


def get_shares(req: OcsRequest) -> list[dict[str, Any]]:
    state = req.state
    path = req.str_param("path")
    wanted: int | None = None
    if path:
        node = _node(state, req.uid, path)
        if node is None:
            raise not_found("Wrong path, file/folder does not exist")
        wanted = node[2]
    shared_with_me = req.str_param("shared_with_me") == "true"
    result = []
    for share in sorted(state.shares.values(), key=lambda s: s.id):
        if wanted is not None and share.file_id != wanted:
            continue
        if shared_with_me:
            # getSharedWithMe: user and group shares received, not owned
            if share.owner == req.uid or share.share_type == TYPE_LINK:
                continue
            if not _can_access(req, share):
                continue
        elif share.owner != req.uid:
            continue
        result.append(format_share(req, share))
    return result


def get_share(req: OcsRequest, id: str) -> list[dict[str, Any]]:
    # getShare returns a list holding the one share
    return [format_share(req, _get(req, id))]


def update_share(req: OcsRequest, id: str) -> dict[str, Any]:
    share = _get(req, id)
    if share.owner != req.uid:
        raise forbidden("You are not allowed to edit incoming shares")
    names = (
        "permissions",
        "password",
        "sendPasswordByTalk",
        "publicUpload",
        "expireDate",
        "note",
        "label",
        "hideDownload",
        "attributes",
        "sendMail",
        "token",
    )
    if not any(req.has(n) for n in names):
        raise bad_request("Wrong or no update parameter given")
    if req.has("note"):
        share.note = req.str_param("note")
    if share.share_type in (TYPE_LINK, TYPE_EMAIL):
        hide = req.opt_str("hideDownload")
        if hide in ("true", "false"):
            share.hide_download = hide == "true"
        if req.has("permissions") or req.has("publicUpload"):
            share.permissions = _link_permissions(req, req.int_param("permissions"))
        password = req.opt_str("password")
        if password == "":
            share.password_hash = None
        elif password is not None:
            share.password_hash = hash_password(password)
        if req.has("label"):
            label = req.str_param("label")
            if len(label) > 255:
                raise bad_request("Maximum label length is 255")
            share.label = label
    elif req.has("permissions"):
        share.permissions = req.int_param("permissions") or 0
    expire = req.opt_str("expireDate")
    if expire == "":
        share.expiration = None
    elif expire is not None:
        try:
            date = _parse_date(expire)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if date < dt.date.today():
            raise OcsError(404, "Expiration date is in the past")
        share.expiration = date.isoformat()
    return format_share(req, share)


def delete_share(req: OcsRequest, id: str) -> list[Any]:
    # ShareAPIController deleteShare. build/integration/features/sharing-v1*.feature (the
    # sharing feature split in parts), "Deleting a group share as user": a member of the
    # group deletes it for themselves (OCS 100; releases before answered 404); "Deleting a
    # group share as its owner": gone for everyone (then 404 to both)
    share = _get(req, id)
    if share.share_type == TYPE_GROUP and share.owner != req.uid:
        # canDeleteShareFromSelf: a recipient group's member -> Manager deleteFromSelf
        with req.state.lock:
            share.left_by.add(req.uid)
        return []
    if share.owner != req.uid and not (
            share.share_type == TYPE_USER and share.share_with == req.uid):
        # canDeleteShare: the owner (or sharer), or the recipient of a user share
        raise forbidden("Could not delete share")
    with req.state.lock:
        req.state.shares.pop(share.id, None)
    return []


_BASE = "/apps/files_sharing/api/v1/shares"

# apps/files_sharing/appinfo/routes.php (OCS routes)
ROUTES: list[Route] = [
    Route("GET", _BASE, get_shares),
    Route("POST", _BASE, create_share),
    Route("GET", _BASE + "/{id}", get_share),
    Route("PUT", _BASE + "/{id}", update_share),
    Route("DELETE", _BASE + "/{id}", delete_share),
]
