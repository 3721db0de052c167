"""playbooks/deploy.yml, run for real with `ansible-playbook` onto loopback "hosts".

Six hosts on their own loopback addresses: two web hosts, two worker hosts, a db host and a
front. Each is `ansible_connection: local` with its own `mutualis_root`, so that every file the
roles write lands under a temporary directory: no package, no system user, no systemctl
(`mutualis_manage_system` is false there). What stands for the machines' own servers:
this machine's PostgreSQL (the roles create the role and the database in it), and for the
network mount every host shares, one temporary directory. The virtual environment is the
one running the tests (`mutualis_venv_create: false`), the code this checkout.

After the playbook, the units it rendered are checked by `systemd-analyze verify`, then the
test starts their ExecStart lines itself (systemd is not ours to use here) with their
EnvironmentFile: Redis, gunicorn on both web hosts, the workers, and Caddy with Debian's
`pebble` as the ACME server and `pebble-challtestsrv` as the DNS that points the members'
hosts at the front. The hosts, pebble and the units' starting: tests/ansible/deployment.py
(benchmarks/bench_deploy.py uses them too). The tests share one deployment, in file order.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from wagtail_site_factory.models import MemberSite

from .deployment import (
    FRONT,
    HOSTS,
    INVENTORY,
    ROOT,
    SITES_DOMAIN,
    WORKER_UNITS,
    Deployment,
    changed,
    https_get,
    inventory_with,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    for tool in ("caddy", "pebble", "pebble-challtestsrv", "psql", "redis-server"):
        assert shutil.which(tool), f"the deploy test needs {tool} (scripts/setup.sh)"
    d = Deployment(tmp_path_factory.mktemp("deploy"))
    d.write_inventory()
    d.pebble.start()
    try:
        yield d
    finally:
        d.stop_all()
        d.pebble.stop()
        d.drop_database()


# ---------------------------------------------------------------------------- the tests

def test_check_mode_on_empty_hosts_changes_nothing(deployment):
    rc, out = deployment.playbook("--check", "--diff")
    assert rc == 0, out[-5000:]
    assert all(n > 0 for n in changed(out).values()), out[-3000:]
    assert not (deployment.tmp / "hosts").exists()  # not one file written
    for secret in deployment.secrets.values():
        assert secret not in out


def test_deploy_then_again_changes_nothing(deployment):
    rc, out = deployment.playbook()
    assert rc == 0, out[-5000:]
    assert all(n > 0 for n in changed(out).values()), out[-3000:]
    rc, out = deployment.playbook()
    assert rc == 0, out[-5000:]
    assert changed(out) == dict.fromkeys(HOSTS, 0), out[-5000:]
    for secret in deployment.secrets.values():
        assert secret not in out

    # What each host holds: its units, and the settings only where the app runs.
    assert set(deployment.units("web1")) == {"mutualis-web.service"}
    assert set(deployment.units("worker1")) == {
        "mutualis-worker-registry.service", "mutualis-worker-wagtail.service",
        "mutualis-worker-default.service", "mutualis-beat.service"}
    assert "mutualis-beat.service" not in deployment.units("worker2")  # beat runs once
    assert set(deployment.units("db1")) == {"mutualis-redis.service"}
    assert set(deployment.units("front1")) == {"mutualis-front.service"}
    env_file = deployment.root("web2") / "etc" / "mutualis" / "mutualis.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o640"
    env = deployment.environment("web2")
    assert env["MUTUALIS_SECRET_KEY"] == deployment.secrets["vault_mutualis_secret_key"]
    assert env["MUTUALIS_TRUSTED_PROXIES"] == FRONT
    assert not (deployment.root("front1") / "etc" / "mutualis" / "mutualis.env").exists()
    assert (deployment.shared / "static" / "wagtailadmin").is_dir()  # collected once, shared


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_the_units_pass_systemd_analyze_verify(deployment):
    units = [p for host in HOSTS for p in deployment.units(host).values()]
    assert len(units) == 2 + 4 + 3 + 1 + 1
    proc = subprocess.run(["systemd-analyze", "verify", *map(str, units)],
                          capture_output=True, text=True, timeout=120)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines()
                if ".service" in line and "mutualis" in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_the_started_processes_answer_and_the_front_gets_a_members_certificate(deployment):
    d = deployment
    d.start_redis()
    for host in ("web1", "web2"):
        d.start(host, "mutualis-web.service")
    for host in ("worker1", "worker2"):
        d.start_workers(host)
    for host in ("web1", "web2"):
        health = d.wait_for_web(host)
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "checks": {
            "database": "ok", "cache": "ok", "broker": "ok"}}
    for host in ("worker1", "worker2"):
        for unit in WORKER_UNITS:
            health = d.wait_for_worker(host, unit)
            assert health.status_code == 200, health.text
            assert health.json()["checks"]["broker"] == "ok"
    d.start_front()

    # A member joins: applied through the deployed workers (the broker in the env file).
    inventory = d.tmp / "inventaire.yml"
    inventory.write_text(INVENTORY)
    proc = d.cli("apply", str(inventory), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    host = f"juille.{SITES_DOMAIN}"

    # The first TLS handshake for its host: Caddy asks /tls/ask, pebble validates, issues.
    roots = d.tmp / "pebble-roots.pem"
    roots.write_text(d.pebble.issuing_roots())
    context = ssl.create_default_context(cafile=str(roots))
    answer, certificate = https_get(context, host, d.https_port)
    assert certificate["subjectAltName"] == (("DNS", host),)
    assert answer.startswith("HTTP/1.1 200"), answer[:500]
    assert "Juillé" in answer

    # The front serves the static files from the shared directory, and no /metrics.
    static, _ = https_get(context, host, d.https_port, "/static/wagtailadmin/css/core.css")
    assert static.startswith("HTTP/1.1 200"), static[:500]
    expected = (d.shared / "static" / "wagtailadmin" / "css" / "core.css").read_text()
    assert static.split("\r\n\r\n", 1)[1] == expected
    hidden, _ = https_get(context, host, d.https_port, "/metrics")
    assert hidden.startswith("HTTP/1.1 404")
    # Prometheus reaches each web process itself, with the vault's token.
    token = d.secrets["vault_mutualis_metrics_token"]
    metrics = httpx.get(f"http://{HOSTS['web2'][1]}:{d.web_ports['web2']}/metrics",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert metrics.status_code == 200, metrics.text
    assert 'mutualis_members{state="active"} 1.0' in metrics.text.splitlines()
    assert 'mutualis_provisioning_last_run_status{status="succeeded"} 1.0' in metrics.text
    assert 'mutualis_celery_queue_length{queue="mutualis.wagtail"} 0.0' in metrics.text

    # A name nobody registered gets no certificate: Caddy asked, a web process said no.
    with pytest.raises(ssl.SSLError):
        https_get(context, f"inconnue.{SITES_DOMAIN}", d.https_port)
    def asked(pattern: str):  # gunicorn logs a request once it has answered it
        return re.search(pattern, "".join(d.log(h, "mutualis-web.service").read_text()
                                          for h in ("web1", "web2")))

    assert asked(rf'"GET /tls/ask\?domain={re.escape(host)} HTTP/1.1" 200')
    wait_for(lambda: asked(r'"GET /tls/ask\?domain=inconnue\.mutualis\.test HTTP/1.1" 404'),
             "the refusal in a web process's log", timeout=10)


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def data_dump(database: str) -> bytes:
    """Every row of the database, as pg_dump writes them (plain SQL, data only), less the
    random key pg_dump puts in its `\\restrict` and `\\unrestrict` lines at each run."""
    proc = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only",
                           "--no-owner", "-d", database], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split(b"\n")
    kept = [line for line in lines if not line.startswith((b"\\restrict ", b"\\unrestrict "))]
    assert len(lines) - len(kept) <= 2
    return b"\n".join(kept)


def test_backup_then_restore_onto_fresh_directories(deployment):
    d = deployment
    # What the running system holds besides the database: an upload and a signed file.
    for relative in ("media/documents/budget-2026.pdf", "private/parapheur/signe.pdf"):
        path = d.shared / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7\n" + secrets.token_bytes(4096))
    backups = d.tmp / "backups"
    rc, out = d.playbook_named("backup.yml", "-e", f"mutualis_backup_dir={backups}",
                               "-e", "mutualis_backup_name=sauvegarde")
    assert rc == 0, out[-5000:]
    saved = backups / "sauvegarde"
    assert sorted(p.name for p in saved.iterdir()) == ["fichiers.tar.gz", "mutualis.pgdump"]
    for secret in d.secrets.values():
        assert secret not in out

    # Onto empty hosts: a new database and a new shared directory.
    fresh_db, fresh_shared = f"{d.db_name}_restauree", d.tmp / "shared-restauree"
    d.extra_databases.append(fresh_db)
    fresh = ["-e", f"mutualis_backup_dir={backups}", "-e", "mutualis_backup_name=sauvegarde",
             "-e", f"mutualis_db_name={fresh_db}", "-e", f"mutualis_shared_dir={fresh_shared}"]
    rc, out = d.playbook_named("restore.yml", *fresh)
    assert rc == 0, out[-5000:]
    assert data_dump(fresh_db) == data_dump(d.db_name)
    assert tree(fresh_shared / "media") == tree(d.shared / "media")
    assert tree(fresh_shared / "private") == tree(d.shared / "private")
    assert len(tree(fresh_shared)) == 2

    # The restored system needs nothing: its plan for the same inventory is empty.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MUTUALIS_")},
           **d.environment("web1")}
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{fresh_db}"
    env["MUTUALIS_VAR_DIR"] = str(fresh_shared)
    proc = subprocess.run([sys.executable, "-m", "mutualis.cli", "plan",
                           str(d.tmp / "inventaire.yml"), "--json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["changes"] == [] or all(c["action"] == "noop" for c in plan["changes"]), plan
    assert plan["summary"].get("noop", 0) > 0

    # A second restore onto what is now there is refused, and changes nothing.
    rc, out = d.playbook_named("restore.yml", *fresh)
    assert rc != 0
    assert "n'est pas vide" in " ".join(out.split())
    assert data_dump(fresh_db) == data_dump(d.db_name)


# ---------------------------------------------------------------------------- several hosts

def test_a_page_published_on_one_web_host_is_served_fresh_by_the_other(deployment):
    d = deployment
    host = f"juille.{SITES_DOMAIN}"
    path = f"/?partage={secrets.token_hex(4)}"  # a page address nobody asked for yet

    def direct(web: str) -> httpx.Response:
        """GET from a web host as the front asks it (from its address, for HTTPS)."""
        with httpx.Client(transport=httpx.HTTPTransport(local_address=FRONT)) as client:
            return client.get(f"http://{HOSTS[web][1]}:{d.web_ports[web]}{path}", timeout=30,
                              headers={"Host": host, "X-Forwarded-Proto": "https"})

    first = direct("web1")
    assert first.status_code == 200, first.text[:500]
    assert first.headers["X-Mutualis-Cache"] == "miss"
    # The other host answers from what the first one stored: one cache for both.
    second = direct("web2")
    assert second.headers["X-Mutualis-Cache"] == "hit"
    assert second.text == first.text
    context = ssl.create_default_context(cafile=str(d.tmp / "pebble-roots.pem"))
    before, _ = https_get(context, host, d.https_port)
    assert before.startswith("HTTP/1.1 200"), before[:500]

    # Published with the first web host's settings (what its admin does on save).
    title = f"Juillé, nouvelles du {secrets.token_hex(3)}"
    d.python(f"""
from wagtail.models import Site
page = Site.objects.get(hostname={host!r}).root_page.specific
page.title = {title!r}
page.save_revision().publish()
""")
    fresh = direct("web2")
    assert fresh.headers["X-Mutualis-Cache"] == "miss"
    assert f"<h1>{title}</h1>" in fresh.text
    assert "nouvelles du" not in first.text
    for _ in range(4):  # through the front, whichever web host answers
        page, _ = https_get(context, host, d.https_port)
        assert page.startswith("HTTP/1.1 200"), page[:500]
        assert f"<h1>{title}</h1>" in page


def test_a_web_host_killed_or_reloaded_loses_no_request(deployment):
    d = deployment
    host = f"juille.{SITES_DOMAIN}"
    context = ssl.create_default_context(cafile=str(d.tmp / "pebble-roots.pem"))
    # A web host dies (its gunicorn and all its workers at once): the front sends the next
    # requests to the other one, none is lost.
    statuses = []
    for i in range(24):
        if i == 8:
            os.killpg(d.processes["web1/mutualis-web.service"].pid, signal.SIGKILL)
        page, _ = https_get(context, host, d.https_port, f"/?visite={i}")
        statuses.append(page.split(" ", 2)[1])
    assert statuses == ["200"] * 24

    # The unit's reload (a new version deployed) while visitors keep coming: none refused.
    reload = d.unit_field("web2", "mutualis-web.service", "ExecReload")
    pid = d.processes["web2/mutualis-web.service"].pid
    statuses = []
    for i in range(30):
        if i == 5:
            subprocess.run(shlex.split(reload.replace("$MAINPID", str(pid))), check=True)
        page, _ = https_get(context, host, d.https_port, f"/?rechargement={i}")
        statuses.append(page.split(" ", 2)[1])
    assert statuses == ["200"] * 30
    reloaded = d.log("web2", "mutualis-web.service").read_text()
    assert "Handling signal: hup" in reloaded  # the old processes finished, new ones took over


# Run in a Django process with the deployed settings: ask the workers what they run, and as
# soon as the victim's reply names an apply task (its pool process is in the victim's process
# group), kill the group (SIGKILL, as a machine that dies); print the task's id and the time.
KILL_MID_TASK = """
import json, os, signal, time
from mutualis.celery import app
victim, deadline, killed = {victim}, time.monotonic() + 120, {{}}

def look(reply):
    for tasks in reply.values():
        for task in tasks:
            try:
                ours = task.get("worker_pid") and os.getpgid(task["worker_pid"]) == victim
            except ProcessLookupError:
                continue
            if ours and task["name"] == "mutualis.apply_batch" and not killed:
                os.killpg(victim, signal.SIGKILL)
                killed.update(id=task["id"], killed_at=time.time())

while not killed and time.monotonic() < deadline:
    app.control.broadcast("active", reply=True, timeout=0.5, callback=look)
print(json.dumps(killed))
"""


def test_a_worker_killed_mid_apply_the_other_finishes_and_the_plan_is_empty(deployment):
    d = deployment
    inventory = d.tmp / "inventaire-agrandi.yml"
    inventory.write_text(inventory_with(4))
    log = d.tmp / "apply-agrandi.log"
    # Every site change locks its member's row (SELECT ... FOR UPDATE, wagtail_site_factory's
    # driver): with the table held in EXCLUSIVE mode (reads allowed, row locks not), each
    # worker's site task waits inside the task, so the first worker surely holds one when it
    # is killed, whatever the speed of the machine.
    hold = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={d.db_name}")
    hold.execute(f"LOCK TABLE {MemberSite._meta.db_table} IN EXCLUSIVE MODE")
    apply = subprocess.Popen([sys.executable, "-m", "mutualis.cli", "apply", str(inventory),
                              "--yes"], env=d.cli_environment(), cwd=ROOT,
                             stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        victim = d.processes["worker1/mutualis-worker-wagtail.service"]
        killer = d.python_process(KILL_MID_TASK.format(victim=victim.pid))
        wait_for(lambda: killer.poll() is not None or apply.poll() is not None,
                 "a task of the apply on the first worker", timeout=150)
        if killer.poll() is None:
            killer.kill()
        out, why = killer.communicate(timeout=30)
        killed = json.loads(out or "{}")
        assert killed, "no task of the apply ran on the first worker\n" + why + (
            log.read_text()[-3000:])
        assert victim.wait(timeout=10) == -signal.SIGKILL
        hold.rollback()  # the killed task's transaction died with it; the others go on
        # The other worker gets the task back (Redis's visibility timeout) and the rest.
        assert apply.wait(timeout=240) == 0, log.read_text()[-3000:]
    finally:
        hold.close()
        if apply.poll() is None:
            apply.kill()
    backend = redis.Redis(HOSTS["db1"][1], d.redis_port, db=1,  # the result backend
                          password=d.secrets["vault_mutualis_redis_password"])
    done = json.loads(backend.get(f"celery-task-meta-{killed['id']}"))
    assert done["status"] == "SUCCESS"
    finished = datetime.fromisoformat(done["date_done"])
    finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)  # Celery's: UTC
    assert finished.timestamp() > killed["killed_at"], "the killed task never ran again"

    proc = d.cli("plan", str(inventory), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["changes"] == [] and plan["summary"].get("noop", 0) > 0, plan

