"""GRC figures (temp SQLite, or PostgreSQL with --db=URL; one process, one commune with its
website, subscribing to grc):

- submission: CITIZENS threads at once, each a citizen opening the signalement form on the
  commune's host and posting it with a photo (Pillow check, file stored, request, history,
  receipt mail to Django's in-memory backend), through Django's WSGI handler; p50/p95/max of
  the post;
- agents' listing: REQUESTS requests bulk-created in the member, /admin/grc/ pages (first,
  middle, last, filtered, searched, sorted) timed, with the SQL queries of each page.

The anti-spam's minimum fill time is set to 0 and the per-address limit lifted: every thread
comes from the same address here.

Run: .venv/bin/python benchmarks/bench_grc.py [CITIZENS] [REQUESTS]
         [--db=postgres://postgres@127.0.0.1:5432/mutualis_grc_bench] (dropped and created)
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import threading
import time
from datetime import timedelta

from _django import start  # noqa: E402 (benchmarks/_django.py)

DB = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--db=")), None)
WORK = start("grc", DB)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402

from grc.models import CitizenRequest, new_code  # noqa: E402
from grc.templates_data import ensure_demarches  # noqa: E402
from provisioning.models import RegistryMember  # noqa: E402
from tests.factories import commune_inventory, provision  # noqa: E402

SUBMISSIONS_EACH = 4


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1024, 768), (120, 130, 140)).save(out, "JPEG", quality=85)
    return out.getvalue()


def submissions(member, citizens: int) -> None:
    content = photo()
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(citizens)

    def citizen(i: int) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = Client(HTTP_HOST=member.hostname)
        barrier.wait()
        for n in range(SUBMISSIONS_EACH):
            form = client.get("/demarches/en-ligne/signalement/").content.decode()
            token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
            data = {"name": f"Citoyen {i}", "email": f"c{i}@example.org",
                    "f_categorie": "Voirie (chaussée, trottoir)", "f_lieu": f"{n} rue du Pont",
                    "f_description": "Nid-de-poule", "form_token": token, "site_web": "",
                    "a_photo": SimpleUploadedFile("p.jpg", content, "image/jpeg")}
            began = time.perf_counter()
            answer = client.post("/demarches/en-ligne/signalement/", data)
            spent = time.perf_counter() - began
            with lock:
                times.append(spent)
                if answer.status_code != 302:
                    errors.append(str(answer.status_code))

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(citizens)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    print(f"submission, {citizens} concurrent citizens x {SUBMISSIONS_EACH} (photo "
          f"{len(content) // 1024} KiB): {len(times)} posts in {wall:.1f} s; "
          f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 95) * 1000:.0f}"
          f" ms, max {max(times) * 1000:.0f} ms; refused: {len(errors)} {sorted(set(errors))}",
          flush=True)
    assert CitizenRequest.objects.count() == len(times) - len(errors)


def bulk(member, count: int) -> None:
    demarches = ensure_demarches(member)
    now = timezone.now()
    began = time.perf_counter()
    batch = []
    for i in range(count):
        d = demarches[i % len(demarches)]
        created = now - timedelta(minutes=i * 5)
        batch.append(CitizenRequest(
            member=member, demarche=d, code=new_code(), channel=("web", "guichet",
                                                                 "telephone")[i % 3],
            status=("recue", "en-cours", "delivree")[i % 3], name=f"Personne {i}",
            email=f"p{i}@example.org", answers={"lieu": f"{i} rue"}, created_at=created,
            due_at=created + timedelta(days=d.deadline_days),
            closed_at=created + timedelta(days=2) if i % 3 == 2 else None))
        if len(batch) == 5000:
            CitizenRequest.objects.bulk_create(batch)
            batch = []
    CitizenRequest.objects.bulk_create(batch)
    if connection.vendor == "postgresql":  # the planner's statistics, as autovacuum would
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE grc_citizenrequest")
    print(f"bulk-created {count} requests in {time.perf_counter() - began:.1f} s", flush=True)


def listing(member, count: int) -> None:
    from django.contrib.auth.models import Group, User

    from provisioning.naming import staff_group
    from tests.factories import add_person

    add_person(member, "zbench", roles=("secretaire-de-mairie",))
    user = User.objects.create_user("zbench")
    user.groups.add(*Group.objects.filter(name=staff_group(member.code)))
    client = Client(HTTP_HOST=member.hostname)
    client.force_login(user)
    last = (count + 49) // 50
    pages = {"first page": "", "page 2": "?p=2", f"page {last // 2}": f"?p={last // 2}",
             f"last page ({last})": f"?p={last}", "overdue": "?overdue=true",
             "phone, in progress": "?channel=telephone&status=en-cours",
             "sorted by due date": "?ordering=due_at", "searched (name)": "?q=Personne%2012345"}
    for label, query in pages.items():
        times = []
        for _i in range(8):
            with CaptureQueriesContext(connection) as seen:
                began = time.perf_counter()
                answer = client.get("/admin/grc/" + query)
                times.append(time.perf_counter() - began)
            assert answer.status_code == 200, (label, answer.status_code)
        slowest = max(seen.captured_queries, key=lambda q: float(q["time"]))
        sql_time = sum(float(q["time"]) for q in seen.captured_queries)
        print(f"listing {label}: p50 {statistics.median(times) * 1000:.0f} ms, p95 "
              f"{percentile(times, 95) * 1000:.0f} ms, {len(seen)} SQL queries "
              f"({sql_time * 1000:.0f} ms in SQL; slowest {float(slowest['time']) * 1000:.0f} ms:"
              f" {slowest['sql'][:160]}…)", flush=True)


def main() -> None:
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    citizens = numbers[0] if numbers else 50
    count = numbers[1] if len(numbers) > 1 else 100_000
    print(f"database: {connection.vendor}", flush=True)
    settings.MEDIA_ROOT = str(WORK / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MUTUALIS_GRC_MIN_FILL_SECONDS = 0
    settings.MUTUALIS_GRC_SUBMIT_MAX = 10**9
    settings.ALLOWED_HOSTS = ["*"]
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "-", "password": "-"}
    call_command("migrate", verbosity=0)
    inventory = commune_inventory(names=("Melle",), services=("website", "extranet", "grc"))
    provision(inventory)
    member = RegistryMember.objects.get()
    submissions(member, citizens)
    bulk(member, count)
    listing(member, count)


if __name__ == "__main__":
    main()
