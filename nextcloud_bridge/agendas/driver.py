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
from collections.abc import Iterable

from provisioning import keys
from provisioning.drivers import BackendError, BaseDriver, Context, Scope
from provisioning.inventory import Inventory
from provisioning.naming import (
    ARCHIVED_PREFIX,
    PUBLIC_CALENDAR,
    assembly_group,
    calendar_id,
    split_calendar_id,
)
from provisioning.resources import ARCHIVE, DISABLE, Change, Observed, Resource

from . import sharing as sharing_mod
from .client import CalDAV

log = logging.getLogger(__name__)

KIND = keys.CALDAV_CALENDAR
SHARE = keys.CALDAV_SHARE
_UNKNOWN = object()


def _slug(c: Change) -> str:
    return calendar_id(*keys.pair_of(c.key))


class AgendaDriver(BaseDriver):
    backend = "caldav"
    retire = {KIND: ARCHIVE, SHARE: DISABLE}

    def __init__(self, config: dict):
        super().__init__(config)
        self._sharing = _UNKNOWN
        self._lock = threading.Lock()

    def connect(self) -> CalDAV:
        return CalDAV(self.config["url"], self.config["user"], self.config["password"])

    @property
    def sharing(self) -> sharing_mod.Sharing | None:
        """How the server shares with groups, asked once (a plan and its re-plan share it;
        a client built again after close() gets the same kind of sharing)."""
        client = self.client
        with self._lock:
            if self._sharing is _UNKNOWN:
                self._sharing = sharing_mod.detect(client)
                if self._sharing is None:
                    log.warning(
                        "the CalDAV server at %s cannot share calendars with groups (it is "
                        "neither Nextcloud's DAV nor a Radicale with map sharing): assembly "
                        "calendars stay readable by %s alone, and their members cannot "
                        "subscribe to them",
                        client.url,
                        client.user,
                    )
            elif self._sharing is not None and self._sharing.client is not client:
                self._sharing = type(self._sharing)(client)
            return self._sharing

    def probe(self, context: Context) -> None:
        context.probed[self.backend] = {"can_share": self.sharing is not None}

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        can_share = self.probed(context)["can_share"]
        for m in inventory.members:
            if not m.subscribes("agenda"):
                continue
            own = frozenset([m.code])
            yield Resource(
                KIND(m.code, PUBLIC_CALENDAR),
                {"name": f"Agenda — {m.name}", "description": f"Événements publics de {m.name}"},
                own,
            )
            for a in m.assemblies:
                calendar = KIND(m.code, a.slug)
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
                        SHARE(m.code, a.slug),
                        {"group": group, "access": sharing_mod.READ},
                        own,
                        (calendar, keys.LDAP_GROUP(group), keys.NEXTCLOUD_GROUP(group)),
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
            name = props["name"]
            found.append(
                Observed(
                    KIND(code, calendar),
                    {
                        "name": name.removeprefix(ARCHIVED_PREFIX),
                        "description": props["description"],
                    },
                    self.state(KIND, not name.startswith(ARCHIVED_PREFIX)),
                    frozenset([code]),
                )
            )
        if sharing is not None:
            found.extend(self._observe_shares(sharing, calendars))
        return found

    def _observe_shares(self, sharing: sharing_mod.Sharing, calendars: dict
                        ) -> Iterable[Observed]:
        """The share of each assembly calendar with its own group; shares with anyone else
        (made by hand) are not ours and stay as they are."""
        shares: dict[str, Observed] = {}
        for s in sharing.shares(calendars):
            parts = split_calendar_id(s.calendar)
            if parts is None or parts[1] == PUBLIC_CALENDAR:
                continue
            code, calendar = parts
            if s.group != assembly_group(code, calendar):
                continue
            key = SHARE(code, calendar)
            if key in shares and not s.active:
                continue  # an active one was seen already
            shares[key] = Observed(
                key,
                {"group": s.group, "access": s.access},
                self.state(SHARE, s.active),
                frozenset([code]),
            )
        return shares.values()

    # ------------------------------------------------------------------ apply

    def subject(self, c: Change) -> str:
        what = "sharing of calendar" if c.kind == SHARE else "calendar"
        return f"{what} {_slug(c)}"

    def _archive_calendar(self, c: Change) -> None:
        attrs = c.observed.attrs
        self.client.update_calendar(_slug(c), ARCHIVED_PREFIX + attrs["name"],
                                    attrs["description"])

    def _ensure_calendar(self, c: Change) -> None:
        want = c.desired.attrs
        if c.observed is None:
            self.client.create_calendar(_slug(c), want["name"], want["description"])
        else:
            self.client.update_calendar(_slug(c), want["name"], want["description"])

    def _sharing_or_fail(self) -> sharing_mod.Sharing:
        sharing = self.sharing
        if sharing is None:
            raise BackendError(f"the CalDAV server at {self.client.url} cannot share calendars")
        return sharing

    def _unshare(self, c: Change) -> None:
        self._sharing_or_fail().unshare(_slug(c), c.observed.attrs["group"])

    def _share(self, c: Change) -> None:
        self._sharing_or_fail().share(_slug(c), c.desired.attrs["group"],
                                      exists=c.observed is not None)

    handlers = {
        KIND: _ensure_calendar,
        (KIND, ARCHIVE): _archive_calendar,
        SHARE: _share,
        (SHARE, DISABLE): _unshare,
        (SHARE, ARCHIVE): _unshare,
    }
