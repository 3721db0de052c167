"""Who opens the Wagtail admin: the registry's staff of any member, with or without a
website; never an official alone, an unknown account or a disabled one."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from provisioning.models import RegistryMember
from tests.factories import add_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    # No website: its staff have no editors' group, only the registry says they are staff.
    return RegistryMember.objects.create(code="79174", name="Melle", kind="commune",
                                         slug="melle", services=["extranet", "convocation"])


def _admin_status(uid: str, active: bool = True) -> int:
    user, _ = get_user_model().objects.get_or_create(username=uid)
    user.is_active = active
    user.save()
    client = Client()
    client.force_login(user)
    return client.get("/admin/").status_code


def test_staff_of_a_member_without_website_open_the_admin(member):
    add_person(member, "dgs", roles=["dgs"])
    assert get_user_model().objects.get_or_create(username="dgs")[0].has_perm(
        "wagtailadmin.access_admin")
    assert _admin_status("dgs") == 200


def test_an_official_alone_an_unknown_account_and_a_disabled_one_do_not(member):
    add_person(member, "maire", roles=["maire"])
    add_person(member, "agent", roles=["agent"])
    assert _admin_status("maire") == 302  # to the login page
    assert _admin_status("nobody") == 302
    user = get_user_model().objects.create(username="agent", is_active=False)
    assert not user.has_perm("wagtailadmin.access_admin")


def test_the_backend_grants_nothing_else(member):
    add_person(member, "dgs", roles=["dgs"])
    user = get_user_model().objects.get_or_create(username="dgs")[0]
    assert not user.has_perm("wagtailcore.add_page")
    assert not user.has_perm("convocation.add_sitting")
