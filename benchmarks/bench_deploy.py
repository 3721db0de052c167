"""Deployed figures, on the deploy test's loopback hosts (tests/ansible/deployment.py: the
playbook run for real, gunicorn, Celery workers, Caddy with pebble), side by side in one run:

- pages through the front (HTTPS, kept-alive connections, CLIENTS at once): cached (the
  shared Redis page cache answers) and uncached (a new address each time: Wagtail renders),
  with two application servers, then with one (the other stopped), and the ratio;
- apply throughput: members created per second (registry + Wagtail site each) through the
  deployed workers, with two worker hosts, then with one.

Each is measured with two, one, then two again: the two figures for two show how much the
order alone (a warmer machine, other work) moves them.

Every process runs on this machine: the figures say how the shape scales on its cores, not
what separate machines would give (with two cores, two web hosts cannot double anything).

Run: .venv/bin/python benchmarks/bench_deploy.py [REQUESTS] [MEMBERS]
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from provisioning.backends import stop_process  # noqa: E402
from tests.ansible.deployment import (  # noqa: E402
    FRONT,
    INVENTORY,
    SITES_DOMAIN,
    WORKER_UNITS,
    Deployment,
    inventory_with,
)

CLIENTS = 4
HOST = f"juille.{SITES_DOMAIN}"
CACHED_PATHS = ["/", "/actualites/", "/contact/", "/mentions-legales/"]


def pages_per_second(d: Deployment, context: ssl.SSLContext, paths: list[str]) -> float:
    """Requests per second through the front, CLIENTS connections kept alive at once."""
    url = f"https://{FRONT}:{d.https_port}"
    chunks = [paths[i::CLIENTS] for i in range(CLIENTS)]

    def visit(chunk: list[str]) -> None:
        with httpx.Client(verify=context, timeout=60) as client:
            for path in chunk:
                answer = client.get(url + path, headers={"Host": HOST},
                                    extensions={"sni_hostname": HOST})
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code}")

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(visit, chunks))
    return len(paths) / (time.perf_counter() - started)


def pages(d: Deployment, context: ssl.SSLContext, requests: int, run: str) -> tuple[float, float]:
    warm = [p for p in CACHED_PATHS for _ in range(2)]
    pages_per_second(d, context, warm)  # every path stored once
    cached = pages_per_second(d, context, [CACHED_PATHS[i % len(CACHED_PATHS)]
                                           for i in range(requests)])
    uncached = pages_per_second(d, context, [f"/?{run}={i}" for i in range(requests // 4)])
    return cached, uncached


def apply_rates(d: Deployment, total: int, new: int) -> tuple[float, float]:
    """Apply an inventory of `total` more communes, `new` of them not there yet: new members
    a second, and changes a second."""
    inventory = d.tmp / f"inventaire-{total}.yml"
    inventory.write_text(inventory_with(total))
    plan = d.cli("plan", str(inventory), "--json")
    changes = sum(1 for c in json.loads(plan.stdout)["changes"] if c["action"] != "noop")
    started = time.perf_counter()
    proc = d.cli("apply", str(inventory), "--yes", timeout=900)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    return new / elapsed, changes / elapsed


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    for tool in ("caddy", "pebble", "pebble-challtestsrv", "psql", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"bench_deploy needs {tool} (scripts/setup.sh)")
    tmp = Path(tempfile.mkdtemp(prefix="mutualis-bench-deploy-"))
    d = Deployment(tmp)
    try:
        d.write_inventory()
        d.pebble.start()
        started = time.perf_counter()
        rc, out = d.playbook()
        if rc != 0:
            raise SystemExit(out[-5000:])
        print(f"deploy.yml onto 6 loopback hosts: {time.perf_counter() - started:.0f} s")
        d.start_redis()
        for host in ("web1", "web2"):
            d.start(host, "mutualis-web.service")
        for host in ("worker1", "worker2"):
            d.start_workers(host)
        for host in ("web1", "web2"):
            d.wait_for_web(host)
        d.start_front()
        first = d.tmp / "inventaire.yml"
        first.write_text(INVENTORY)
        if (proc := d.cli("apply", str(first), "--yes")).returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)
        roots = d.tmp / "pebble-roots.pem"
        roots.write_text(d.pebble.issuing_roots())
        context = ssl.create_default_context(cafile=str(roots))
        pages_per_second(d, context, ["/"])  # the certificate, obtained from pebble

        # Two, one, then two again: the second figure for two says what order alone does.
        two = pages(d, context, requests, "deux")
        stop_process(d.processes["web2/mutualis-web.service"], timeout=30)
        time.sleep(6)  # Caddy's health check (every 5 s) takes it out of rotation
        one = pages(d, context, requests, "un")
        d.start("web2", "mutualis-web.service")
        d.wait_for_web("web2")
        time.sleep(6)  # and back in
        again = pages(d, context, requests, "encore")
        print(f"pages through the front, {CLIENTS} clients, {requests} cached and "
              f"{requests // 4} uncached requests:")
        print(f"  {'':20}{'2 web hosts':>13}{'1 web host':>12}{'2 again':>10}{'ratio 2/1':>11}")
        for i, label in enumerate(("cached pages/s", "uncached pages/s")):
            a, b, c = two[i], one[i], again[i]
            print(f"  {label:20}{a:13.1f}{b:12.1f}{c:10.1f}{(a + c) / 2 / b:11.2f}")

        with_two = apply_rates(d, members, members)
        for unit in WORKER_UNITS:
            stop_process(d.processes[f"worker2/{unit}"], timeout=60)
        with_one = apply_rates(d, 2 * members, members)
        d.start_workers("worker2")
        time.sleep(3)  # its workers connected to the broker
        with_two_again = apply_rates(d, 3 * members, members)
        print(f"apply through the workers, {members} new members (registry + Wagtail site "
              "each) per apply:")
        print(f"  {'':20}{'2 workers':>13}{'1 worker':>12}{'2 again':>10}{'ratio 2/1':>11}")
        for i, label in enumerate(("members/s", "changes/s")):
            a, b, c = with_two[i], with_one[i], with_two_again[i]
            print(f"  {label:20}{a:13.2f}{b:12.2f}{c:10.2f}{(a + c) / 2 / b:11.2f}")
        print(f"(this machine: {os.cpu_count()} cores, shared with other work)")
    finally:
        d.stop_all()
        d.pebble.stop()
        d.drop_database()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
