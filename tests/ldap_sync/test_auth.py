"""Logging into Django with a directory account: the password is checked by slapd, and the
Django user mirrors the account and its groups."""

from __future__ import annotations

import ldap
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group

from ldap_sync.services import set_password
from provisioning.engine import make_plan

from . import builder as B

pytestmark = pytest.mark.django_db

PASSWORD = "une phrase de passe assez longue"


@pytest.fixture
def directory(slapd, driver, settings):
    settings.MUTUALIS_LDAP = slapd.settings()
    settings.AUTHENTICATION_BACKENDS = ["ldap_sync.auth.LdapBackend"]
    inv = B.inventory([B.member("79001", "Alpha"), B.member("79002", "Beta")], [
        B.person("Anne", "Martin", B.agent("79001")), B.person("Luc", "Petit", B.elu("79002"))])
    assert all(o.ok for o in driver.apply(make_plan(inv, [driver]).pending))
    set_password("amartin", PASSWORD)
    return slapd


def test_the_right_password_logs_in_and_mirrors_the_account(directory):
    Group.objects.create(name="79001-staff")
    Group.objects.create(name="79002-staff")
    user = authenticate(username="amartin", password=PASSWORD)
    assert user is not None
    assert (user.first_name, user.last_name) == ("Anne", "Martin")
    assert not user.has_usable_password()
    assert [g.name for g in user.groups.all()] == ["79001-staff"]


def test_a_managed_group_the_account_left_is_removed(directory):
    staff = Group.objects.create(name="79001-staff")
    other = Group.objects.create(name="79002-staff")
    unmanaged = Group.objects.create(name="Comité des fêtes")
    user = authenticate(username="amartin", password=PASSWORD)
    user.groups.add(other, unmanaged)
    again = authenticate(username="amartin", password=PASSWORD)
    assert sorted(g.name for g in again.groups.all()) == ["79001-staff", "Comité des fêtes"]
    assert staff in again.groups.all()


@pytest.mark.parametrize("username, password", [
    ("amartin", "wrong password"),
    ("nobody", PASSWORD),
    ("*", PASSWORD),
    ("amartin)(uid=*", PASSWORD),
    ("lpetit", ""),
])
def test_wrong_passwords_and_odd_names_are_refused(directory, username, password):
    assert authenticate(username=username, password=password) is None


def test_an_unreachable_directory_refuses_logins(directory, settings):
    settings.MUTUALIS_LDAP = {**directory.settings(), "url": "ldap://127.0.0.1:9"}
    assert authenticate(username="amartin", password=PASSWORD) is None


def test_a_login_on_a_second_device_keeps_the_first_devices_session(directory):
    from django.test import Client
    first, second = Client(), Client()
    assert first.login(username="amartin", password=PASSWORD)
    assert first.get("/connexion/suite/").wsgi_request.user.is_authenticated
    assert second.login(username="amartin", password=PASSWORD)
    assert first.get("/connexion/suite/").wsgi_request.user.is_authenticated


def test_a_deactivated_account_is_not_found_by_the_backend(directory):
    from ldap_sync.auth import LdapBackend
    user = authenticate(username="amartin", password=PASSWORD)
    assert LdapBackend().get_user(user.pk) == user
    user.is_active = False
    user.save()
    assert LdapBackend().get_user(user.pk) is None


def failure_times(uid: str) -> list:
    from ldap_sync.services import directory

    with directory() as (conn, layout):
        [(_, entry)] = conn.search_s(layout.account_dn(uid), ldap.SCOPE_BASE,
                                     attrlist=["pwdFailureTime"])
    return entry.get("pwdFailureTime", [])


def test_a_wrong_password_is_a_bind_that_the_password_policy_counts(directory):
    assert failure_times("amartin") == []
    assert authenticate(username="amartin", password="wrong password") is None
    assert len(failure_times("amartin")) == 1
    # pwdMaxFailure (5): the account is locked, its right password refused by slapd itself.
    for _ in range(4):
        assert authenticate(username="amartin", password="wrong password") is None
    assert len(failure_times("amartin")) == 5
    assert authenticate(username="amartin", password=PASSWORD) is None
