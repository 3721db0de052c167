"""Fixtures of the GRC tests: communes provisioned through the real registry and site drivers
(tests/fixtures/sites.py), the first two subscribing to grc, the third not."""

from __future__ import annotations

import pytest

from provisioning.inventory import Inventory
from provisioning.models import RegistryMember
from tests.factories import commune_inventory
from tests.grc.helpers import GRC


@pytest.fixture
def inventory() -> Inventory:
    from dataclasses import replace

    inv = commune_inventory(extra=("Charlieville",))
    members = tuple(replace(m, services=GRC) if i < 2 else m
                    for i, m in enumerate(inv.members))
    return replace(inv, members=members)


@pytest.fixture
def commune(sites, media, settings) -> RegistryMember:
    settings.MUTUALIS_GRC_SUBMIT_MAX = 1000  # the tests post many forms from one address
    return RegistryMember.objects.get(code=sites.members[0].code)


@pytest.fixture
def other(sites) -> RegistryMember:
    return RegistryMember.objects.get(code=sites.members[1].code)


@pytest.fixture
def unsubscribed(sites) -> RegistryMember:
    return RegistryMember.objects.get(code=sites.members[2].code)
