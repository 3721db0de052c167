"""A member's staff in the acts' admin pages: a registry seat, the member's staff group (the
admin on a member's host is for its staff), and a client on the member's host."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client

from provisioning.models import RegistryMember
from provisioning.naming import staff_group
from tests.factories import add_person


def staff_user(member: RegistryMember, uid: str, roles=("secretaire-de-mairie",)) -> User:
    add_person(member, uid, roles=roles)
    user = User.objects.create_user(uid)
    user.groups.add(*Group.objects.filter(name=staff_group(member.code)))
    return user


def host_client(member: RegistryMember, user: User | None = None) -> Client:
    """A client on the member's host, logged in as `user` if given."""
    client = Client(HTTP_HOST=member.hostname)
    if user is not None:
        client.force_login(user)
    return client


def staff_client(member: RegistryMember, uid: str = "zsecretaire") -> Client:
    """A secrétaire de mairie of `member`, logged in on its host."""
    return host_client(member, staff_user(member, uid))
