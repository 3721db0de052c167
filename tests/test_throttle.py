"""Login throttling at the backend (django-axes and mutualis/throttle.py): per (address,
account) refused, per account refused from unknown addresses only, per address only logged.
The same promises through every login page: tests/security/test_throttle.py."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth import login as django_login
from django.contrib.auth.models import User
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                                        "django.contrib.auth.backends.ModelBackend"]
    settings.AXES_FAILURE_LIMIT = 3
    settings.MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES = 6
    settings.MUTUALIS_LOGIN_ADDRESS_WARNING = 5
    settings.MUTUALIS_TRUSTED_PROXIES = []
    cache.clear()
    User.objects.create_user("admin-syndicat", password="le bon mot de passe")
    User.objects.create_user("autre", password="un autre mot de passe")
    yield
    cache.clear()


def request_from(address: str, **headers):
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR=address, **headers)
    request.session = SessionStore()
    return request


def login(username: str, password: str, address: str = "192.0.2.1", **headers):
    """authenticate() then, when it succeeds, login(), as every login view does."""
    request = request_from(address, **headers)
    user = authenticate(request, username=username, password=password)
    if user is not None:
        django_login(request, user)
    return user


def test_the_right_password_is_refused_from_the_guessing_address_only():
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.9") is not None
    for _ in range(3):
        assert login("admin-syndicat", "faux", address="198.51.100.7") is None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.7") is None
    # Same account from elsewhere, another account from the same address: not affected.
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.9") is not None
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.99") is not None
    assert login("autre", "un autre mot de passe", address="198.51.100.7") is not None


def test_guessing_across_usernames_from_one_address_is_only_logged(caplog):
    """Many accounts guessed from one address (a reverse proxy, a carrier NAT, a school):
    a warning for the operator, never a refusal of an unrelated account's right password."""
    with caplog.at_level(logging.WARNING, logger="mutualis.throttle"):
        for name in ("a", "b", "c", "d", "e", "f", "g"):
            for _ in range(2):
                assert login(name, "faux", address="198.51.100.8") is None
    assert login("autre", "un autre mot de passe", address="198.51.100.8") is not None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.8") is not None
    warnings = [r for r in caplog.records if r.name == "mutualis.throttle"
                and r.levelno == logging.WARNING]
    assert warnings and "198.51.100.8" in warnings[0].getMessage()
    assert "across accounts" in warnings[0].getMessage()


def test_guessing_one_account_from_many_addresses_spares_its_owners_known_addresses():
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.20") is not None
    for i in range(6):  # two failures from each of three addresses: no pair limit reached
        assert login("admin-syndicat", "faux", address=f"198.51.100.{40 + i // 2}") is None
    # The account limit: refused from an address it never logged in from...
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.21") is None
    # ...its owner still logs in from where they did before; other accounts are not affected.
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.20") is not None
    assert login("autre", "un autre mot de passe", address="203.0.113.21") is not None


def test_refused_attempts_are_not_counted_as_guesses():
    for _ in range(3):
        assert login("admin-syndicat", "faux", address="198.51.100.9") is None
    for _ in range(10):  # refused without trying a password: no account-wide count
        assert login("admin-syndicat", "faux", address="198.51.100.9") is None
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.30") is not None


def test_logging_in_starts_the_pairs_count_again():
    for _ in range(2):
        assert login("admin-syndicat", "faux", address="198.51.100.10") is None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.10") is not None
    for _ in range(2):
        assert login("admin-syndicat", "faux", address="198.51.100.10") is None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.10") is not None
    for _ in range(3):
        assert login("admin-syndicat", "faux", address="198.51.100.10") is None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.10") is None


def test_an_ipv6_client_counts_as_its_slash_64():
    for i in range(3):
        assert login("admin-syndicat", "faux", address=f"2001:db8:1:2::{i + 1}") is None
    assert login("admin-syndicat", "le bon mot de passe", address="2001:db8:1:2::99") is None
    assert login("admin-syndicat", "le bon mot de passe", address="2001:db8:1:3::1") is not None


def test_a_spoofed_forwarded_header_changes_nothing_without_a_trusted_proxy():
    for i in range(3):
        assert login("admin-syndicat", "faux", address="198.51.100.11",
                     HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") is None
    assert login("admin-syndicat", "le bon mot de passe", address="198.51.100.11",
                 HTTP_X_FORWARDED_FOR="203.0.113.77") is None


def test_behind_a_trusted_proxy_each_client_has_its_own_count(settings):
    settings.MUTUALIS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    for i in range(3):  # the client rotates the value it sends; the proxy appends what it saw
        assert login("admin-syndicat", "faux", address="10.0.0.1",
                     HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.12") is None
    assert login("admin-syndicat", "le bon mot de passe", address="10.0.0.1",
                 HTTP_X_FORWARDED_FOR="198.51.100.12") is None
    assert login("admin-syndicat", "le bon mot de passe", address="10.0.0.1",
                 HTTP_X_FORWARDED_FOR="198.51.100.13") is not None
