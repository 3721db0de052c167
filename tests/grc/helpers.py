"""Helpers of the GRC tests, shared with the isolation matrix (tests/security/)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client

from provisioning.models import RegistryMember
from provisioning.naming import staff_group
from tests.factories import add_person

GRC = ("website", "extranet", "grc")


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
