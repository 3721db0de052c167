"""The demo mail server, started for real for the whole session (any free ports: a demo may
hold 1025 and 8025 on this machine), and Django's mail settings pointing at it."""

from __future__ import annotations

import uuid

import pytest

from mail_service.server import start_mail
from provisioning.backends import write_embedded_services


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory):
    server = start_mail(tmp_path_factory.mktemp("mail"), smtp_port=0, web_port=0)
    yield server
    server.stop()


@pytest.fixture
def embedded_mail(mail_server, settings, tmp_path):
    """Django as on the demo: no mail server configured, the embedded one in services.json
    (written as `mutualis services start` writes it, pid included)."""
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path / "var"
    write_embedded_services({"mail": {**mail_server.settings(),
                                      "pid": mail_server.process.pid}})
    return mail_server


def address(name: str = "elu") -> str:
    """An address of its own for each test: the session's Maildir is shared."""
    return f"{name}.{uuid.uuid4().hex[:10]}@melle.test"
