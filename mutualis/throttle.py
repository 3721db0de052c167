"""Login throttling, in front of every authentication backend.

Every login page (/connexion/ for staff and officials, the Wagtail admin's, the Django admin's)
calls django.contrib.auth.authenticate(), whose first backend is LoginThrottle. The client's
address is mutualis.client_address.client_address() (X-Forwarded-For believed only from
settings.MUTUALIS_TRUSTED_PROXIES); an IPv6 address counts as its /64. Within
MUTUALIS_LOGIN_WINDOW seconds:

- per (address, account): after MUTUALIS_LOGIN_MAX_FAILURES failures for one account from one
  address, that pair is refused (the backends are not asked) until the window has passed. It is
  the limit a guesser meets; nobody else is affected. A successful login from that address
  starts the pair's count again.
- per account, across addresses: after MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES failures (higher;
  against guessing one account from many addresses), the account is refused from every address
  it has not logged in from within MUTUALIS_LOGIN_KNOWN_DAYS. Its owner keeps logging in from
  the addresses they used before; elsewhere they wait for the window (or a new activation or
  password link, which does not go through this check). A successful login does not clear this
  count: the guesser may still be at work.
- per address, across accounts: only counted and logged (a warning on the `mutualis.throttle`
  logger when MUTUALIS_LOGIN_ADDRESS_WARNING failures are reached, and at each multiple), never
  refused: behind a reverse proxy or a carrier NAT many people share an address, and one
  person's guessing must never refuse another account's right password.

Counters live in Django's cache (shared between web processes when the cache is Redis); cache
keys carry a digest of the address and account, never the raw text. The directory's password
policy locks a directory account on its own besides this.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from .client_address import client_address

log = logging.getLogger(__name__)
KNOWN_ADDRESSES_KEPT = 20


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _account(username: str | None) -> str:
    return (username or "").strip().lower()


def throttled_address(request) -> str:
    """The address the counters use: the client's, an IPv6 one as its /64 (one subscriber)."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def pair_key(address: str, username: str | None) -> str:
    return f"login-failures:pair:{_digest(address + chr(0) + _account(username))}"


def account_key(username: str | None) -> str:
    return f"login-failures:account:{_digest(_account(username))}"


def address_key(address: str) -> str:
    return f"login-failures:addr:{_digest(address)}"


def known_key(username: str | None) -> str:
    return f"login-known:{_digest(_account(username))}"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _limit() -> int:
    return _setting("MUTUALIS_LOGIN_MAX_FAILURES", 10)


def _account_limit() -> int:
    return _setting("MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES", 50)


def _address_warning() -> int:
    return _setting("MUTUALIS_LOGIN_ADDRESS_WARNING", 30)


def _window() -> int:
    return _setting("MUTUALIS_LOGIN_WINDOW", 900)


def _known_seconds() -> int:
    return _setting("MUTUALIS_LOGIN_KNOWN_DAYS", 30) * 86400


def _known(username: str | None) -> list[str]:
    return list(cache.get(known_key(username)) or [])


class LoginThrottle:
    """First in AUTHENTICATION_BACKENDS: refuses (PermissionDenied stops the other backends)
    while too many attempts failed; never authenticates anyone itself."""

    def authenticate(self, request, username: str | None = None, **kwargs):
        if username is None:
            return None
        address = throttled_address(request)
        refused = None
        if cache.get(pair_key(address, username), 0) >= _limit():
            refused = "too many failures for this account from this address"
        elif (cache.get(account_key(username), 0) >= _account_limit()
                and _digest(address) not in _known(username)):
            refused = "too many failures for this account, from an address it has not " \
                      "logged in from"
        if refused is None:
            return None
        log.info("login refused: %s", refused)
        if request is not None:
            # Django sends user_login_failed for this refusal too: it tried no password, so
            # count_failure does not count it.
            request._mutualis_login_refused = True
        raise PermissionDenied

    def get_user(self, user_id):
        # Sessions opened without a password (Client.force_login, `login(user)` in code) name
        # the first backend: find their user the way Django's own backend does.
        return ModelBackend().get_user(user_id)


def increment(key: str, window: int) -> int:
    """Count one more event under `key` for `window` seconds from the first; the new count."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, window)
        return 1


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs) -> None:
    if getattr(request, "_mutualis_login_refused", False):
        request._mutualis_login_refused = False
        return
    username = credentials.get("username")
    address = throttled_address(request)
    window = _window()
    increment(pair_key(address, username), window)
    increment(account_key(username), window)
    if address:
        count = increment(address_key(address), window)
        warning = _address_warning()
        if warning > 0 and count % warning == 0:
            log.warning("%d failed logins from %s within %d s, across accounts (counted, "
                        "not refused)", count, address, window)


@receiver(user_logged_in)
def reset_user(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    username = user.get_username()
    address = throttled_address(request)
    cache.delete(pair_key(address, username))
    if address:
        known = [d for d in _known(username) if d != _digest(address)]
        known.append(_digest(address))
        cache.set(known_key(username), known[-KNOWN_ADDRESSES_KEPT:], _known_seconds())
