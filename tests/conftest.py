"""Fixtures shared by every package's tests: the real servers they run against. The
fixtures more than one package uses live in plugin modules, declared here (pytest reads
pytest_plugins in the root conftest only), so that no conftest imports another."""

from __future__ import annotations

import pytest

from nextcloud_bridge.agendas.server import start_radicale

pytest_plugins = [
    "tests.factories",  # media
    "tests.fixtures.nextcloud",
    "tests.fixtures.signature",
    "tests.fixtures.sites",
]


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """A real Radicale CalDAV server on loopback, for the whole session."""
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def caldav_settings(radicale, settings):
    """Point the agendas' public functions at the test Radicale."""
    settings.MUTUALIS_CALDAV = radicale.settings()
    return settings.MUTUALIS_CALDAV


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: login-failure counters, and pages and agendas
    cached per site (site ids come back between tests), never leak into the next test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path_factory):
    """Each test has a var/ of its own: the embedded servers a developer's `mutualis demo`
    records in the checkout's var/services.json never answer a test's mail, timestamp or
    directory lookups."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
