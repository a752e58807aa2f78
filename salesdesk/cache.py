"""Django's Redis cache, with one Redis client per server for the whole process instead of one
per call.

Django's client builds a new ``redis.Redis`` for every cache operation (``get_client``), and
each one fills its table of a few hundred response callbacks: on the API's hot paths, where the
rate limit reads and writes its counter on every request, that cost more CPU than the round
trips themselves. Django also keeps its cache objects per request context (``caches`` is a
context-local), so under ASGI every request built a new cache object, a new connection pool
and so a new TCP connection to Redis (with its handshake). Clients, and their pools, are
therefore kept in this module, shared by every cache object of the process with the same
configuration: a ``redis.Redis`` over a connection pool is safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


class _SharedClient(RedisCacheClient):
    def __init__(
        self,
        servers: list[str],
        serializer: Any = None,
        pool_class: Any = None,
        parser_class: Any = None,
        **options: Any,
    ) -> None:
        super().__init__(servers, serializer, pool_class, parser_class, **options)
        self._config = (
            tuple(servers),
            repr(serializer),
            repr(pool_class),
            repr(parser_class),
            repr(sorted(options.items())),
        )

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # One for writes (the primary) and one for reads: with replicas listed, a process
        # keeps reading from the one it picked first.
        shared = (*self._config, write)
        client = _clients.get(shared)
        if client is None:
            with _clients_lock:
                client = _clients.get(shared)
                if client is None:
                    client = _clients[shared] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient

    def hit(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one hit on ``key`` in a fixed window of ``seconds`` that opens with the key's
        first hit: the hits so far in the window and the seconds until it closes. One round
        trip (a MULTI/EXEC pipeline), atomic: a key never outlives its window."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=True)
        pipe.set(key, 0, ex=seconds, nx=True)
        pipe.incr(key)
        pipe.pttl(key)
        _opened, count, ttl_ms = pipe.execute()
        return int(count), max(int(ttl_ms), 0) / 1000


def count_in_window(cache: Any, key: str, seconds: int) -> tuple[int, float]:
    """Count one hit on ``key`` in a fixed window of ``seconds``: the hits so far in the window
    and the seconds until it closes. On Redis one atomic round trip (:meth:`RedisCache.hit`,
    the window opens with the key's first hit); on another cache (the embedded default) windows
    follow the clock. Either way at most twice the allowance passes around a window's edge."""
    if isinstance(cache, RedisCache):
        return cache.hit(key, seconds)
    now = time.time()
    window = int(now // seconds)
    windowed = f"{key}:{window}"
    cache.add(windowed, 0, timeout=seconds + 1)
    try:
        count = cache.incr(windowed)
    except ValueError:  # evicted between add and incr
        cache.set(windowed, 1, timeout=seconds + 1)
        count = 1
    return int(count), (window + 1) * seconds - now
