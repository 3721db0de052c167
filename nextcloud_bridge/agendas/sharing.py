"""Sharing an assembly's calendar, read-only, with the assembly's group.

Two kinds of server can do it, each in its own way; `detect()` says which one the CalDAV
backend is, or None when it can do neither:

- **Nextcloud's DAV** (`…/remote.php/dav`): the sharing plugin of apps/dav. A POST of an
  `oc:share` document to the calendar adds or removes sharees
  (apps/dav/lib/DAV/Sharing/Plugin.php, Xml/ShareRequest.php); the sharee of a group is the
  principal `principals/groups/<urlencoded gid>` (Sharing/Backend.php), read-only unless the
  `oc:set` holds `oc:read-write`. The calendar's `oc:invite` property lists its sharees
  (Xml/Invite.php), so that one PROPFIND of the calendar home observes calendars and shares.
- **Radicale** (3.8 and later, `[sharing] collection_by_map = true`): a "map" share by group.
  The owner POSTs to `/.sharing/v1/map/create` a share whose `User` is `:<group>` and whose
  `PathOrToken` is `/{user}/<calendar>/`; every person whose login brings that group (from
  the directory, `[auth] ldap_groups_attribute`) then finds `/<uid>/<calendar>/` in their own
  calendar home, mapped onto the owner's calendar with the share's permissions
  (radicale/sharing/__init__.py, sharing/common.py). `/.sharing/v1/map/list` lists the
  owner's shares in one request; `disable` keeps a share but stops it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, unquote

from provisioning.drivers import BackendError

from .client import NS, CalDAV, xml_text

READ, READ_WRITE = "read", "read-write"
GROUP_PRINCIPAL = "principal:principals/groups/"
NO_SUCH_ROUTE = (*(c for c in range(300, 500) if c != 401), 501)


@dataclass(frozen=True)
class Share:
    calendar: str  # the calendar id, e.g. 79174-conseil-municipal
    group: str
    access: str  # READ or READ_WRITE
    active: bool = True  # False: kept by the server but stopped (Radicale's disable)


class NextcloudSharing:
    def __init__(self, client: CalDAV):
        self.client = client

    def shares(self, calendars: dict[str, dict]) -> list[Share]:
        """The group sharees of each calendar, from list_calendars(invites=True)."""
        found = []
        for slug, calendar in calendars.items():
            for href, access in calendar.get("invite", []):
                if href.startswith(GROUP_PRINCIPAL):
                    found.append(Share(slug, unquote(href[len(GROUP_PRINCIPAL):]), access))
        return found

    def _post(self, slug: str, inner: str) -> None:
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><oc:share xmlns:d="DAV:" '
            f'xmlns:oc="{NS["oc"]}">{inner}</oc:share>'
        )
        self.client.post_xml(self.client.calendar_url(slug), body)

    @staticmethod
    def _href(group: str) -> str:
        # Principal.php builds group principals with urlencode($gid): the same form here.
        return xml_text(GROUP_PRINCIPAL + quote(group, safe=""))

    def share(self, slug: str, group: str, exists: bool = False) -> None:
        # Setting a sharee again replaces its access (Backend::shareWith unshares first), so
        # this both creates the share and puts a read-write one back to read-only.
        self._post(
            slug,
            f"<oc:set><d:href>{self._href(group)}</d:href>"
            f"<oc:summary>{xml_text(f'Agenda partagé avec le groupe {group}')}</oc:summary>"
            "</oc:set>",
        )
        # Nextcloud answers 200 even when it ignores a sharee whose group it does not know
        # (Backend::shareWith): read the share back so that this says so.
        recorded = self.shares({slug: {"invite": self.client.invite(slug)}})
        if Share(slug, group, READ) not in recorded:
            raise BackendError(
                f"Nextcloud did not share the calendar {slug} with the group {group}: "
                "that group does not exist in Nextcloud (provision it, or check the "
                "nextcloud backend's mode)"
            )

    def unshare(self, slug: str, group: str) -> None:
        self._post(slug, f"<oc:remove><d:href>{self._href(group)}</d:href></oc:remove>")


class RadicaleSharing:
    def __init__(self, client: CalDAV):
        self.client = client
        self.api = f"{client.url}/.sharing/v1/map/"

    def _paths(self, slug: str) -> tuple[str, str]:
        """The owner's calendar, and where each member of the group finds it."""
        return f"/{self.client.user}/{slug}/", f"/{{user}}/{slug}/"

    def _call(self, action: str, data: dict, ok: tuple[int, ...] = ()) -> dict:
        response = self.client.post_json(self.api + action, data, ok=ok)
        if response.status_code != 200:
            return {"Status": str(response.status_code)}
        try:
            return json.loads(response.content)
        except ValueError:
            raise BackendError(
                f"Radicale's sharing API answered {action} with something that is not JSON"
            ) from None

    def shares(self, calendars: dict[str, dict]) -> list[Share]:
        """The service account's group shares of its own calendars, in one request."""
        found = []
        rows = self._call("list", {}).get("Content") or []
        home = f"/{self.client.user}/"
        for row in rows:
            mapped, user = row.get("PathMapped", ""), row.get("User", "")
            if row.get("Owner") != self.client.user or not user.startswith(":"):
                continue  # not ours, or shared with a person rather than a group
            slug = mapped[len(home):].strip("/") if mapped.startswith(home) else ""
            if not slug or "/" in slug or row.get("PathOrToken") != self._paths(slug)[1]:
                continue  # a share made by hand, under another name
            access = READ_WRITE if "w" in row.get("Permissions", "") else READ
            active = bool(row.get("EnabledByOwner")) and not row.get("HiddenByOwner")
            for group in user[1:].split(","):
                found.append(Share(slug, group, access, active))
        return found

    def share(self, slug: str, group: str, exists: bool = False) -> None:
        mapped, token = self._paths(slug)
        # Enabled and not hidden: members see the calendar in their home at once.
        wanted = {"PathOrToken": token, "Permissions": "r", "Enabled": True, "Hidden": False}
        if not exists:
            answer = self._call(
                "create", {**wanted, "PathMapped": mapped, "User": f":{group}"}, ok=(403, 409)
            )
            if answer.get("Status") == "success":
                return
            if answer.get("Status") == "403":
                raise BackendError(
                    f"Radicale does not let {self.client.user} share {mapped} (HTTP 403): give "
                    "it the M right in Radicale's rights file, or set [sharing] "
                    "permit_create_map = true"
                )
            # 409: created by an interrupted run, or by hand: make it what we want below.
        self._call("update", wanted)

    def unshare(self, slug: str, group: str) -> None:
        # Disabled, not deleted: the share stays listed, and share() enables it again.
        self._call("disable", {"PathOrToken": self._paths(slug)[1]}, ok=(404,))


Sharing = NextcloudSharing | RadicaleSharing


def detect(client: CalDAV) -> Sharing | None:
    """How this server shares calendars with groups, or None when it cannot."""
    if client.nextcloud:
        return NextcloudSharing(client)
    # Radicale's `info` action says whether map sharing is on; any other server (or a
    # Radicale without it, which answers 404) has no such route. A refused login (401) and a
    # server in trouble (5xx but 501) are errors, not an answer.
    response = client.post_json(
        f"{client.url}/.sharing/v1/map/info", {}, ok=NO_SUCH_ROUTE
    )
    if response.status_code == 200:
        try:
            if json.loads(response.content).get("FeatureEnabledCollectionByMap") is True:
                return RadicaleSharing(client)
        except (ValueError, AttributeError):
            pass
    return None
