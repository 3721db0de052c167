"""@ctes transmission figures:

1. archives built and validated per second, for a one-page act with two one-page annexes
   (real PDFs made with reportlab): build only, validate only, both;
2. the round trip of one act through the S²LOW stand-in (a test double, not S²LOW): post
   the archive, poll the status until the ARActe (Posté, En attente, Transmis,
   Acquittement reçu), read the ARActe. The stand-in runs in a process of its own
   (`python -m tests.doubles.s2low_standin`) on loopback.

    .venv/bin/python benchmarks/bench_actes_archive.py [ARCHIVES] [ROUND_TRIPS]

Prints its figures; asserts only that every archive validates and every act is
acknowledged.
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from actes.teletransmission import (  # noqa: E402
    Act,
    Collectivity,
    Document,
    Referent,
    S2lowConnector,
    S2lowSettings,
    build_archive,
    parse_acknowledgement,
    validate,
)

DAY = date(2024, 3, 4)


def one_page_pdf(title: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("Helvetica", 12)
    page.drawString(72, 770, title)
    for line in range(40):
        page.drawString(72, 740 - 16 * line, f"Considérant {line + 1} : texte de la délibération.")
    page.showPage()
    page.save()
    return buffer.getvalue()


def make_act(number: str, act_pdf: bytes, annexes: tuple[bytes, bytes]) -> Act:
    return Act(
        collectivity=Collectivity("217901746", "079", "2", "31"),
        number=number,
        nature=1,
        decision_date=date(2024, 3, 1),
        subject="Approbation du compte administratif 2023",
        matter=("7", "1"),
        classification_date=date(2023, 6, 1),
        document=Document("deliberation.pdf", act_pdf),
        annexes=(Document("annexe-1.pdf", annexes[0]), Document("annexe-2.pdf", annexes[1])),
        referent=Referent("Jeanne Dupont", "05 49 00 00 00", "mairie@example.fr"),
        return_emails=("mairie@example.fr",),
    )


def bench_archives(count: int) -> None:
    act_pdf = one_page_pdf("Délibération n° 2024_001")
    annexes = (one_page_pdf("Annexe 1"), one_page_pdf("Annexe 2"))
    act = make_act("2024_001", act_pdf, annexes)
    build_archive(act, 1, DAY)  # warm the schema cache
    validate(build_archive(act, 1, DAY))

    start = time.perf_counter()
    archives = [build_archive(act, 1 + i % 9999, DAY) for i in range(count)]
    build_s = time.perf_counter() - start

    start = time.perf_counter()
    for archive in archives:
        validate(archive)
    validate_s = time.perf_counter() - start

    start = time.perf_counter()
    for i in range(count):
        validate(build_archive(act, 1 + i % 9999, DAY))
    both_s = time.perf_counter() - start

    size = len(archives[0].content)
    print(
        f"archive: 1-page act + 2 one-page annexes, {len(act_pdf)} + {len(annexes[0])} + "
        f"{len(annexes[1])} bytes of PDF -> {size} bytes tar.gz"
    )
    for label, seconds in (("build only", build_s), ("validate only", validate_s),
                           ("build + validate", both_s)):
        print(f"  {label:<17} {count / seconds:8.0f} archives/s  "
              f"({seconds / count * 1e3:.2f} ms each)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_round_trips(count: int) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.doubles.s2low_standin",
            "--port",
            str(port),
            "--siren",
            "217901746",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        process.stdout.readline()  # "listening on …"
        act_pdf = one_page_pdf("Arrêté")
        annexes = (one_page_pdf("Annexe 1"), one_page_pdf("Annexe 2"))
        settings = S2lowSettings(url=f"http://127.0.0.1:{port}", timeout=10, retries=0)
        times, requests = [], 0
        with S2lowConnector(settings) as tiers:
            for i in range(count):
                archive = build_archive(make_act(f"B{i:05d}", act_pdf, annexes), i + 1, DAY)
                start = time.perf_counter()
                transaction = tiers.send(archive)
                requests += 1
                while True:
                    status = tiers.status(transaction)
                    requests += 1
                    if status.acknowledged:
                        break
                ack = parse_acknowledgement(status.aracte)
                times.append(time.perf_counter() - start)
                assert ack.number == f"B{i:05d}"
        times.sort()
        print(
            f"stand-in round trip (send, {requests // count - 1} status polls, ARActe), "
            f"{count} acts, stand-in in its own process:"
        )
        median = times[len(times) // 2]
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"  mean {statistics.mean(times) * 1e3:.1f} ms, median {median * 1e3:.1f} ms, "
            f"p95 {p95 * 1e3:.1f} ms per act; {requests / sum(times):.0f} requests/s"
        )
    finally:
        process.terminate()
        process.wait(5)


if __name__ == "__main__":
    archives = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    round_trips = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    bench_archives(archives)
    bench_round_trips(round_trips)
