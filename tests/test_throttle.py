"""Login throttling: too many failures for a username or from an address are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AUTHENTICATION_BACKENDS = ["mutualis.throttle.LoginThrottle",
                                        "django.contrib.auth.backends.ModelBackend"]
    settings.MUTUALIS_LOGIN_MAX_FAILURES = 3
    cache.clear()
    User.objects.create_user("admin-syndicat", password="le bon mot de passe")
    User.objects.create_user("autre", password="un autre mot de passe")
    yield
    cache.clear()


def login(username: str, password: str, address: str = "192.0.2.1"):
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR=address)
    return authenticate(request, username=username, password=password)


def test_the_right_password_is_refused_after_too_many_failures():
    assert login("admin-syndicat", "le bon mot de passe") is not None
    for _ in range(3):
        assert login("admin-syndicat", "faux", address="198.51.100.7") is None
    assert login("admin-syndicat", "le bon mot de passe", address="203.0.113.9") is None


def test_guessing_across_usernames_from_one_address_is_refused():
    for name in ("a", "b", "c"):
        assert login(name, "faux", address="198.51.100.8") is None
    assert login("autre", "un autre mot de passe", address="198.51.100.8") is None
    assert login("autre", "un autre mot de passe", address="203.0.113.10") is not None


def test_logging_in_before_the_limit_starts_the_count_again(client):
    def admin_login(password: str, address: str) -> bool:
        client.logout()
        response = client.post("/admin/login/", {"username": "admin-syndicat",
                                                 "password": password}, REMOTE_ADDR=address)
        return response.status_code == 302  # the login page redirects once logged in

    for i in range(2):
        assert not admin_login("faux", f"198.51.100.{i}")
    assert admin_login("le bon mot de passe", "203.0.113.11")
    for i in range(2):
        assert not admin_login("faux", f"198.51.100.{20 + i}")
    assert admin_login("le bon mot de passe", "203.0.113.12")
    for i in range(3):
        assert not admin_login("faux", f"198.51.100.{30 + i}")
    assert not admin_login("le bon mot de passe", "203.0.113.13")
