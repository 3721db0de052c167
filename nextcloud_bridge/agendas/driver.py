"""The CalDAV driver: the calendars each member's agendas need.

For a member subscribing to `agenda`: `<code>-agenda`, the public events calendar, and one
calendar per assembly. Observed in one PROPFIND of the service account's calendar home. A
calendar no longer wanted is archived: renamed "[Archivé] …", its events kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from provisioning.drivers import BackendError, Context, Outcome, Scope, TransientBackendError
from provisioning.inventory import Inventory
from provisioning.naming import ARCHIVED_PREFIX, PUBLIC_CALENDAR, calendar_id, split_calendar_id
from provisioning.resources import ACTIVE, ARCHIVE, ARCHIVED, Change, Observed, Resource

from .client import CalDAV

KIND = "caldav.calendar"


class AgendaDriver:
    backend = "caldav"
    requires_backend = "caldav"
    retire = {KIND: ARCHIVE}

    def __init__(self, config: dict):
        self.client = CalDAV(config["url"], config["user"], config["password"])

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
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
                yield Resource(
                    f"{KIND}:{m.code}/{a.slug}",
                    {
                        "name": f"{a.name} — {m.name}",
                        "description": f"Séances : {a.name}, {m.name}",
                    },
                    own,
                )

    def observe(self, scope: Scope) -> Iterable[Observed]:
        for slug, props in self.client.list_calendars().items():
            parts = split_calendar_id(slug)
            if parts is None:
                continue  # not one of ours
            code, calendar = parts
            if not scope.covers([code]):
                continue
            name = props["name"]
            archived = name.startswith(ARCHIVED_PREFIX)
            yield Observed(
                f"{KIND}:{code}/{calendar}",
                {"name": name.removeprefix(ARCHIVED_PREFIX), "description": props["description"]},
                ARCHIVED if archived else ACTIVE,
                frozenset([code]),
            )

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        outcomes = []
        for c in changes:
            code, calendar = c.key.split(":", 1)[1].split("/", 1)
            slug = calendar_id(code, calendar)
            try:
                if c.action == ARCHIVE:
                    attrs = c.observed.attrs
                    self.client.update_calendar(
                        slug, ARCHIVED_PREFIX + attrs["name"], attrs["description"]
                    )
                elif c.observed is None:
                    self.client.create_calendar(
                        slug, c.desired.attrs["name"], c.desired.attrs["description"]
                    )
                else:
                    self.client.update_calendar(
                        slug, c.desired.attrs["name"], c.desired.attrs["description"]
                    )
                outcomes.append(Outcome(c.key, True))
            except BackendError as exc:
                outcomes.append(
                    Outcome(
                        c.key,
                        False,
                        f"calendar {slug}: {exc}",
                        transient=isinstance(exc, TransientBackendError),
                    )
                )
        return outcomes
