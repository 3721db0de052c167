"""Real servers for the register's intake: slapd, then Postfix and Dovecot reading it (the
mail service's own servers, mail_service/servers.py), for the session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ldap_sync.server import start_slapd
from mail_service.servers import start_mail_servers


@pytest.fixture(scope="session")
def intake_slapd(tmp_path_factory):
    server = start_slapd(tmp_path_factory.mktemp("courrier-ldap"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def intake_mail(intake_slapd):
    # Not under pytest's temporary directory (mode 0700): Dovecot's mail processes run as
    # the `mail` system user, which must reach the mailboxes.
    directory = Path(tempfile.mkdtemp(prefix="mutualis-courrier-mail-"))
    os.chmod(directory, 0o711)
    servers = start_mail_servers(directory, intake_slapd.settings(), slow_failures=False)
    yield servers
    servers.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mail_settings(intake_slapd, intake_mail, settings):
    """The apps reach the test's directory and mail servers as they would a syndicate's."""
    settings.MUTUALIS_LDAP = intake_slapd.settings()
    settings.MUTUALIS_MAIL = intake_mail.settings()
    return intake_mail
