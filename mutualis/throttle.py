"""Login throttling, in front of every authentication backend.

After MUTUALIS_LOGIN_MAX_FAILURES failed logins for one username, or from one address, within
MUTUALIS_LOGIN_WINDOW seconds, further attempts are refused without asking the backends until
the window has passed. Counters live in Django's cache (shared between web processes when the
cache is Redis). The directory's password policy locks an account on its own; this also covers
Django's own accounts and guessing across many usernames from one address.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver


def _keys(username: str | None, request) -> list[str]:
    keys = [f"login-failures:user:{(username or '').lower()}"]
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        keys.append(f"login-failures:addr:{address}")
    return keys


def _limit() -> int:
    return getattr(settings, "MUTUALIS_LOGIN_MAX_FAILURES", 10)


def _window() -> int:
    return getattr(settings, "MUTUALIS_LOGIN_WINDOW", 900)


class LoginThrottle:
    """First in AUTHENTICATION_BACKENDS: refuses (PermissionDenied stops the other backends)
    while too many attempts failed; never authenticates anyone itself."""

    def authenticate(self, request, username: str | None = None, **kwargs):
        if any(cache.get(key, 0) >= _limit() for key in _keys(username, request)):
            raise PermissionDenied
        return None

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
    for key in _keys(credentials.get("username"), request):
        increment(key, _window())


@receiver(user_logged_in)
def reset_user(sender, request, user, **kwargs) -> None:
    cache.delete(_keys(user.get_username(), None)[0])
