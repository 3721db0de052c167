"""Courrier figures (temp SQLite, one process, one commune subscribing to courrier):

- items recorded per second through `courrier.register.record` (chrono number taken under
  its row lock, due date, duplicate check, history's first step), one after the other, and
  with a correspondent and a reference (the duplicate check's query has work to do);
- the register's listing (`/admin/courrier/`, Django's test client and the whole middleware
  stack, on the member's host) with 10,000 items: median and p95 server time of pages 1, 2
  and the last, a filter and a search, and the SQL queries per page (the same on every page).

Run: .venv/bin/python benchmarks/bench_courrier.py [ITEMS_TIMED] [REQUESTS]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from _django import start  # noqa: E402 (benchmarks/_django.py)

WORK = start("courrier")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from courrier import natures as n  # noqa: E402
from courrier import register  # noqa: E402
from courrier.models import Event, Item  # noqa: E402
from provisioning.models import RegistryMember  # noqa: E402
from tests.courrier.staff import DEPARTMENTS, staff  # noqa: E402
from tests.factories import commune_inventory, provision  # noqa: E402

TOTAL = 10_000


def measure(client: Client, host: str, path: str, requests: int) -> tuple[float, float, int]:
    for _ in range(2):
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


def fill(member: RegistryMember, count: int) -> None:
    """`count` more items, written in bulk (the listing's figures do not need each one
    recorded one by one), with their counter moved on."""
    start_at = Item.objects.filter(member=member).count()
    today = date(2026, 6, 30)
    natures = list(n.NATURES)
    items = []
    for i in range(start_at, start_at + count):
        received = today - timedelta(days=i % 365)
        nature = natures[i % len(natures)]
        items.append(Item(
            member=member, chrono=register.chrono_of(2026, n.INCOMING, i + 1), year=2026,
            direction=n.INCOMING, sequence=i + 1, nature=nature,
            kind=n.INVOICE if nature == "facture" else n.LETTER,
            subject=f"Pli {i} : demande n° {i * 7 % 1000}", received_on=received,
            due_on=register.due_date(nature, received),
            department=DEPARTMENTS[i % 3]["slug"] if i % 4 else "",
            status=(n.RECORDED, n.ASSIGNED, n.TREATED, n.CLOSED)[i % 4]))
    Item.objects.bulk_create(items, batch_size=2000)


def main() -> None:
    timed_items = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    settings.MEDIA_ROOT = str(WORK / "media")
    call_command("migrate", verbosity=0)
    provision(commune_inventory(names=("Melle",), services=("website", "extranet", "courrier")))
    member = RegistryMember.objects.get()
    member.departments = DEPARTMENTS
    member.save()
    secretary = staff(member, "bsecretaire", ("secretaire-de-mairie",))

    begin = time.perf_counter()
    for i in range(timed_items):
        register.record(member, subject=f"Pli {i}", received_on=date(2026, 5, 4))
    elapsed = time.perf_counter() - begin
    print(f"record, plain: {timed_items} in {elapsed:.2f} s ({timed_items / elapsed:.0f} "
          "items/s)", flush=True)
    colas = register.add_contact(member, "Colas", siret="73282932000074")
    begin = time.perf_counter()
    for i in range(timed_items):
        register.record(member, subject=f"Facture {i}", kind=n.INVOICE, correspondent=colas,
                        reference=f"F-{i}", amount=Decimal("120.00"),
                        received_on=date(2026, 5, 4))
    elapsed = time.perf_counter() - begin
    print(f"record, invoice with supplier and reference: {timed_items} in {elapsed:.2f} s "
          f"({timed_items / elapsed:.0f} items/s)", flush=True)
    fill(member, TOTAL - Item.objects.count())
    print(f"register: {Item.objects.count()} items, {Event.objects.count()} history steps")

    client = Client()
    client.force_login(secretary)
    last = (Item.objects.count() + 29) // 30
    print(f"{requests} requests per page, after 2 to warm up")
    print(f"{'page':<50} {'median':>8} {'p95':>8} {'queries':>8}")
    for path in ("/admin/courrier/", "/admin/courrier/?p=2", f"/admin/courrier/?p={last}",
                 "/admin/courrier/?department=voirie&overdue=true",
                 "/admin/courrier/?ordering=due_on", "/admin/courrier/?q=demande+n%C2%B0+42"):
        median, p95, queries = measure(client, member.hostname, path, requests)
        print(f"{path:<50} {median:7.1f}ms {p95:7.1f}ms {queries:>8}", flush=True)


if __name__ == "__main__":
    main()
