"""Site factory figures (temp SQLite, one process):

- creating sites: apply of a plan creating N sites (registry + wagtail drivers, through the
  engine), time per site;
- median latency of a cached page request with 1 site, then with N sites, side by side in one
  run (target ratio at most 1.2): the per-site page cache must cost the same whatever the
  number of sites;
- requests per second on one worker process: cached pages served by Django's WSGI handler in
  this process, one request at a time, without the network (an upper bound for one worker);
- the uncached home page: SQL queries per page with 1 site, with N sites, and with one site
  holding many more news and events (must be the same count), and its median latency and CPU
  time with the page cache empty (the agenda backend's failure remembered, as it is for a
  minute after it is found down).

Run: .venv/bin/python benchmarks/bench_sites.py [SITES] [REQUESTS]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from _django import start  # noqa: E402 (benchmarks/_django.py)

start("sites")

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Site  # noqa: E402

from nextcloud_bridge.agendas.ics import Event  # noqa: E402
from provisioning.engine import apply_plan, make_plan  # noqa: E402
from provisioning.registry import RegistryDriver  # noqa: E402
from tests.factories import commune_inventory  # noqa: E402
from wagtail_site_factory import agenda  # noqa: E402
from wagtail_site_factory.driver import SiteDriver  # noqa: E402
from wagtail_site_factory.models import NewsIndexPage, NewsPage  # noqa: E402

# Django's default local-memory cache keeps 300 entries; production uses a shared cache
# (Redis) sized for every site's pages. The benchmark gives the local cache room for them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                      "OPTIONS": {"MAX_ENTRIES": 100_000}}}
PATHS = ["/", "/actualites/", "/vie-municipale/actes/", "/contact/", "/mentions-legales/"]


def provision(names: tuple[str, ...]) -> float:
    inv = commune_inventory(names=names)
    drivers = [RegistryDriver(), SiteDriver()]
    plan = make_plan(inv, drivers)
    t = time.perf_counter()
    result = apply_plan(plan, drivers, inventory=inv)
    elapsed = time.perf_counter() - t
    if result.errors:
        raise SystemExit(f"apply failed: {next(iter(result.errors.values()))}")
    return elapsed


def latencies(client: Client, hosts: list[str], count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time (this thread's: other processes' load does not count) of each
    cached request."""
    rng = random.Random(7)
    targets = [(h, p) for h in hosts for p in PATHS]
    for host, path in targets:  # warm the cache
        assert client.get(path, HTTP_HOST=host).status_code == 200
    wall, cpu = [], []
    for _ in range(count):
        host, path = rng.choice(targets)
        t, c = time.perf_counter(), time.thread_time()
        response = client.get(path, HTTP_HOST=host)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
        assert response["X-Mutualis-Cache"] == "hit", (host, path)
    return wall, cpu


def home_queries(client: Client, host: str, events: int = 0) -> int:
    """SQL queries of the home page rendered with every cache empty, the agenda answering
    with `events` events."""
    start = timezone.now() + timezone.timedelta(days=1)
    found = [Event(uid=f"e{i}", summary=f"Événement {i}", start=start + timezone.timedelta(hours=i),
                   end=start + timezone.timedelta(hours=i + 1)) for i in range(events)]
    fetch, agenda._fetch = agenda._fetch, lambda code, s, e: found
    try:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/", HTTP_HOST=host)["X-Mutualis-Cache"] == "miss"
    finally:
        agenda._fetch = fetch
    return len(queries.captured_queries)


def add_news(host: str, count: int) -> None:
    root = Site.objects.get(hostname=host).root_page
    index = NewsIndexPage.objects.descendant_of(root).get()
    for i in range(count):
        index.add_child(instance=NewsPage(title=f"Actualité {i}", intro="…", live=True))


def uncached_home(client: Client, hosts: list[str], rounds: int = 2
                  ) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time of the home page, every cache emptied before each request."""
    wall, cpu = [], []
    for _ in range(rounds):
        for host in hosts:
            cache.clear()
            cache.set(agenda.DOWN_KEY, True, agenda.FAILURE_TTL)
            t, c = time.perf_counter(), time.thread_time()
            response = client.get("/", HTTP_HOST=host)
            wall.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
            assert response["X-Mutualis-Cache"] == "miss", host
    return wall, cpu


@override_settings(CACHES=CACHES)
def main() -> None:
    sites = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "-", "password": "-"}
    call_command("migrate", verbosity=0)
    client = Client()

    provision(("Commune0",))
    cache.clear()
    one = latencies(client, ["commune0.localhost"], requests)
    queries_one = home_queries(client, "commune0.localhost")

    names = tuple(f"Commune{i}" for i in range(sites))
    created = provision(names)
    print(f"sites created: {sites - 1} in {created:.1f} s "
          f"({created / (sites - 1) * 1000:.0f} ms per site, engine and journal included)",
          flush=True)
    cache.clear()
    hosts = [f"commune{i}.localhost" for i in range(sites)]
    sample = random.Random(3).sample(hosts, min(50, sites))
    many = latencies(client, sample, requests)

    t = time.perf_counter()
    done = 0
    while time.perf_counter() - t < 5:
        client.get(PATHS[done % len(PATHS)], HTTP_HOST=sample[done % len(sample)])
        done += 1
    rps = done / (time.perf_counter() - t)

    cache.clear()
    t = time.perf_counter()
    for host in sample[:20]:
        client.get("/", HTTP_HOST=host)
    uncached = (time.perf_counter() - t) / 20
    home_wall, home_cpu = uncached_home(client, sample)

    queries_many = home_queries(client, "commune0.localhost")
    add_news("commune0.localhost", 30)
    queries_full = home_queries(client, "commune0.localhost", events=30)

    m1, mn = statistics.median(one[0]) * 1000, statistics.median(many[0]) * 1000
    c1, cn = statistics.median(one[1]) * 1000, statistics.median(many[1]) * 1000
    print(f"cached page, median latency: 1 site {m1:.2f} ms | {sites} sites {mn:.2f} ms | "
          f"ratio {mn / m1:.2f} (target <= 1.2)")
    print(f"cached page, median CPU time:     1 site {c1:.2f} ms | {sites} sites {cn:.2f} ms | "
          f"ratio {cn / c1:.2f} (insensitive to other processes' load)")
    print(f"cached pages per second, one worker process (in-process WSGI, no network): "
          f"{rps:.0f}")
    print(f"uncached home page (rendered, agenda backend down): {uncached * 1000:.1f} ms "
          "(mean of 20 after one cache clear: the first pays the agenda's retries)")
    print(f"uncached home page, every cache empty: median latency "
          f"{statistics.median(home_wall) * 1000:.1f} ms, median CPU time "
          f"{statistics.median(home_cpu) * 1000:.1f} ms ({len(home_wall)} requests)")
    print(f"uncached home page, SQL queries: 1 site {queries_one} | {sites} sites "
          f"{queries_many} | + 30 news and 30 events {queries_full} (target: the same)")


if __name__ == "__main__":
    main()
