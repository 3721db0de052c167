"""`/healthz` of a real Celery worker (`mutualis worker --health`), against a Redis broker of
the test's own, which the test stops and starts again under the worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from provisioning.backends import free_port

ROOT = Path(__file__).resolve().parent.parent


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                text=True).stdout.strip() == "PONG", "Redis answering")
    return process


def wait(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except (httpx.HTTPError, OSError):
            result = None
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"waited {timeout:.0f} s for {what}")


@pytest.fixture
def worker(tmp_path):
    redis_port, health_port = free_port(), free_port()
    broker = start_redis(redis_port, tmp_path)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MUTUALIS_")},
           "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
           "MUTUALIS_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mutualis.cli", "worker", "--apps",
         "--concurrency", "1", "--loglevel", "warning", "--health", f"127.0.0.1:{health_port}"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    state = {"broker": broker, "redis_port": redis_port, "tmp": tmp_path,
             "url": f"http://127.0.0.1:{health_port}/healthz", "process": process}
    yield state
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    state["broker"].terminate()
    state["broker"].wait(timeout=10)


def answer(url: str, status: int):
    response = httpx.get(url, timeout=5)
    return response if response.status_code == status else None


def test_the_worker_says_when_its_broker_goes_and_comes_back(worker):
    up = wait(lambda: answer(worker["url"], 200), "the worker's /healthz", timeout=90)
    assert up.json() == {"status": "ok",
                         "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
    assert up.headers["Cache-Control"] == "no-store"
    assert httpx.get(worker["url"].replace("/healthz", "/"), timeout=5).status_code == 404

    worker["broker"].kill()
    worker["broker"].wait(timeout=10)
    down = wait(lambda: answer(worker["url"], 503), "the worker to see its broker gone")
    assert down.json()["checks"]["broker"] == "failed"
    assert down.json()["checks"]["database"] == "ok"

    worker["broker"] = start_redis(worker["redis_port"], worker["tmp"])
    wait(lambda: answer(worker["url"], 200), "the worker back on its broker", timeout=90)
    assert worker["process"].poll() is None


def test_a_bad_health_address_is_refused_in_one_sentence():
    proc = subprocess.run([sys.executable, "-m", "mutualis.cli", "worker", "--health", "8301"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "--health / MUTUALIS_WORKER_HEALTH '8301': expected ADDRESS:PORT" in proc.stderr
    assert "Traceback" not in proc.stderr
