"""Django's CACHES from one URL (MUTUALIS_CACHE_URL), as DATABASE_URL gives DATABASES.

- `redis://[:password@]host:port/db` (or `rediss://` for TLS, `unix:///path?db=n`): Redis,
  shared by every process; what production and CI use.
- `locmem://[name]`: the memory of each process; only for the demo and development.
- `dummy://`: no cache at all.

Keys start with `prefix`, so that several instances (or test runs) may share one Redis
database. The settings import it: it imports nothing of the project.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "redis": "mutualis.redis_cache.RedisCache",
    "rediss": "mutualis.redis_cache.RedisCache",
    "unix": "mutualis.redis_cache.RedisCache",
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}


def caches(url: str, prefix: str) -> dict:
    """CACHES with one default cache, the one `url` names."""
    scheme = urlsplit(url).scheme
    if scheme not in BACKENDS:
        raise ImproperlyConfigured(f"MUTUALIS_CACHE_URL: unknown scheme {scheme or url!r} "
                                   f"(one of {', '.join(BACKENDS)})")
    cache = {"BACKEND": BACKENDS[scheme], "KEY_PREFIX": prefix}
    if scheme == "locmem":
        cache["LOCATION"] = urlsplit(url).netloc
    elif scheme != "dummy":
        cache["LOCATION"] = url  # redis-py reads the URL itself
    return {"default": cache}
