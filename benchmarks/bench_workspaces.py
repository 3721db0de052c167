"""Workspace figures (temp SQLite, one process): the server time of the staff's dashboard
(`/admin/`, the Wagtail admin's home with the member's panels) and of the officials' space
home (`/espace-elus/`), through Django's test client and the whole middleware stack, on the
member's host, with the number of SQL queries each page makes.

A member with 100 sittings, 1,000 parapheur folders and 2,000 acts (tests/workspace/data.py
says how they are spread: drafts late and in time, folders at the secrétaire's visa and at the
maire's signature, acts published, transmitted, acknowledged, refused, with letters of the
prefecture), and another member with a tenth of each: the query counts should be the same.

Run: .venv/bin/python benchmarks/bench_workspaces.py [REQUESTS]
"""

from __future__ import annotations

import statistics
import sys
import time

from _django import start  # noqa: E402 (benchmarks/_django.py)

WORK = start("workspaces")

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from portal.space import FOLDERS_SHOWN  # noqa: E402
from tests.workspace.data import fill, parapheur_council  # noqa: E402
from workspace.folders import waiting_folders  # noqa: E402

FULL = (100, 1000, 2000)  # sittings, folders, acts


def measure(client: Client, host: str, path: str, requests: int) -> tuple[float, float, int]:
    """Median and 95th percentile in ms, and the queries of one request."""
    for _ in range(3):  # warm: templates compiled, caches filled
        assert client.get(path, HTTP_HOST=host).status_code == 200
    times = []
    for _ in range(requests):
        begin = time.perf_counter()
        response = client.get(path, HTTP_HOST=host)
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(path, HTTP_HOST=host)
    return statistics.median(times), statistics.quantiles(times, n=20)[18], len(queries)


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    settings.MEDIA_ROOT = str(WORK / "media")
    call_command("migrate", verbosity=0)
    print(f"{requests} requests per page, after 3 to warm up")
    print(f"{'member':<34} {'page':<14} {'median':>8} {'p95':>8} {'queries':>8}")
    for name, scale in (("Lezay", 10), ("Melle", 1)):
        counts = [n // scale for n in FULL]
        started = time.perf_counter()
        filled = fill(parapheur_council(name), *counts)
        made = time.perf_counter() - started
        label = f"{name} ({counts[0]} s., {counts[1]} f., {counts[2]} a.)"
        for who, path in ((filled.secretary, "/admin/"), (filled.maire, "/espace-elus/")):
            client = Client()
            client.force_login(User.objects.get_or_create(username=who.uid)[0])
            median, p95, queries = measure(client, filled.member.hostname, path, requests)
            print(f"{label:<34} {path:<14} {median:7.1f}ms {p95:7.1f}ms {queries:>8}",
                  flush=True)
        waiting = waiting_folders(filled.maire).count()
        print(f"  (data made in {made:.1f} s; {waiting} folders wait for the maire: the space "
              f"lists the {min(waiting, FOLDERS_SHOWN)} oldest, the dashboard 10 rows per panel)")


if __name__ == "__main__":
    main()
