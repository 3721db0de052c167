"""Login throttling: django-axes, with the two rules of ours that it has no setting for.

Every login page (/connexion/ for staff and officials, the Wagtail admin's, the Django admin's,
Wagtail's private-page login) calls django.contrib.auth.authenticate(), whose first backend is
axes' AxesStandaloneBackend. The client's address is mutualis.client_address.client_address()
(X-Forwarded-For believed only from settings.MUTUALIS_TRUSTED_PROXIES); an IPv6 address counts
as its /64. Within AXES_COOLOFF_TIME (15 minutes):

- per (address, account), axes itself: after AXES_FAILURE_LIMIT failures for one account from
  one address, that pair is refused (the backends are not asked) until 15 minutes have passed
  without a failure. It is the limit a guesser meets; nobody else is affected. A successful
  login from that address starts the pair's count again (AXES_RESET_ON_SUCCESS).
- per account, across addresses (LoginLimits below): after MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES
  failures (higher; against guessing one account from many addresses), the account is refused
  from every address it has not logged in from within MUTUALIS_LOGIN_KNOWN_DAYS (axes' access
  log of successful logins). Its owner keeps logging in from the addresses they used before;
  elsewhere they wait, or receive a new activation or password link, which does not go through
  this check. A successful login does not clear this count: the guesser may still be at work.
- per address, across accounts (LoginLimits below): only counted and logged (a warning on the
  `mutualis.throttle` logger when MUTUALIS_LOGIN_ADDRESS_WARNING failures are reached, and at
  each multiple), never refused: behind a reverse proxy or a carrier NAT many people share an
  address, and one person's guessing must never refuse another account's right password.

A refused attempt tries no password and is not counted. It looks like a wrong password: the
login page answers as it does for one (looks_like_a_wrong_password), so that the lockout
tells a guesser nothing. Attempts live in the database (axes' tables): shared by every web
process whatever the cache, and kept through a cache flush. The directory's password policy
locks a directory account on its own besides this.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessFailureLog, AccessLog
from django.core.cache import cache
from django.utils import timezone

from . import conf
from .client_address import client_address

log = logging.getLogger(__name__)


def throttled_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address, an IPv6 one as the first address of its
    /64 (one subscriber); None when the request has no address."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def account(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the account as typed, without its case and outer spaces."""
    if credentials is not None:
        name = credentials.get("username")
    else:
        name = getattr(request, "POST", {}).get("username")
    return (name or "").strip().lower()


def looks_like_a_wrong_password(request, original_response, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page as the view answered it, with its own "wrong
    identifier or password" sentence."""
    return original_response


class LoginLimits(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, and our per-account and per-address rules over
    its records (its failure log and its access log)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return (super().is_locked(request, credentials)
                or self._guessed_from_elsewhere(request, credentials))

    def _guessed_from_elsewhere(self, request, credentials: dict | None) -> bool:
        username = get_client_username(request, credentials)
        if not username:
            return False
        failures = AccessFailureLog.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request))
        if failures.count() < conf.MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES:
            return False
        known_since = timezone.now() - timedelta(days=conf.MUTUALIS_LOGIN_KNOWN_DAYS)
        if AccessLog.objects.filter(username=username, ip_address=request.axes_ip_address,
                                    attempt_time__gte=known_since).exists():
            return False
        log.info("login refused: too many failures for this account, from an address it has "
                 "not logged in from")
        return True

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = request is not None and request.axes_locked_out  # tried no password
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused:
            return
        since = get_cool_off_threshold(request)
        AccessFailureLog.objects.filter(attempt_time__lt=since).delete()  # outside the window
        address = request.axes_ip_address
        warning = conf.MUTUALIS_LOGIN_ADDRESS_WARNING
        if address is None or warning <= 0:
            return
        count = AccessFailureLog.objects.filter(ip_address=address,
                                                attempt_time__gte=since).count()
        if count % warning == 0:
            log.warning("%d failed logins from %s within %d s, across accounts (counted, "
                        "not refused)", count, address, get_cool_off(request).total_seconds())

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        known_since = timezone.now() - timedelta(days=conf.MUTUALIS_LOGIN_KNOWN_DAYS)
        AccessLog.objects.filter(attempt_time__lt=known_since).delete()


def increment(key: str, window: int) -> int:
    """Count one more event under `key` in the cache for `window` seconds from the first; the
    new count (the contact form's flood limit)."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, window)
        return 1
