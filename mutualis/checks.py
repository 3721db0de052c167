"""System checks of the project's own settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Each process keeps its own (or no) cache: a page published through one web process stays
# stale in the others, and login failures are counted per process.
PER_PROCESS = ("django.core.cache.backends.locmem.LocMemCache",
               "django.core.cache.backends.dummy.DummyCache")


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Error]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS:
        return []
    return [Error(f"the cache is per process ({backend.rsplit('.', 1)[-1]}): the web processes "
                  "would each serve their own stale pages and count login failures apart",
                  hint="set MUTUALIS_CACHE_URL=redis://host:6379/0 (docs/settings.md)",
                  id="mutualis.E001")]
