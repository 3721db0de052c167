"""Fixtures of the GRC tests: communes provisioned through the real registry and site drivers
(tests/fixtures/sites.py), the first two subscribing to grc, the third not."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from provisioning.inventory import Inventory
from provisioning.models import RegistryMember
from provisioning.naming import staff_group
from tests.factories import add_person, commune_inventory

GRC = ("website", "extranet", "grc")


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


def staff_user(member: RegistryMember, uid: str, roles=("secretaire-de-mairie",)) -> User:
    add_person(member, uid, roles=roles)
    user = User.objects.create_user(uid)
    user.groups.add(*Group.objects.filter(name=staff_group(member.code)))
    return user


def host_client(member: RegistryMember, user: User | None = None) -> Client:
    client = Client(HTTP_HOST=member.hostname)
    if user is not None:
        client.force_login(user)
    return client
