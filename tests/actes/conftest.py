"""Fixtures of the acts tests: a commune with a website (provisioned through the real registry
and site drivers, tests/fixtures/sites.py) and the prefecture's classification file."""

from __future__ import annotations

import pytest

from actes import services
from provisioning.models import RegistryMember

from .classification import classification_xml


@pytest.fixture
def commune(sites, media) -> RegistryMember:
    """A commune of 500 inhabitants with a website and an imported classification."""
    member = RegistryMember.objects.get(code=sites.members[0].code)
    member.siren = "217901740"
    member.save()
    services.import_classification(member, classification_xml())
    settings = services.settings_of(member)
    settings.siret, settings.department = "21790174000013", "079"
    settings.referent_name, settings.referent_email = "Zoé Secrétaire", "mairie@example.fr"
    settings.save()
    return member
