"""Django's Redis cache, except that `clear()` empties only this cache's keys.

Django's clears the whole Redis database (FLUSHDB): with instances or test runs that share one
database under different KEY_PREFIXes (mutualis/cache_url.py), one clearing would empty the
others. Here it deletes the keys under its own prefix only (SCAN, never KEYS, so that Redis
keeps answering the others meanwhile).
"""

from __future__ import annotations

import re

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

BATCH = 500


class RedisCache(DjangoRedisCache):
    def clear(self) -> bool:
        if not self.key_prefix:
            return super().clear()
        client = self._cache.get_client(None, write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=BATCH):
            batch.append(key)
            if len(batch) == BATCH:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
