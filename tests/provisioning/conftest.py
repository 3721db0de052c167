from pathlib import Path

import pytest

from tests.factories import small_inventory_file


@pytest.fixture
def small_inventory(tmp_path: Path) -> Path:
    return small_inventory_file(tmp_path)
