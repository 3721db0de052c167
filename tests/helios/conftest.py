"""Fixtures of the Hélios tests: a commune (provisioned through the real registry and site
drivers, tests/fixtures/sites.py) with its SIREN and SIRET, and the S²LOW stand-in as its
tiers, moving only when told (the DGFiP's acquit on request)."""

from __future__ import annotations

import pytest

from actes import services
from provisioning.models import RegistryMember
from tests.doubles.s2low_standin import StandIn

SIREN, SIRET = "217901740", "21790174000013"


@pytest.fixture
def commune(sites, media) -> RegistryMember:
    member = RegistryMember.objects.get(code=sites.members[0].code)
    member.siren = SIREN
    member.services = [*member.services, "parapheur", "pes"]  # the service that carries it
    member.save()
    settings = services.settings_of(member)
    settings.siret = SIRET
    settings.save()
    return member


@pytest.fixture
def standin():
    with StandIn(auto_advance=False) as server:
        yield server


@pytest.fixture
def tdt(standin, settings):
    settings.MUTUALIS_ACTES_TDT = None
    settings.MUTUALIS_HELIOS_TDT = {"url": standin.url, "timeout": 5, "retries": 1,
                                    "backoff": 0.01}
    return standin
