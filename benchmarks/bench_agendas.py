"""CalDAV figures: events written into a real Radicale by the agendas client, side by side
with a plain `caldav` library loop writing the same events.

    .venv/bin/python benchmarks/bench_agendas.py [EVENTS]   (default 100)

Each side writes into a calendar of its own (made by the agendas client), on the same
throwaway Radicale; both use the same iCalendar text. The agendas client keeps one pooled
HTTP connection; the caldav library is used as its documentation shows (DAVClient, a
Calendar by URL, save_event per event). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import caldav  # noqa: E402

from nextcloud_bridge.agendas.client import CalDAV  # noqa: E402
from nextcloud_bridge.agendas.ics import PARIS, Event, event_to_ics  # noqa: E402
from nextcloud_bridge.agendas.server import start_radicale  # noqa: E402


def events(count: int, prefix: str) -> list[Event]:
    first = datetime(2026, 9, 1, 18, 30, tzinfo=PARIS)
    return [Event(f"{prefix}-{i}", f"Séance n°{i}", first + timedelta(days=i),
                  first + timedelta(days=i, hours=2), "Salle du conseil")
            for i in range(count)]


def timed(write, items) -> tuple[float, list[float]]:
    each = []
    start = time.perf_counter()
    for item in items:
        t = time.perf_counter()
        write(item)
        each.append(time.perf_counter() - t)
    return time.perf_counter() - start, each


def report(name: str, total: float, each: list[float], count: int) -> None:
    each_ms = sorted(x * 1000 for x in each)
    p95 = each_ms[int(0.95 * (len(each_ms) - 1))]
    print(f"  {name:<34} {total:6.2f} s  {count / total:7.1f} events/s  "
          f"median {statistics.median(each_ms):5.1f} ms  p95 {p95:5.1f} ms")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="bench-agendas-") as tmp:
        server = start_radicale(Path(tmp) / "radicale")
        try:
            s = server.settings()
            ours = CalDAV(s["url"], s["user"], s["password"])
            ours.create_calendar("bench-agendas", "Agendas client")
            ours.create_calendar("bench-caldav", "caldav library")

            # Warm both up with one event each (connections, Radicale's first write).
            ours.put_event("bench-agendas", events(1, "warm")[0])
            client = caldav.DAVClient(url=s["url"], username=s["user"], password=s["password"])
            calendar = client.calendar(url=ours.calendar_url("bench-caldav"))
            calendar.save_event(event_to_ics(events(1, "warm")[0]))

            batch = events(count, "ours")
            total_ours, each_ours = timed(lambda e: ours.put_event("bench-agendas", e), batch)
            texts = [event_to_ics(e) for e in events(count, "lib")]
            total_lib, each_lib = timed(calendar.save_event, texts)

            start, end = datetime(2026, 8, 1, tzinfo=PARIS), datetime(2027, 8, 1, tzinfo=PARIS)
            stored_ours = len(ours.events("bench-agendas", start, end))
            stored_lib = len(ours.events("bench-caldav", start, end))
            ours.close()
        finally:
            server.stop()
    print(f"{count} events into Radicale (one PUT each), on {sys.platform}:")
    report("agendas client (httpx, pooled)", total_ours, each_ours, count)
    report("caldav library loop (save_event)", total_lib, each_lib, count)
    print(f"  ratio agendas/caldav time: {total_ours / total_lib:.2f}")
    print(f"  events read back: agendas {stored_ours}, caldav {stored_lib} "
          f"(each includes 1 warm-up event)")


if __name__ == "__main__":
    main()
