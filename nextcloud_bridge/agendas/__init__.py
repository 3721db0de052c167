"""CalDAV agendas of the members: a public events calendar per member (the website shows it)
and a calendar per assembly. The apps and the site factory call these functions; the CalDAV
client stays hidden behind them.
"""

from .ics import PARIS, Event
from .services import public_events, upsert_event

__all__ = ["PARIS", "Event", "public_events", "upsert_event"]
