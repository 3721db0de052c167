"""In-memory state of the emulator: users, groups, shares, group folders, file ids.

Files live on disk under ``data_dir`` with Nextcloud's own layout: ``<uid>/files`` for a
user's home and ``__groupfolders/<id>`` for a group folder (the groupfolders app stores a
folder by its numeric id, never by its mount point, so a mount point can never choose
where its files land on disk).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

# lib/public/Constants.php: PERMISSION_READ=1, UPDATE=2, CREATE=4, DELETE=8, SHARE=16, ALL=31
PERMISSION_READ = 1
PERMISSION_UPDATE = 2
PERMISSION_CREATE = 4
PERMISSION_DELETE = 8
PERMISSION_SHARE = 16
PERMISSION_ALL = 31

# lib/public/Files/FileInfo.php: SPACE_UNLIMITED = -3
SPACE_UNLIMITED = -3

# apps/dav/lib/Connector/Sabre/Node.php getFileId(): sprintf('%08d', $id) . instance id
INSTANCE_ID = "ocemulator0"

ADMIN_GROUP = "admin"


@dataclass
class User:
    uid: str
    password: str
    display_name: str = ""
    email: str = ""
    enabled: bool = True
    quota: str = "none"
    language: str = "en"
    locale: str = ""
    manager: str = ""
    last_login: int = 0
    notify_email: str = ""
    profile: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    gid: str
    display_name: str
    members: list[str] = field(default_factory=list)
    subadmins: list[str] = field(default_factory=list)


@dataclass
class Share:
    id: int
    share_type: int
    owner: str
    path: str
    file_id: int
    item_type: str
    permissions: int
    stime: int
    share_with: str | None = None
    password_hash: str | None = None
    token: str | None = None
    expiration: str | None = None
    note: str = ""
    label: str = ""
    hide_download: bool = False
    mail_send: bool = False
    # lib/private/Share20/Manager.php deleteFromSelf: group members who removed the share
    # from their own files; it stays for the other members
    left_by: set[str] = field(default_factory=set)


@dataclass
class GroupFolder:
    id: int
    mount_point: str
    groups: dict[str, int] = field(default_factory=dict)
    quota: int = SPACE_UNLIMITED
    acl: bool = False
    acl_default_no_permission: bool = False
    manage: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Location:
    """Where a user-relative path lands on disk, and what the user may do there."""

    base: Path
    parts: tuple[str, ...]
    permissions: int
    folder: GroupFolder | None = None
    mount_parts: tuple[str, ...] = ()

    @property
    def fs_path(self) -> Path:
        return self.base.joinpath(*self.parts) if self.parts else self.base

    @property
    def is_mount_root(self) -> bool:
        return self.folder is not None and not self.parts


class PathEscapeError(ValueError):
    """A path tried to leave its place on disk."""


def safe_join(base: Path, parts: tuple[str, ...] | list[str]) -> Path:
    """Join validated segments under ``base``; refuse anything that would leave it."""
    for part in parts:
        # lib/private/Files/Filesystem.php isValidPath: '..' segments are invalid
        if part in ("", ".", "..") or "/" in part or "\\" in part or "\0" in part:
            raise PathEscapeError(part)
    candidate = base.joinpath(*parts)
    root = os.path.realpath(base)
    real = os.path.realpath(candidate)
    if real != root and not real.startswith(root + os.sep):
        raise PathEscapeError(str(candidate))
    return candidate


def split_path(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def hash_password(password: str) -> str:
    # lib/private/Security/Hasher.php stores "<version>|<hash>"; the emulator uses PBKDF2
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"1|{salt}${digest}"


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                continue
    return total


# lib/private/User/Manager.php validateUserId: allowed characters
_UID_RE = re.compile(r"^[a-zA-Z0-9 _.@\-']+$")


def validate_user_id(uid: str) -> str | None:
    """Return Nextcloud's error message for an invalid user id, or None."""
    # lib/private/User/Manager.php validateUserId (tests/lib/User/ManagerTest.php messages)
    if not _UID_RE.match(uid):
        return (
            'Only the following characters are allowed in a username: "a-z", "A-Z", '
            '"0-9", spaces and "_.@-\'"'
        )
    if uid.strip() == "":
        return "A valid username must be provided"
    if uid.strip() != uid:
        return "Username contains whitespace at the beginning or at the end"
    if uid.strip(".") == "":
        return "Username must not consist of dots only"
    return None


class State:
    """Everything the emulator knows; every access goes through ``lock``."""

    def __init__(self, data_dir: Path, groupfolders: bool = True) -> None:
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self.groupfolders_enabled = groupfolders
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.shares: dict[int, Share] = {}
        self.folders: dict[int, GroupFolder] = {}
        # user_ldap configurations by prefix (s01, s02...): key -> stored value
        self.ldap_configs: dict[str, dict[str, object]] = {}
        self._next_share_id = 1
        self._next_folder_id = 1
        self._next_file_id = 1
        self._file_ids: dict[str, int] = {}
        (data_dir / "__groupfolders").mkdir(parents=True, exist_ok=True)

    # --- users and groups -------------------------------------------------

    def add_user(self, uid: str, password: str, display_name: str = "") -> User:
        with self.lock:
            user = User(uid=uid, password=password, display_name=display_name or uid)
            self.users[uid] = user
            self.home_dir(uid).mkdir(parents=True, exist_ok=True)
            return user

    def add_group(self, gid: str, display_name: str = "") -> Group:
        with self.lock:
            group = Group(gid=gid, display_name=display_name or gid)
            self.groups[gid] = group
            return group

    def user_groups(self, uid: str) -> list[str]:
        with self.lock:
            return [g.gid for g in self.groups.values() if uid in g.members]

    def is_admin(self, uid: str) -> bool:
        group = self.groups.get(ADMIN_GROUP)
        return group is not None and uid in group.members

    def subadmin_groups(self, uid: str) -> list[str]:
        with self.lock:
            return [g.gid for g in self.groups.values() if uid in g.subadmins]

    def is_user_accessible(self, subadmin: str, target: str) -> bool:
        # lib/private/SubAdmin.php isUserAccessible: admins are never accessible to subadmins
        if self.is_admin(target):
            return False
        groups = set(self.user_groups(target))
        return any(g in groups for g in self.subadmin_groups(subadmin))

    def authenticate(self, login: str, password: str) -> str | None:
        # lib/private/User/Session.php login(): a disabled user cannot log in
        with self.lock:
            user = self.users.get(login)
            if user is None or not user.enabled:
                return None
            if not secrets.compare_digest(user.password, password):
                return None
            return user.uid

    # --- storage ----------------------------------------------------------

    def home_dir(self, uid: str) -> Path:
        # Nextcloud's data directory layout: <datadir>/<uid>/files
        return safe_join(self.data_dir, [uid]) / "files"

    def folder_dir(self, folder_id: int) -> Path:
        # apps/groupfolders stores folder <id> under __groupfolders/<id>
        return self.data_dir / "__groupfolders" / str(int(folder_id))

    def folders_for_user(self, uid: str) -> list[tuple[GroupFolder, int]]:
        """Group folders a user sees, with the OR of their groups' permissions."""
        if not self.groupfolders_enabled:
            return []
        with self.lock:
            groups = set(self.user_groups(uid))
            result = []
            for folder in self.folders.values():
                # apps/groupfolders lib/Folder/FolderManager.php getFoldersForUser:
                # permissions of every applicable group of the user are OR-ed
                perms = 0
                applicable = False
                for gid, gperms in folder.groups.items():
                    if gid in groups:
                        applicable = True
                        perms |= gperms
                if applicable:
                    result.append((folder, perms))
            return result

    def resolve(self, uid: str, parts: tuple[str, ...]) -> Location:
        """Map a path of a user's files to disk, honouring group folder mounts."""
        best: tuple[GroupFolder, int, tuple[str, ...]] | None = None
        for folder, perms in self.folders_for_user(uid):
            mount = split_path(folder.mount_point)
            if mount and parts[: len(mount)] == mount:
                if best is None or len(mount) > len(best[2]):
                    best = (folder, perms, mount)
        if best is None:
            base = self.home_dir(uid)
            safe_join(base, parts)
            return Location(base=base, parts=parts, permissions=PERMISSION_ALL)
        folder, perms, mount = best
        base = self.folder_dir(folder.id)
        base.mkdir(parents=True, exist_ok=True)
        rest = parts[len(mount) :]
        safe_join(base, rest)
        return Location(base=base, parts=rest, permissions=perms, folder=folder, mount_parts=mount)

    def child_mounts(self, uid: str, parts: tuple[str, ...]) -> list[str]:
        """Names of group folder mount points directly inside a user's directory."""
        names = []
        for folder, _perms in self.folders_for_user(uid):
            mount = split_path(folder.mount_point)
            if len(mount) == len(parts) + 1 and mount[: len(parts)] == parts:
                names.append(mount[-1])
        return names

    # --- file ids ---------------------------------------------------------

    def file_id(self, path: Path) -> int:
        key = os.path.realpath(path)
        with self.lock:
            if key not in self._file_ids:
                self._file_ids[key] = self._next_file_id
                self._next_file_id += 1
            return self._file_ids[key]

    def moved(self, src: Path, dest: Path) -> None:
        old = os.path.realpath(src)
        new = os.path.realpath(dest)
        with self.lock:
            for key in list(self._file_ids):
                if key == old or key.startswith(old + os.sep):
                    self._file_ids[new + key[len(old) :]] = self._file_ids.pop(key)

    def forget(self, path: Path) -> None:
        old = os.path.realpath(path)
        with self.lock:
            for key in list(self._file_ids):
                if key == old or key.startswith(old + os.sep):
                    del self._file_ids[key]

    # --- ids --------------------------------------------------------------

    def new_share_id(self) -> int:
        with self.lock:
            value = self._next_share_id
            self._next_share_id += 1
            return value

    def new_folder_id(self) -> int:
        # apps/groupfolders: folder_id is the auto-increment key of oc_group_folders
        with self.lock:
            value = self._next_folder_id
            self._next_folder_id += 1
            return value

    def remove_folder_files(self, folder_id: int) -> None:
        path = self.folder_dir(folder_id)
        if path.exists():
            self.forget(path)
            shutil.rmtree(path)
