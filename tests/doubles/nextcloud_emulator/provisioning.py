"""The provisioning API: users, groups, subadmins.

Sources: apps/provisioning_api/lib/Controller/UsersController.php, GroupsController.php and
AUserData.php in nextcloud/server; a comment names the method each behaviour comes from.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from .ocs import (
    RESPOND_NOT_FOUND,
    RESPOND_UNKNOWN_ERROR,
    OcsError,
    OcsRequest,
    Route,
    forbidden,
    not_found,
)
from .state import ADMIN_GROUP, SPACE_UNLIMITED, State, User, tree_size, validate_user_id

# lib/private/Accounts/AccountManager.php: profile properties reported by getUserData
PROFILE_FIELDS = (
    "phone",
    "address",
    "website",
    "twitter",
    "fediverse",
    "organisation",
    "role",
    "headline",
    "biography",
    "profile_enabled",
)
# emulator's list of installed languages (UsersController editUser: 'Invalid language')
LANGUAGES = ("en", "en_GB", "fr", "de", "de_DE", "es", "it", "nl", "pt_BR", "br", "oc")

_UNITS = {
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
    "p": 1024**5,
    "pb": 1024**5,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def computer_file_size(text: str) -> float | None:
    """lib/private/legacy/OC_Helper.php computerFileSize: '1 GB' -> bytes, None if invalid."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgtp]?b?)", value)
    if not found:
        return None
    return float(found.group(1)) * _UNITS.get(found.group(2) or "b", 1)


def human_file_size(size: float) -> str:
    """lib/public/Util.php humanFileSize: bytes -> '1 GB'."""
    if size < 1024:
        return f"{int(size)} B"
    for unit in ("KB", "MB", "GB", "TB", "PB"):
        size /= 1024
        if size < 1024 or unit == "PB":
            return f"{round(size, 1):g} {unit}"
    return f"{size} PB"


def _require_user(req: OcsRequest, uid: str) -> User:
    user = req.state.users.get(uid)
    if user is None:
        # AUserData.php getUserData: OCSNotFoundException('User does not exist')
        raise not_found("User does not exist")
    return user


def _can_manage(req: OcsRequest, target: str) -> bool:
    state = req.state
    return state.is_admin(req.uid) or state.is_user_accessible(req.uid, target)


def storage_info(state: State, user: User) -> dict[str, Any]:
    # AUserData.php fillStorageInfo: free, used, total, relative and quota (-3 = unlimited)
    home = state.home_dir(user.uid)
    used = tree_size(home) if home.exists() else 0
    if user.quota in ("none", "default"):
        quota: float = SPACE_UNLIMITED
        free = float(shutil.disk_usage(state.data_dir).free)
    else:
        quota = computer_file_size(user.quota) or 0
        free = max(quota - used, 0)
    total = used + free
    relative = round(used / total * 100, 2) if total else 0
    return {
        "free": int(free),
        "used": used,
        "total": int(total),
        "relative": relative,
        "quota": int(quota),
    }


def user_data(req: OcsRequest, uid: str, include_scopes: bool = False) -> dict[str, Any] | None:
    """AUserData.php getUserData: None when the caller may not see the user."""
    state = req.state
    target = _require_user(req, uid)
    data: dict[str, Any] = {}
    is_admin = state.is_admin(req.uid)
    if is_admin or state.is_user_accessible(req.uid, uid):
        data["enabled"] = target.enabled
    elif req.uid != uid:
        return None
    if is_admin:
        data["storageLocation"] = str(state.data_dir / uid)
    data["id"] = uid
    data["lastLogin"] = target.last_login * 1000
    data["backend"] = "Database"
    data["subadmin"] = state.subadmin_groups(uid)
    data["quota"] = storage_info(state, target)
    data["manager"] = target.manager
    data["email"] = target.email or None
    data["additional_mail"] = []
    data["displayname"] = target.display_name
    data["display-name"] = target.display_name
    for name in PROFILE_FIELDS:
        data[name] = target.profile.get(name, "1" if name == "profile_enabled" else "")
    data["groups"] = state.user_groups(uid)
    data["language"] = target.language
    data["locale"] = target.locale
    data["notify_email"] = target.notify_email or None
    data["backendCapabilities"] = {"setDisplayName": True, "setPassword": True}
    if include_scopes:
        # AUserData.php: scopes are added when users look at themselves
        for name in ("avatar", "email", "displayname", *PROFILE_FIELDS):
            data[name + "Scope"] = "v2-federated" if name != "phone" else "v2-local"
    return data


def _search_users(state: State, search: str) -> list[str]:
    needle = search.lower()
    found = [
        u.uid
        for u in state.users.values()
        if not needle
        or needle in u.uid.lower()
        or needle in u.display_name.lower()
        or needle in u.email.lower()
    ]
    # lib/private/User/Database.php getUsers orders by lower-cased uid
    return sorted(found, key=str.lower)


def _page(items: list[str], limit: int | None, offset: int) -> list[str]:
    end = None if limit is None or limit < 0 else offset + limit
    return items[offset:end]


def _visible_users(req: OcsRequest) -> list[str]:
    # UsersController getUsers: admins search everyone, subadmins only their groups
    state = req.state
    search = req.str_param("search")
    users = _search_users(state, search)
    if state.is_admin(req.uid):
        return users
    groups = set(state.subadmin_groups(req.uid))
    if not groups:
        return []
    members = {m for g in groups for m in state.groups[g].members}
    return [u for u in users if u in members]


def get_users(req: OcsRequest) -> dict[str, Any]:
    # UsersController getUsers: {"users": [ids]}
    users = _page(_visible_users(req), req.int_param("limit"), req.int_param("offset", 0) or 0)
    return {"users": users}


def get_users_details(req: OcsRequest) -> dict[str, Any]:
    # UsersController getUsersDetails: users keyed by id; unseen ones reduced to {id}
    users = _page(_visible_users(req), req.int_param("limit"), req.int_param("offset", 0) or 0)
    details = {}
    for uid in users:
        data = user_data(req, uid)
        details[uid] = data if data is not None else {"id": uid}
    return {"users": details}


def add_user(req: OcsRequest) -> dict[str, Any]:
    state = req.state
    userid = req.str_param("userid")
    password = req.str_param("password")
    email = req.str_param("email")
    display = req.str_param("displayName")
    groups = req.list_param("groups")
    subadmin = req.list_param("subadmin")
    quota = req.str_param("quota")
    language = req.str_param("language")
    is_admin = state.is_admin(req.uid)
    with state.lock:
        if userid in state.users:
            # UsersController addUser: OCSException('User already exists', 102)
            raise OcsError(102, "User already exists")
        if groups:
            for gid in groups:
                if gid not in state.groups:
                    # UsersController addUser: 'group <gid> does not exist', 104
                    raise OcsError(104, f"group {gid} does not exist")
                if not is_admin and gid not in state.subadmin_groups(req.uid):
                    raise OcsError(105, f"insufficient privileges for group {gid}")
        elif not is_admin:
            raise OcsError(106, "no group specified (required for subadmins)")
        for gid in subadmin:
            if gid not in state.groups:
                raise OcsError(102, "Subadmin group does not exist")
            if gid == ADMIN_GROUP:
                raise OcsError(103, "Cannot create subadmins for admin group")
            if not is_admin and gid not in state.subadmin_groups(req.uid):
                raise forbidden("No permissions to promote subadmins")
        if password == "":
            if email == "":
                raise OcsError(
                    108, "To send a password link to the user an email address is required."
                )
        # lib/private/User/Manager.php createUser -> InvalidArgumentException -> 101
        message = validate_user_id(userid)
        if message:
            raise OcsError(101, message)
        if email and not _EMAIL.match(email):
            # lib/private/User/User.php setSystemEMailAddress rejects invalid addresses
            raise OcsError(101, "Invalid email")
        if quota and quota not in ("none", "default") and computer_file_size(quota) is None:
            raise OcsError(102, f"Invalid quota value {quota}")
        if language and language not in LANGUAGES:
            raise OcsError(102, "Invalid language")
        user = state.add_user(userid, password or _random_password(), display)
        user.email = email
        if quota:
            user.quota = _normal_quota(quota)
        if language:
            user.language = language
        for gid in groups:
            state.groups[gid].members.append(userid)
        for gid in subadmin:
            state.groups[gid].subadmins.append(userid)
    # UsersController addUser returns ['id' => $userid]
    return {"id": userid}


def _random_password() -> str:
    import secrets

    return secrets.token_urlsafe(16)


def _normal_quota(value: str) -> str:
    if value in ("none", "default"):
        return value
    size = computer_file_size(value)
    # UsersController editUser: -1 means none, else humanFileSize
    if size is None:
        raise OcsError(102, f"Invalid quota value {value}")
    return "none" if size == -1 else human_file_size(size)


def get_user(req: OcsRequest, userId: str) -> dict[str, Any]:
    data = user_data(req, userId, include_scopes=userId == req.uid)
    if data is None:
        # UsersController getUser: OCSException('', RESPOND_NOT_FOUND)
        raise OcsError(RESPOND_NOT_FOUND, "")
    return data


def get_current_user(req: OcsRequest) -> dict[str, Any]:
    # UsersController getCurrentUser: the caller's own data, with scopes
    data = user_data(req, req.uid, include_scopes=True)
    assert data is not None
    return data


def editable_fields(req: OcsRequest) -> list[str]:
    # UsersController getEditableFieldsForUser
    return ["displayname", "email", "additional_mail", *PROFILE_FIELDS]


_SELF_FIELDS = (
    "display",
    "displayname",
    "email",
    "additional_mail",
    "password",
    "notify_email",
    "language",
    "locale",
    *PROFILE_FIELDS,
)
_ADMIN_FIELDS = (*_SELF_FIELDS, "quota", "manager")


def edit_user(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController editUser: 998 for unknown or inaccessible users, permitted keys per
    # caller, 102 for invalid quota/language/password values, 101 for invalid e-mails
    state = req.state
    key = req.str_param("key")
    value = req.str_param("value")
    with state.lock:
        target = state.users.get(userId)
        if target is None:
            raise OcsError(RESPOND_NOT_FOUND, "")
        if userId == req.uid:
            permitted = _ADMIN_FIELDS if state.is_admin(req.uid) else _SELF_FIELDS
        elif _can_manage(req, userId):
            permitted = _ADMIN_FIELDS
        else:
            raise OcsError(RESPOND_NOT_FOUND, "")
        if key not in permitted:
            # UsersController editUser: field not permitted -> 113
            raise OcsError(113, "")
        if key in ("display", "displayname"):
            target.display_name = value
        elif key == "quota":
            target.quota = _normal_quota(value)
        elif key == "manager":
            target.manager = value
        elif key == "password":
            if len(value) > 469:
                # IUserManager::MAX_PASSWORD_LENGTH
                raise OcsError(102, "Invalid password value")
            target.password = value
        elif key == "language":
            if value not in LANGUAGES:
                raise OcsError(102, "Invalid language")
            target.language = value
        elif key == "locale":
            target.locale = value
        elif key == "email":
            if value and not _EMAIL.match(value):
                raise OcsError(101, "")
            target.email = value
        elif key == "notify_email":
            if value and not _EMAIL.match(value):
                raise OcsError(101, "")
            target.notify_email = value
        elif key == "additional_mail":
            if not _EMAIL.match(value):
                raise OcsError(101, "")
        else:
            target.profile[key] = value
    return []


def delete_user(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController deleteUser: 998 unknown or not permitted, 101 for oneself
    state = req.state
    with state.lock:
        if userId not in state.users:
            raise OcsError(RESPOND_NOT_FOUND, "")
        if userId == req.uid:
            raise OcsError(101, "")
        if not _can_manage(req, userId):
            raise OcsError(RESPOND_NOT_FOUND, "")
        del state.users[userId]
        for group in state.groups.values():
            if userId in group.members:
                group.members.remove(userId)
            if userId in group.subadmins:
                group.subadmins.remove(userId)
        home = state.home_dir(userId).parent
        if home.exists():
            state.forget(home)
            shutil.rmtree(home)
    return []


def _set_enabled(req: OcsRequest, user_id: str, enabled: bool) -> list[Any]:
    state = req.state
    with state.lock:
        target = state.users.get(user_id)
        # UsersController setEnabled: unknown user or self -> 101
        if target is None or user_id == req.uid:
            raise OcsError(101, "")
        if not _can_manage(req, user_id):
            raise OcsError(RESPOND_NOT_FOUND, "")
        target.enabled = enabled
    return []


def enable_user(req: OcsRequest, userId: str) -> list[Any]:
    return _set_enabled(req, userId, True)


def disable_user(req: OcsRequest, userId: str) -> list[Any]:
    return _set_enabled(req, userId, False)


def get_users_groups(req: OcsRequest, userId: str) -> dict[str, Any]:
    # UsersController getUsersGroups: self/admin see all, subadmins their own groups
    state = req.state
    if userId not in state.users:
        raise OcsError(RESPOND_NOT_FOUND, "")
    if userId == req.uid or state.is_admin(req.uid):
        return {"groups": state.user_groups(userId)}
    if state.is_user_accessible(req.uid, userId):
        mine = set(state.subadmin_groups(req.uid))
        return {"groups": [g for g in state.user_groups(userId) if g in mine]}
    raise OcsError(RESPOND_NOT_FOUND, "")


def add_to_group(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController addToGroup: 101 no group, 102 unknown group, 103 unknown user,
    # 104 not admin nor subadmin of the group
    state = req.state
    gid = req.str_param("groupid")
    with state.lock:
        if gid == "":
            raise OcsError(101, "")
        group = state.groups.get(gid)
        if group is None:
            raise OcsError(102, "")
        if userId not in state.users:
            raise OcsError(103, "")
        if not state.is_admin(req.uid) and gid not in state.subadmin_groups(req.uid):
            raise OcsError(104, "")
        if userId not in group.members:
            group.members.append(userId)
    return []


def remove_from_group(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController removeFromGroup: 101-104 as addToGroup, 105 self-removal rules
    state = req.state
    gid = req.str_param("groupid")
    with state.lock:
        if gid.strip() == "":
            raise OcsError(101, "")
        group = state.groups.get(gid)
        if group is None:
            raise OcsError(102, "")
        if userId not in state.users:
            raise OcsError(103, "")
        is_admin = state.is_admin(req.uid)
        if not is_admin and gid not in state.subadmin_groups(req.uid):
            raise OcsError(104, "")
        if userId == req.uid:
            if is_admin and gid == ADMIN_GROUP:
                raise OcsError(105, "Cannot remove yourself from the admin group")
            if not is_admin:
                raise OcsError(105, "Cannot remove yourself from this group as you are a SubAdmin")
        elif not is_admin:
            shared = set(state.subadmin_groups(req.uid)) & set(state.user_groups(userId))
            if len(shared) <= 1:
                raise OcsError(
                    105, "Not viable to remove user from the last group you are SubAdmin of"
                )
        if userId in group.members:
            group.members.remove(userId)
    return []


def add_subadmin(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController addSubAdmin: 101 user, 102 group, 103 admin group
    state = req.state
    gid = req.str_param("groupid")
    with state.lock:
        if userId not in state.users:
            raise OcsError(101, "User does not exist")
        group = state.groups.get(gid)
        if group is None:
            raise OcsError(102, "Group does not exist")
        if gid == ADMIN_GROUP:
            raise OcsError(103, "Cannot create subadmins for admin group")
        # UsersController addSubAdmin: "We cannot be subadmin twice" -> success
        if userId not in group.subadmins:
            group.subadmins.append(userId)
    return []


def remove_subadmin(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController removeSubAdmin: 101 user, 101 group, 102 not a subadmin
    state = req.state
    gid = req.str_param("groupid")
    with state.lock:
        if userId not in state.users:
            raise OcsError(101, "User does not exist")
        group = state.groups.get(gid)
        if group is None:
            raise OcsError(101, "Group does not exist")
        if userId not in group.subadmins:
            raise OcsError(102, "User is not a subadmin of this group")
        group.subadmins.remove(userId)
    return []


def get_subadmin_groups(req: OcsRequest, userId: str) -> list[str]:
    # AUserData.php getUserSubAdminGroupsData: OCSNotFoundException('User does not exist')
    _require_user(req, userId)
    return req.state.subadmin_groups(userId)


def resend_welcome(req: OcsRequest, userId: str) -> list[Any]:
    # UsersController resendWelcomeMessage: 998 not permitted, 101 no e-mail (no mail sent)
    state = req.state
    target = state.users.get(userId)
    if target is None or not _can_manage(req, userId):
        raise OcsError(RESPOND_NOT_FOUND, "")
    if not target.email:
        raise OcsError(101, "Email address not available")
    return []


# --- groups ---------------------------------------------------------------


def _search_groups(req: OcsRequest) -> list[str]:
    needle = req.str_param("search").lower()
    gids = [
        g.gid
        for g in req.state.groups.values()
        if not needle or needle in g.gid.lower() or needle in g.display_name.lower()
    ]
    return _page(
        sorted(gids, key=str.lower), req.int_param("limit"), req.int_param("offset", 0) or 0
    )


def get_groups(req: OcsRequest) -> dict[str, Any]:
    # GroupsController getGroups: group ids matching search, limit, offset
    return {"groups": _search_groups(req)}


def get_groups_details(req: OcsRequest) -> dict[str, Any]:
    # GroupsController getGroupsDetails: id, displayname, usercount, disabled, canAdd/Remove
    state = req.state
    details = []
    for gid in _search_groups(req):
        group = state.groups[gid]
        disabled = sum(1 for m in group.members if m in state.users and not state.users[m].enabled)
        details.append(
            {
                "id": gid,
                "displayname": group.display_name,
                "usercount": len(group.members),
                "disabled": disabled,
                "canAdd": True,
                "canRemove": True,
            }
        )
    return {"groups": details}


def get_group_users(req: OcsRequest, groupId: str) -> dict[str, Any]:
    # GroupsController getGroupUsers: 404 unknown group; admins, subadmins, members only
    state = req.state
    group = state.groups.get(groupId)
    if group is None:
        raise not_found("The requested group could not be found")
    allowed = state.is_admin(req.uid) or req.uid in group.subadmins or req.uid in group.members
    if not allowed:
        raise forbidden()
    return {"users": list(group.members)}


def get_group_users_details(req: OcsRequest, groupId: str) -> dict[str, Any]:
    # GroupsController getGroupUsersDetails: 998 unknown group or not admin/subadmin
    state = req.state
    group = state.groups.get(groupId)
    if group is None or not (state.is_admin(req.uid) or req.uid in group.subadmins):
        raise OcsError(RESPOND_NOT_FOUND, "The requested group could not be found")
    search = req.str_param("search").lower()
    members = [m for m in group.members if not search or search in m.lower()]
    members = _page(members, req.int_param("limit"), req.int_param("offset", 0) or 0)
    details = {}
    for uid in members:
        data = user_data(req, uid)
        details[uid] = data if data is not None else {"id": uid}
    return {"users": details}


def add_group(req: OcsRequest) -> list[Any]:
    # GroupsController addGroup: 101 'Invalid group name', 102 'group exists'
    state = req.state
    gid = req.str_param("groupid")
    with state.lock:
        if not gid:
            raise OcsError(101, "Invalid group name")
        if gid in state.groups:
            raise OcsError(102, "group exists")
        state.add_group(gid, req.str_param("displayname"))
    return []


def update_group(req: OcsRequest, groupId: str) -> list[Any]:
    # GroupsController updateGroup: only displayname (999 otherwise), 998 unknown group
    state = req.state
    if req.str_param("key") != "displayname":
        raise OcsError(RESPOND_UNKNOWN_ERROR, "")
    group = state.groups.get(groupId)
    if group is None:
        raise OcsError(RESPOND_NOT_FOUND, "Group does not exist")
    group.display_name = req.str_param("value")
    return []


def delete_group(req: OcsRequest, groupId: str) -> list[Any]:
    # GroupsController deleteGroup: 101 unknown, 102 for the admin group
    state = req.state
    with state.lock:
        if groupId not in state.groups:
            raise OcsError(101, "")
        if groupId == ADMIN_GROUP:
            raise OcsError(102, "")
        del state.groups[groupId]
    return []


def get_group_subadmins(req: OcsRequest, groupId: str) -> list[str]:
    # GroupsController getSubAdminsOfGroup: 101 'Group does not exist'
    group = req.state.groups.get(groupId)
    if group is None:
        raise OcsError(101, "Group does not exist")
    return list(group.subadmins)


_G = ("groupId",)

# apps/provisioning_api/appinfo/routes.php (root '/cloud'); admin/subadmin flags follow the
# controllers' #[NoAdminRequired] / @NoSubAdminRequired / #[AuthorizedAdminSetting] markers:
# subadmin=True where the method lacks NoSubAdminRequired (getUser, getCurrentUser, editUser,
# the editable fields, getUsersGroups and getGroupUsers have it: any logged-in user)
ROUTES: list[Route] = [
    Route("GET", "/cloud/users", get_users, subadmin=True),
    Route("GET", "/cloud/users/details", get_users_details, subadmin=True),
    Route("POST", "/cloud/users", add_user, subadmin=True),
    Route("GET", "/cloud/user", get_current_user),
    Route("GET", "/cloud/user/fields", editable_fields),
    Route("GET", "/cloud/users/{userId}", get_user),
    Route("PUT", "/cloud/users/{userId}", edit_user),
    Route("DELETE", "/cloud/users/{userId}", delete_user, subadmin=True),
    Route("PUT", "/cloud/users/{userId}/enable", enable_user, subadmin=True),
    Route("PUT", "/cloud/users/{userId}/disable", disable_user, subadmin=True),
    Route("GET", "/cloud/users/{userId}/groups", get_users_groups),
    Route("POST", "/cloud/users/{userId}/groups", add_to_group, subadmin=True),
    Route("DELETE", "/cloud/users/{userId}/groups", remove_from_group, subadmin=True),
    Route("GET", "/cloud/users/{userId}/subadmins", get_subadmin_groups, admin=True),
    Route("POST", "/cloud/users/{userId}/subadmins", add_subadmin, admin=True),
    Route("DELETE", "/cloud/users/{userId}/subadmins", remove_subadmin, admin=True),
    Route("POST", "/cloud/users/{userId}/welcome", resend_welcome, subadmin=True),
    Route("GET", "/cloud/groups", get_groups, subadmin=True),
    Route("GET", "/cloud/groups/details", get_groups_details, subadmin=True),
    Route("POST", "/cloud/groups", add_group, admin=True),
    Route(
        "GET",
        "/cloud/groups/{groupId}/users/details",
        get_group_users_details,
        subadmin=True,
        greedy=_G,
        urldecode=_G,
    ),
    Route("GET", "/cloud/groups/{groupId}/users", get_group_users, greedy=_G, urldecode=_G),
    Route("GET", "/cloud/groups/{groupId}/subadmins", get_group_subadmins, admin=True, greedy=_G),
    Route("GET", "/cloud/groups/{groupId}", get_group_users, greedy=_G, urldecode=_G),
    Route("PUT", "/cloud/groups/{groupId}", update_group, admin=True, greedy=_G, urldecode=_G),
    Route("DELETE", "/cloud/groups/{groupId}", delete_group, admin=True, greedy=_G, urldecode=_G),
]
