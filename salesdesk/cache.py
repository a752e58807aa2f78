"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's client builds a new ``redis.Redis`` for every cache operation (``get_client``), and
each one fills its table of a few hundred response callbacks: on the API's hot paths, where the
rate limit reads and writes its counter on every request, that cost more CPU than the round
trips themselves. A ``redis.Redis`` over a connection pool is safe to share between threads.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # One for writes (the primary) and one for reads: with replicas listed, a process
        # keeps reading from the one it picked first.
        client = self._shared.get(write)
        if client is None:
            client = self._shared[write] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient
