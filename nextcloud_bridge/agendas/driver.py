"""The CalDAV driver: the calendars each member's agendas need, and who may read them.

For a member subscribing to `agenda`: `<code>-agenda`, the public events calendar, and one
calendar per assembly, owned by the service account. Each assembly calendar is shared
read-only with the assembly's group (`caldav.share:<code>/<assembly>`), on the servers that
can share with a group (see sharing.py); on any other server the driver says once that the
calendars stay the service account's alone, and plans no share.

Observed in one PROPFIND of the service account's calendar home (which carries the shares on
Nextcloud), plus Radicale's one listing of its shares. A calendar no longer wanted is
archived: renamed "[Archivé] …", its events kept. A share no longer wanted is disabled:
Radicale keeps it stopped, Nextcloud removes the sharee (it has no stopped state); the
calendar and its events stay.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from provisioning.drivers import BackendError, Context, Outcome, Scope, TransientBackendError
from provisioning.inventory import Inventory
from provisioning.naming import (
    ARCHIVED_PREFIX,
    PUBLIC_CALENDAR,
    assembly_group,
    calendar_id,
    split_calendar_id,
)
from provisioning.resources import (
    ACTIVE,
    ARCHIVE,
    ARCHIVED,
    DISABLE,
    DISABLED,
    Change,
    Observed,
    Resource,
)

from . import sharing as sharing_mod
from .client import CalDAV

log = logging.getLogger(__name__)

KIND = "caldav.calendar"
SHARE = "caldav.share"
_UNKNOWN = object()


class AgendaDriver:
    backend = "caldav"
    requires_backend = "caldav"
    retire = {KIND: ARCHIVE, SHARE: DISABLE}

    def __init__(self, config: dict):
        self.client = CalDAV(config["url"], config["user"], config["password"])
        self._sharing = _UNKNOWN
        self._lock = threading.Lock()

    @property
    def sharing(self) -> sharing_mod.Sharing | None:
        """How the server shares with groups, asked once (a plan and its re-plan share it)."""
        with self._lock:
            if self._sharing is _UNKNOWN:
                self._sharing = sharing_mod.detect(self.client)
                if self._sharing is None:
                    log.warning(
                        "the CalDAV server at %s cannot share calendars with groups (it is "
                        "neither Nextcloud's DAV nor a Radicale with map sharing): assembly "
                        "calendars stay readable by %s alone, and their members cannot "
                        "subscribe to them",
                        self.client.url,
                        self.client.user,
                    )
            return self._sharing

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        can_share = self.sharing is not None
        for m in inventory.members:
            if not m.subscribes("agenda"):
                continue
            own = frozenset([m.code])
            yield Resource(
                f"{KIND}:{m.code}/{PUBLIC_CALENDAR}",
                {"name": f"Agenda — {m.name}", "description": f"Événements publics de {m.name}"},
                own,
            )
            for a in m.assemblies:
                calendar = f"{KIND}:{m.code}/{a.slug}"
                yield Resource(
                    calendar,
                    {
                        "name": f"{a.name} — {m.name}",
                        "description": f"Séances : {a.name}, {m.name}",
                    },
                    own,
                )
                if can_share:
                    group = assembly_group(m.code, a.slug)
                    # The group must exist before it is given the calendar: Nextcloud ignores
                    # a share with a group it does not know.
                    yield Resource(
                        f"{SHARE}:{m.code}/{a.slug}",
                        {"group": group, "access": sharing_mod.READ},
                        own,
                        (calendar, f"ldap.group:{group}", f"nextcloud.group:{group}"),
                    )

    def observe(self, scope: Scope) -> Iterable[Observed]:
        sharing = self.sharing
        calendars = self.client.list_calendars(
            invites=isinstance(sharing, sharing_mod.NextcloudSharing)
        )
        found = []
        for slug, props in calendars.items():
            parts = split_calendar_id(slug)
            if parts is None:
                continue  # not one of ours
            code, calendar = parts
            if not scope.covers([code]):
                continue
            name = props["name"]
            archived = name.startswith(ARCHIVED_PREFIX)
            found.append(
                Observed(
                    f"{KIND}:{code}/{calendar}",
                    {
                        "name": name.removeprefix(ARCHIVED_PREFIX),
                        "description": props["description"],
                    },
                    ARCHIVED if archived else ACTIVE,
                    frozenset([code]),
                )
            )
        if sharing is not None:
            found.extend(self._observe_shares(sharing, calendars, scope))
        return found

    def _observe_shares(
        self, sharing: sharing_mod.Sharing, calendars: dict, scope: Scope
    ) -> Iterable[Observed]:
        """The share of each assembly calendar with its own group; shares with anyone else
        (made by hand) are not ours and stay as they are."""
        shares: dict[str, Observed] = {}
        for s in sharing.shares(calendars):
            parts = split_calendar_id(s.calendar)
            if parts is None or parts[1] == PUBLIC_CALENDAR:
                continue
            code, calendar = parts
            if s.group != assembly_group(code, calendar) or not scope.covers([code]):
                continue
            key = f"{SHARE}:{code}/{calendar}"
            if key in shares and not s.active:
                continue  # an active one was seen already
            shares[key] = Observed(
                key,
                {"group": s.group, "access": s.access},
                ACTIVE if s.active else DISABLED,
                frozenset([code]),
            )
        return shares.values()

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        outcomes = []
        for c in changes:
            kind, ident = c.key.split(":", 1)
            code, calendar = ident.split("/", 1)
            slug = calendar_id(code, calendar)
            try:
                if kind == SHARE:
                    self._apply_share(c, slug)
                else:
                    self._apply_calendar(c, slug)
                outcomes.append(Outcome(c.key, True))
            except BackendError as exc:
                what = "sharing of calendar" if kind == SHARE else "calendar"
                outcomes.append(
                    Outcome(
                        c.key,
                        False,
                        f"{what} {slug}: {exc}",
                        transient=isinstance(exc, TransientBackendError),
                    )
                )
        return outcomes

    def _apply_calendar(self, c: Change, slug: str) -> None:
        if c.action == ARCHIVE:
            attrs = c.observed.attrs
            self.client.update_calendar(slug, ARCHIVED_PREFIX + attrs["name"], attrs["description"])
        elif c.observed is None:
            self.client.create_calendar(
                slug, c.desired.attrs["name"], c.desired.attrs["description"]
            )
        else:
            self.client.update_calendar(
                slug, c.desired.attrs["name"], c.desired.attrs["description"]
            )

    def _apply_share(self, c: Change, slug: str) -> None:
        sharing = self.sharing
        if sharing is None:
            raise BackendError(f"the CalDAV server at {self.client.url} cannot share calendars")
        if c.action in (DISABLE, ARCHIVE):
            sharing.unshare(slug, c.observed.attrs["group"])
        else:
            sharing.share(slug, c.desired.attrs["group"], exists=c.observed is not None)
