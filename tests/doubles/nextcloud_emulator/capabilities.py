"""Capabilities (core/Controller/OCSController.php) and status.php."""

from __future__ import annotations

from typing import Any

from . import groupfolders
from .ocs import OcsRequest, Route

VERSION = (31, 0, 0)
VERSION_STRING = "31.0.0"
# Not presented as Nextcloud: status.php names the product as what it is.
PRODUCT_NAME = "Mutualis Nextcloud emulator (test double)"


def version() -> dict[str, Any]:
    # core/Controller/OCSController.php getCapabilities: version block
    major, minor, micro = VERSION
    return {
        "major": major,
        "minor": minor,
        "micro": micro,
        "string": VERSION_STRING,
        "edition": "",
        "extendedSupport": False,
    }


def _files_sharing() -> dict[str, Any]:
    # apps/files_sharing/lib/Capabilities.php with the default app configuration
    return {
        "api_enabled": True,
        "public": {
            "enabled": True,
            "password": {"enforced": False, "askForOptionalPassword": False},
            "multiple_links": True,
            "expire_date": {"enabled": False},
            "expire_date_internal": {"enabled": False},
            "expire_date_remote": {"enabled": False},
            "send_mail": False,
            "upload": True,
            "upload_files_drop": True,
            "custom_tokens": False,
        },
        "resharing": True,
        "user": {"send_mail": False, "expire_date": {"enabled": True}},
        "group_sharing": True,
        "group": {"enabled": True, "expire_date": {"enabled": True}},
        "default_permissions": 31,
        "federation": {
            "outgoing": True,
            "incoming": True,
            "expire_date": {"enabled": True},
            "expire_date_supported": {"enabled": True},
        },
        "sharee": {"query_lookup_default": False, "always_show_unique": True},
    }


def capabilities(req: OcsRequest) -> dict[str, Any]:
    caps: dict[str, Any] = {
        # lib/private/OCS/CoreCapabilities.php
        "core": {
            "pollinterval": 60,
            "webdav-root": "remote.php/webdav",
            "reference-api": True,
            "reference-regex": "",
            "mod-rewrite-working": False,
        },
        # apps/files/lib/Capabilities.php
        "files": {
            "bigfilechunking": True,
            "blacklisted_files": [".htaccess"],
            "forbidden_filename_characters": ["\\", "/"],
        },
        # apps/dav/lib/Capabilities.php
        "dav": {"chunking": "1.0", "bulkupload": "1.0"},
    }
    # core/Controller/OCSController.php: public capabilities only when not logged in
    if req.user is not None:
        caps["files_sharing"] = _files_sharing()
        if req.state.groupfolders_enabled:
            caps.update(groupfolders.capability(req.state, req.user))
    return {"version": version(), "capabilities": caps}


def status() -> dict[str, Any]:
    # status.php (and core/Command/Status.php): the fields it reports
    return {
        "installed": True,
        "maintenance": False,
        "needsDbUpgrade": False,
        "version": ".".join(str(v) for v in VERSION) + ".0",
        "versionstring": VERSION_STRING,
        "edition": "",
        "productname": PRODUCT_NAME,
        "extendedSupport": False,
    }


# core/routes.php: ['root' => '/cloud', 'name' => 'OCS#getCapabilities', 'url' => '/capabilities']
ROUTES: list[Route] = [Route("GET", "/cloud/capabilities", capabilities, public=True)]
