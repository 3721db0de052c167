"""Production: served over HTTPS only, behind a proxy that sets X-Forwarded-Proto.

Chosen by MUTUALIS_HTTPS=1, or named (DJANGO_SETTINGS_MODULE=mutualis.settings.production).
Needs a secret key of its own; `manage.py check --deploy` passes once MUTUALIS_CACHE_URL names
a shared cache too (mutualis/checks.py refuses a per-process one).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if "MUTUALIS_SECRET_KEY" not in os.environ:
    raise ImproperlyConfigured("MUTUALIS_HTTPS=1 needs MUTUALIS_SECRET_KEY in the environment")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Entering the browsers' preload list is each domain owner's decision (a commune's own
# domain included), not one the software makes for them.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The front's on-demand TLS question and Prometheus reach the web processes over plain HTTP,
# on their own addresses: not redirected (mutualis/health.py, tls_ask.py).
SECURE_REDIRECT_EXEMPT = [r"^metrics$", r"^tls/ask$"]
