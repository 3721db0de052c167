"""Acts figures (temp SQLite, one process, one commune with its website):

- recording an act (PDF stored, hash computed) and publishing it online (website page,
  document, register entry), per act;
- the SCDL export of N délibérations validated with frictionless, and the register's check
  (hash chain and every published text re-hashed);
- transmission through the S²LOW stand-in over HTTP (archive built and validated, act
  posted, status polled until the ARActe is imported), per act.

Run: .venv/bin/python benchmarks/bench_actes.py [ACTS]
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta

from _django import start  # noqa: E402 (benchmarks/_django.py)

WORK = start("actes")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from actes import opendata, services, transmission  # noqa: E402
from provisioning.models import RegistryMember  # noqa: E402
from tests.actes.classification import classification_xml  # noqa: E402
from tests.doubles.s2low_standin import StandIn  # noqa: E402
from tests.factories import commune_inventory, provision  # noqa: E402
from tests.factories import make_pdf as pdf  # noqa: E402


def timed(label: str, count: int, action) -> float:
    """Wall-clock time, and this thread's CPU time (other processes' load does not count)."""
    start, cpu = time.perf_counter(), time.thread_time()
    for i in range(count):
        action(i)
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    print(f"{label}: {count} in {elapsed:.2f} s ({elapsed / count * 1000:.1f} ms each, "
          f"CPU {cpu / count * 1000:.1f} ms each)", flush=True)
    return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    settings.MEDIA_ROOT = str(WORK / "media")
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "-", "password": "-"}
    call_command("migrate", verbosity=0)
    provision(commune_inventory(names=("Melle",)))
    member = RegistryMember.objects.get()
    member.siren = "217901740"
    member.save()
    services.import_classification(member, classification_xml())
    config = services.settings_of(member)
    config.siret, config.department, config.referent_email = (
        "21790174000013", "079", "mairie@example.fr")
    config.save()
    text = pdf("Délibération", 2)
    acts = []

    def record_and_publish(i: int) -> None:
        act = services.record_act(
            member, number=f"2026_{i:04d}", nature=1,
            decision_date=date(2026, 1, 1) + timedelta(days=i % 300),
            subject=f"Délibération n° {i} : tarifs et subventions", matter_code="7.1",
            filename="deliberation.pdf", pdf=text, votes_for=12, votes_against=1,
            abstentions=2)
        services.publish(act)
        acts.append(act)

    timed("record + publish online", count, record_and_publish)
    start = time.perf_counter()
    content = opendata.export_scdl(member)
    print(f"SCDL export of {count} délibérations, validated: "
          f"{(time.perf_counter() - start) * 1000:.0f} ms ({len(content) // 1024} KiB)")
    start = time.perf_counter()
    assert services.verify_register(member) == []
    print(f"register check of {count} entries: {(time.perf_counter() - start) * 1000:.0f} ms")

    with StandIn(siren=member.siren, department="079", auto_advance=False) as standin:
        settings.MUTUALIS_ACTES_TDT = {"url": standin.url}
        sample = acts[: min(50, count)]

        def send(i: int) -> None:
            sent = transmission.transmit(sample[i])
            standin.advance(sent.transaction_id, 4)
            assert transmission.refresh_act(sample[i])

        timed("transmit + acknowledgement imported (stand-in)", len(sample), send)


if __name__ == "__main__":
    main()
