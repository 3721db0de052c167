"""Public functions of the Nextcloud bridge, for the apps (convocation publishes dossiers).

A path in a member's folders is written `<folder slug>/<path inside the folder>`, e.g.
`conseil-municipal/2026-03-12/ordre-du-jour.pdf`: `publish_files` returns such paths and
`create_public_link` takes them. The Nextcloud client stays hidden behind these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from provisioning.backends import runtime_backend
from provisioning.drivers import ProvisioningError

from .accounts import all_of
from .client import NextcloudClient
from .desired import FOLDER
from .driver import NextcloudDriver
from .folders import SHARES, Found, GroupFolders, SharedFolders

SHARE_LINK = 3  # lib/public/Share/IShare.php TYPE_LINK
READ = 1
_BAD_SEGMENT = re.compile(r"[\\\x00-\x1f]")
MAX_NAME = 250  # Nextcloud refuses longer file names


def nextcloud_settings() -> dict:
    """The Nextcloud backend as the web app and workers reach it: MUTUALIS_NEXTCLOUD in the
    Django settings (url, user, password), else an embedded one if `mutualis services` runs
    one."""
    return runtime_backend("nextcloud", "MUTUALIS_NEXTCLOUD", "Nextcloud backend")


@contextmanager
def _driver() -> Iterator[NextcloudDriver]:
    driver = NextcloudDriver(nextcloud_settings())
    try:
        yield driver
    finally:
        driver.close()


def relative_parts(path: str, what: str = "path") -> list[str]:
    """The segments of a path inside a folder; refuses what could name another place."""
    parts = path.strip("/").split("/")
    for part in parts:
        if part in ("", ".", "..") or _BAD_SEGMENT.search(part) or len(part) > MAX_NAME:
            raise ProvisioningError(f"{what} {path!r} is not a path inside a folder: each "
                                    "part must be a plain name (no '..', no empty part)")
    return parts


async def _folder(client: NextcloudClient, store: GroupFolders | SharedFolders,
                  member_code: str, slug: str) -> Found:
    folder = (await store.list(client)).get(f"{FOLDER}:{member_code.upper()}/{slug}")
    if folder is None or folder.archived:
        raise ProvisioningError(f"member {member_code} has no Nextcloud folder {slug!r} "
                                "(check its services, then apply the inventory)")
    return folder


def publish_files(member_code: str, folder_slug: str, files: dict[str, bytes]) -> list[str]:
    """Store files in one of a member's folders (`extranet`, or an assembly's slug), creating
    subfolders as needed, replacing files of the same name. Returns their paths, for
    `create_public_link`. Names are kept as given: 'a%2Fb.pdf' is a file called so."""
    named = {"/".join(relative_parts(name, "file name")): content
             for name, content in files.items()}
    with _driver() as driver:
        store = driver.folders()
        client = driver.client

        async def publish() -> None:
            base = (await _folder(client, store, member_code, folder_slug)).name
            folders = {tuple(name.split("/")[:i]) for name in named
                       for i in range(1, name.count("/") + 1)}
            for depth in sorted({len(f) for f in folders}):  # parents before children
                await all_of([client.dav_mkcol("/".join((base, *f)))
                              for f in folders if len(f) == depth])
            await all_of([client.dav_put(f"{base}/{name}", content)
                          for name, content in named.items()])

        client.run(publish())
    return [f"{folder_slug}/{name}" for name in named]


def create_public_link(member_code: str, path: str, password: str, expires: date) -> str:
    """A public link (read only) to a file or folder of a member's folders, protected by a
    password and expiring at the start of `expires`; returns its URL. `path` is
    `<folder slug>[/<path inside>]`, as `publish_files` returns it."""
    slug, *inside = relative_parts(path)
    if not password:
        raise ProvisioningError("a public link needs a password")
    if expires <= date.today():
        raise ProvisioningError(f"a public link must expire after today, not on {expires}")
    with _driver() as driver:
        store = driver.folders()
        client = driver.client

        async def share() -> dict:
            base = (await _folder(client, store, member_code, slug)).name
            target = "/" + "/".join((base, *inside))
            # Not retried: a link made by a request that then timed out would be made twice.
            return await client.ocs(
                "POST", SHARES, f"making a public link to {target}", retry=False,
                json={"path": target, "shareType": SHARE_LINK, "permissions": READ,
                      "password": password, "expireDate": expires.isoformat()})

        data = client.run(share())
    if not isinstance(data, dict) or not data.get("url"):
        raise ProvisioningError(f"Nextcloud made no public link for {path}")
    return str(data["url"])


__all__ = ["create_public_link", "nextcloud_settings", "publish_files", "relative_parts"]
