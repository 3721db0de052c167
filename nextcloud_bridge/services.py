"""Public functions of the Nextcloud bridge, for the apps (convocation publishes dossiers).

A path in a member's folders is written `<folder slug>/<path inside the folder>`, e.g.
`conseil-municipal/2026-03-12/ordre-du-jour.pdf`: `publish_files` returns such paths and
`create_public_link` takes them. The Nextcloud client stays hidden behind these functions.

Their refusals are French clauses, without a final period, for the apps to put in the
sentences they show people (« Le dossier n'a pas été déposé dans Nextcloud (…) »); a
Nextcloud that does not answer raises the client's TransientBackendError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.utils.translation import gettext as _

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


class FolderMissing(ProvisioningError):
    """The member has no such folder in Nextcloud (yet): the inventory must be applied."""


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


def relative_parts(path: str) -> list[str]:
    """The segments of a path inside a folder; refuses what could name another place."""
    parts = path.strip("/").split("/")
    for part in parts:
        if part in ("", ".", "..") or _BAD_SEGMENT.search(part) or len(part) > MAX_NAME:
            raise ProvisioningError(_("« %(path)s » n'est pas un chemin dans un dossier : "
                                      "chaque partie doit être un simple nom (ni « .. », ni "
                                      "partie vide)") % {"path": path})
    return parts


async def _folder(client: NextcloudClient, store: GroupFolders | SharedFolders,
                  member_code: str, slug: str) -> Found:
    folder = (await store.list(client)).get(FOLDER(member_code.upper(), slug))
    if folder is None or folder.archived:
        raise FolderMissing(_("le dossier Nextcloud « %(slug)s » de la collectivité %(code)s "
                              "n'existe pas (le syndicat doit vérifier ses services, puis "
                              "appliquer l'inventaire)") % {"slug": slug, "code": member_code})
    return folder


def publish_files(member_code: str, folder_slug: str, files: dict[str, bytes]) -> list[str]:
    """Store files in one of a member's folders (`extranet`, or an assembly's slug), creating
    subfolders as needed, replacing files of the same name. Returns their paths, for
    `create_public_link`. Names are kept as given: 'a%2Fb.pdf' is a file called so."""
    named = {"/".join(relative_parts(name)): content
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


def remove_files(member_code: str, folder_slug: str, names: list[str]) -> int:
    """Delete files of one of a member's folders (`<path inside the folder>` each); those
    already gone are not an error. Returns how many were there."""
    named = ["/".join(relative_parts(name)) for name in names]
    with _driver() as driver:
        store = driver.folders()
        client = driver.client

        async def remove() -> int:
            base = (await _folder(client, store, member_code, folder_slug)).name
            there: list[bool] = []

            async def one(name: str) -> None:
                there.append(await client.dav_delete(f"{base}/{name}"))

            await all_of([one(name) for name in named])
            return sum(there)

        return client.run(remove())


def create_public_link(member_code: str, path: str, password: str, expires: date) -> str:
    """A public link (read only) to a file or folder of a member's folders, protected by a
    password and expiring at the start of `expires`; returns its URL. `path` is
    `<folder slug>[/<path inside>]`, as `publish_files` returns it."""
    slug, *inside = relative_parts(path)
    if not password:
        raise ProvisioningError(_("un lien public doit avoir un mot de passe"))
    if expires <= date.today():
        raise ProvisioningError(_("un lien public doit expirer après aujourd'hui, pas le "
                                  "%(date)s") % {"date": expires.strftime("%d/%m/%Y")})
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
        raise ProvisioningError(_("Nextcloud n'a pas créé de lien public pour « %(path)s »")
                                % {"path": path})
    return str(data["url"])


__all__ = ["create_public_link", "nextcloud_settings", "publish_files", "relative_parts",
           "remove_files"]
