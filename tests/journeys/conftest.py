"""The journey suite: each user of Mutualis, from their very first step, in a real browser
(Debian's Chromium driven by Playwright) against `mutualis demo` run as a real server process
on the embedded defaults, as the README tells a new user to run it.

One demo serves the whole session, in its own var/ (SQLite, slapd, Radicale, the demo mail
server, the demo timestamp authority): the journeys follow one story in order, the secrétaire
sending the convocation the elected official then answers. Every page a journey visits is
screenshot under test-artifacts/journeys/<journey>/ and audited with axe-core: a serious or
critical violation fails the journey.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from provisioning.backends import free_port
from tests.browser import chromium as launched_chromium

from .browsing import Demo

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 240  # seconds: services, migrations, the example's 643 changes


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`mutualis demo` serving the example inventory, in a var/ of its own."""
    # Not under pytest's temporary directory (mode 0700): the demo's Dovecot hands the
    # mailboxes to the `mail` system user, which must reach var/mail-server.
    var = Path(tempfile.mkdtemp(prefix="mutualis-demo-var-"))
    os.chmod(var, 0o711)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(MUTUALIS_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    # The S²LOW stand-in (tests/doubles, moving only when told) as the demo's Hélios tiers:
    # the Hélios journey (test_17) sends its PES flux there. The acts keep no tiers.
    # It binds a port of its own choosing (0) and prints its address.
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.doubles.s2low_standin", "--port", "0", "--manual"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True)
    env.update(MUTUALIS_HELIOS_S2LOW_URL=standin.stdout.readline().split()[-1])
    port = free_port()  # once the stand-in holds its own
    mutualis = [sys.executable, "-m", "mutualis.cli"]
    log = open(var / "demo.log", "w+")
    process = subprocess.Popen([*mutualis, "demo", "--addr", f"127.0.0.1:{port}"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while "Serving" not in (text := (var / "demo.log").read_text()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo did not start:\n{text[-4000:]}")
            time.sleep(0.5)
        _wait_for_http(port, deadline)
        admin_link = re.search(r"choose its password at (\S+)", text).group(1)
        mailbox = re.search(r"demo mailbox: (\S+)", text)
        yield Demo(root=ROOT, var=var, port=port, env=env, command=mutualis, output=text,
                   admin_link=admin_link, mailbox=mailbox.group(1) if mailbox else "")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        standin.terminate()
        standin.wait(timeout=30)
        subprocess.run([*mutualis, "services", "stop"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
        log.close()
        shutil.rmtree(var, ignore_errors=True)


def _wait_for_http(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


@pytest.fixture(scope="module")
def chromium():
    # One per journey module: Playwright's event loop is closed before the next package's
    # tests, which run asyncio themselves.
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def sent_sitting(demo):
    """The secrétaire's journey sends the sitting the officials then answer: the journeys
    follow one story, in the order of their files."""
    if "sitting" not in demo.story:
        pytest.fail("the secrétaire's journey (test_02) must run first: it sends the sitting")
