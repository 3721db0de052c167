"""A commune and an EPCI subscribing to the GED, with the standard plan loaded, and their
files in the test's own private root."""

from __future__ import annotations

import pytest

from tests.ged.members import make_member


@pytest.fixture
def private_root(tmp_path, settings):
    settings.MUTUALIS_PRIVATE_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


@pytest.fixture
def commune(db, private_root):
    return make_member("79001", "Aigonnay")


@pytest.fixture
def epci(db, private_root):
    return make_member("200069755", "Communauté de communes Mellois en Poitou", kind="epci")
