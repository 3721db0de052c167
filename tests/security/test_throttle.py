"""Login throttle promises, through every login page of the project.

- Guessing one account from one address locks that (address, account) pair only: the same
  account's right password from another address, and another account's right password from
  the guessing address, still log in.
- The client's address is REMOTE_ADDR: an X-Forwarded-For header from a peer that is not a
  trusted proxy (MUTUALIS_TRUSTED_PROXIES, none by default) changes nothing. From a trusted
  proxy, the right-most address of the header that is not a trusted proxy is the client's,
  whatever the client wrote to its left.

Login pages are found from the URL resolver (every LoginView and every pattern named login),
so a new login page cannot escape these tests unnoticed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import escape

from mutualis.client_address import client_address

pytestmark = pytest.mark.django_db

GUESSED, OTHER = "guessed-admin", "other-admin"
PASSWORDS = {GUESSED: "la bonne phrase de passe", OTHER: "une autre bonne phrase"}
LOGIN_PAGES = ["/connexion/", "/admin/login/", "/django-admin/login/", "/_util/login/"]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + str(pattern.pattern), pattern


def login_pages_of_the_resolver() -> set[str]:
    found = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        is_login_view = isinstance(view_class, type) and issubclass(view_class,
                                                                     auth_views.LoginView)
        if is_login_view or (pattern.name or "").endswith("login"):
            found.add(route)
    return found


def test_every_login_page_of_the_project_is_tested():
    assert login_pages_of_the_resolver() == set(LOGIN_PAGES)


@pytest.fixture(autouse=True)
def accounts(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES = 100
    settings.MUTUALIS_TRUSTED_PROXIES = []
    # Argon2 is slow on purpose: these tests log in a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name, password in PASSWORDS.items():
        User.objects.create_superuser(name, f"{name}@example.fr", password)


def logs_in(page: str, username: str, password: str, address: str, **headers) -> bool:
    client = Client()
    client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address,
                **headers)
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
class TestEveryLoginPage:
    def test_the_right_password_logs_in(self, page):
        assert logs_in(page, GUESSED, PASSWORDS[GUESSED], "192.0.2.1")

    def test_guessing_one_account_locks_only_that_address_and_account(self, page):
        for _ in range(3):
            assert not logs_in(page, GUESSED, "faux", "198.51.100.1")
        assert not logs_in(page, GUESSED, PASSWORDS[GUESSED], "198.51.100.1")
        assert logs_in(page, GUESSED, PASSWORDS[GUESSED], "203.0.113.1")

    def test_an_unrelated_right_password_from_the_same_address_logs_in(self, page):
        for name in [GUESSED] + [f"someone-{i}" for i in range(10)]:
            for _ in range(3):
                assert not logs_in(page, name, "faux", "198.51.100.2")
        assert logs_in(page, OTHER, PASSWORDS[OTHER], "198.51.100.2")

    def test_a_refusal_answers_as_a_wrong_password_does(self, page):
        """The same page, status and French sentence: the lockout tells a guesser nothing."""
        wrong = Client().post(page, {"username": GUESSED, "password": "faux"},
                              REMOTE_ADDR="198.51.100.6")
        for _ in range(2):
            assert not logs_in(page, GUESSED, "faux", "198.51.100.6")
        refused = Client().post(page, {"username": GUESSED, "password": PASSWORDS[GUESSED]},
                                REMOTE_ADDR="198.51.100.6")
        [sentence] = wrong.context["form"].non_field_errors()
        assert "mot de passe" in sentence  # the page's own French sentence
        assert refused.status_code == wrong.status_code == 200
        assert refused.context["form"].non_field_errors() == [sentence]
        assert escape(sentence) in refused.content.decode()

    def test_a_spoofed_forwarded_header_from_an_untrusted_peer_is_ignored(self, page):
        for i in range(3):  # a new "address" at each guess, in a header nobody trusts
            assert not logs_in(page, GUESSED, "faux", "198.51.100.3",
                               HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert not logs_in(page, GUESSED, PASSWORDS[GUESSED], "198.51.100.3",
                           HTTP_X_FORWARDED_FOR="203.0.113.50")
        # ...nor can a header pin the lock on someone else's address.
        assert logs_in(page, GUESSED, PASSWORDS[GUESSED], "203.0.113.1")

    def test_from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(self, page,
                                                                              settings):
        settings.MUTUALIS_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
        for i in range(3):  # the client rotates what it writes; the proxies append the rest
            assert not logs_in(page, GUESSED, "faux", "10.0.0.1",
                               HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.4, 10.1.1.1")
        assert not logs_in(page, GUESSED, PASSWORDS[GUESSED], "10.0.0.1",
                           HTTP_X_FORWARDED_FOR="198.51.100.4")
        # Another client behind the same proxy is not affected.
        assert logs_in(page, GUESSED, PASSWORDS[GUESSED], "10.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.5")


# ------------------------------------------------------------------- client_address()

def address(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_peer_is_the_client():
    assert address("198.51.100.1", "203.0.113.9") == "198.51.100.1"


@override_settings(MUTUALIS_TRUSTED_PROXIES=["10.0.0.5", "10.1.0.0/16", "2001:db8:ffff::/48"])
@pytest.mark.parametrize("remote, forwarded, client", [
    ("198.51.100.1", "203.0.113.9", "198.51.100.1"),  # the peer is no trusted proxy
    ("10.0.0.5", "203.0.113.9", "203.0.113.9"),
    ("10.0.0.5", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # left of it: the client's own text
    ("10.0.0.5", "203.0.113.9, 10.1.2.3", "203.0.113.9"),  # two proxies in a row
    ("10.0.0.5", "203.0.113.9,10.1.2.3,  ", "203.0.113.9"),
    ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
    ("::ffff:10.0.0.5", "[2001:db8:1::7]:4711", "2001:db8:1::7"),
    ("10.0.0.5", "203.0.113.9:4711", "203.0.113.9"),
    ("10.0.0.5", None, "10.0.0.5"),  # a request from the proxy itself
    ("10.0.0.5", "10.1.2.3", "10.1.2.3"),
    ("10.0.0.5", "203.0.113.9, garbage", "10.0.0.5"),  # not an address: stop, the proxy
    ("10.0.0.5", "'; --, \x00", "10.0.0.5"),
    ("10.0.0.6", "203.0.113.9", "10.0.0.6"),  # next to a trusted proxy is not one
])
def test_behind_trusted_proxies(remote, forwarded, client):
    assert address(remote, forwarded) == client


def test_a_wrong_trusted_proxy_setting_says_which_entry(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.MUTUALIS_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example.fr"]
    with pytest.raises(ImproperlyConfigured, match="proxy.example.fr"):
        address("10.0.0.1", "203.0.113.9")


def test_a_proxy_left_out_of_the_setting_is_pointed_out_once(caplog, monkeypatch):
    import mutualis.client_address as module

    monkeypatch.setattr(module, "_warned", False)
    with caplog.at_level("WARNING", logger="mutualis.client_address"):
        assert address("93.184.216.34", "198.51.100.1") == "93.184.216.34"  # public: no hint
        assert not caplog.records
        for _ in range(3):
            assert address("127.0.0.1", "198.51.100.1") == "127.0.0.1"
    [record] = caplog.records
    assert "MUTUALIS_TRUSTED_PROXIES" in record.getMessage()
