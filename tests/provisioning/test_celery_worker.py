"""Apply through a real Celery worker process and a real broker (Redis in CI).

The command line plans, sends the tasks and waits; a `mutualis worker` process in another
process applies them. The file-backed test driver records which process wrote each resource.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("MUTUALIS_TEST_BROKER", "redis://127.0.0.1:6379/15")


def unreachable(url: str) -> str | None:
    parsed = urlparse(url)
    port = parsed.port or {"redis": 6379, "amqp": 5672}.get(parsed.scheme, 0)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=1).close()
    except OSError as exc:
        return str(exc)
    return None


def cli(env, *argv, timeout=180):
    return subprocess.run([sys.executable, "-m", "mutualis.cli", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_apply_runs_on_a_real_worker(tmp_path, small_inventory):
    reason = unreachable(BROKER)
    if reason:
        pytest.skip(f"no Celery broker reachable at {BROKER} ({reason}); set "
                    "MUTUALIS_TEST_BROKER to a Redis or RabbitMQ URL to run this test")
    files = tmp_path / "files"
    env = {**os.environ,
           "MUTUALIS_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'mutualis.sqlite3'}",
           "CELERY_BROKER_URL": BROKER,
           "MUTUALIS_DRIVERS": "provisioning.registry.RegistryDriver,"
                               "tests.provisioning.file_driver.FileDriver",
           "MUTUALIS_TEST_FILE_BACKEND": str(files),
           "PYTHONPATH": str(ROOT)}
    assert cli(env, "runs").returncode == 0  # creates the database
    purge = subprocess.run([sys.executable, "-m", "celery", "-A", "mutualis", "purge", "-f",
                            "-Q", "mutualis.control,mutualis.registry,mutualis.file"],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert purge.returncode == 0, purge.stderr
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "mutualis.cli", "worker", "--concurrency", "2",
         "--loglevel", "warning"],
        env={**env, "MUTUALIS_TEST_WRITER": "worker"}, cwd=ROOT, stdout=log, stderr=log)
    try:
        applied = cli({**env, "MUTUALIS_TEST_WRITER": "command"}, "apply",
                      str(small_inventory), "--yes")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "succeeded" in applied.stdout and "0 still pending" in applied.stdout

        written = [json.loads(f.read_text()) for f in files.glob("*.json")]
        keys = {r["key"] for r in written}
        assert "file.site:79142" in keys and "file.group:79142-elus" in keys
        assert {r["written_by"] for r in written} == {"worker"}

        planned = cli(env, "plan", str(small_inventory), "--detailed-exitcode")
        assert planned.returncode == 0, planned.stdout + planned.stderr
        runs = json.loads(cli(env, "runs", "--json").stdout)
        assert runs[0]["status"] == "succeeded" and runs[0]["seq"] == 1
        # The worker journaled each change before applying it and its outcome after.
        records = json.loads(cli(env, "runs", str(runs[0]["id"]), "--json").stdout)
        assert {r["key"] for r in records} >= keys
        assert {r["outcome"] for r in records} == {"ok"}
        verified = cli(env, "runs", "--verify")
        assert verified.returncode == 0 and "intact: 1 runs" in verified.stdout, verified.stderr
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        print((tmp_path / "worker.log").read_text()[-2000:])  # shown when the test fails
