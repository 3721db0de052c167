"""Fixtures of the site factory's own tests (the communes, their sites and editors are in
tests/fixtures/sites.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def caldav(radicale, settings):
    settings.MUTUALIS_CALDAV = radicale.settings()
    return radicale
