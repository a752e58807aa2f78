"""API rate limits: each caller gets ``API_RATE_LIMIT`` requests (``"1200/min"``): a partner's
API key, a staff member's token, a signed-in user of the pages, and — for the few endpoints
open without a login — the client address. One more is a 429 ``throttled`` with
``Retry-After`` (and ``details.retry_after_seconds``). Counted in the cache: shared through
Redis when ``REDIS_URL`` is set; per process otherwise (the embedded default). With Redis down
the limit is not applied (logged): a lost count must not turn every API call into a 500.

On Redis a caller's count is a fixed window that opens with its first request (one round trip
per request: :meth:`salesdesk.cache.RedisCache.hit`); ``Retry-After`` is the time until it
closes. DRF's own sliding window, kept for the per-process cache, reads and writes the list of
every request's time in the last period (up to ``API_RATE_LIMIT`` of them, pickled) with two
round trips per request."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey, PersonalToken
from salesdesk.cache import RedisCache

if TYPE_CHECKING:  # DRF's views import the throttle classes named in the settings
    from rest_framework.views import APIView


logger = logging.getLogger(__name__)


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"
    # The fixed window's counter: a key of its own, never DRF's list of times.
    window_format = "ratelimit:%(scope)s:%(ident)s"
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            counter = caches["default"]
            if isinstance(counter, RedisCache):
                return self._allow_in_window(counter, request)
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("rate limit not applied: the cache is unavailable", exc_info=True)
            return True

    def _allow_in_window(self, counter: RedisCache, request: Request) -> bool:
        # The rate was read when DRF built this throttle, for this request.
        count, self._window_left = counter.hit(
            self.window_format % {"scope": self.scope, "ident": self._ident(request)},
            self.duration,
        )
        return count <= self.num_requests

    def wait(self) -> float | None:
        window_left: float | None = getattr(self, "_window_left", None)
        if window_left is not None:
            return max(window_left, 1.0)
        return super().wait()

    def get_rate(self) -> str:
        # Read at each request (DRF's class attribute is frozen at import, which would ignore
        # a changed setting).
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}

    def _ident(self, request: Request) -> str:
        auth: Any = request.auth
        if isinstance(auth, ApiKey):
            return f"key:{auth.pk}"
        if isinstance(auth, PersonalToken):
            return f"token:{auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"
