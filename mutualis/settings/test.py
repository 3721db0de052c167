"""The test suite (pytest: pyproject's DJANGO_SETTINGS_MODULE), as dev but for the cache.

MUTUALIS_TEST_CACHE_URL names the cache the tests use (CI: Redis, the cache of production),
else each process's memory. The key prefix is this run's own: runs that share one Redis
database neither read nor clear each other's keys (mutualis/redis_cache.py), and a run's keys
go when it ends. The demo's MUTUALIS_CACHE_URL is not read, as MUTUALIS_TEST_BROKER stands for
CELERY_BROKER_URL.
"""

import atexit
import os
import secrets

from mutualis import cache_url

from .base import *  # noqa: F403

CACHES = cache_url.caches(os.environ.get("MUTUALIS_TEST_CACHE_URL", "locmem://"),
                          f"mutualis-test-{secrets.token_hex(6)}")


def _forget_this_runs_keys() -> None:
    try:
        from django.core.cache import cache

        cache.clear()  # this prefix's keys only; some never expire (the sites' versions)
    except Exception:  # Redis already gone: nothing more to do at exit
        pass


if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    atexit.register(_forget_this_runs_keys)
