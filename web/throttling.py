"""API rate limits: each caller gets ``API_RATE_LIMIT`` requests (``"1200/min"``): a partner's
API key, a staff member's token, a signed-in user of the pages, and — for the few endpoints
open without a login — the client address. One more is a 429 ``throttled`` with
``Retry-After`` (and ``details.retry_after_seconds``). Counted in the cache: shared through
Redis when ``REDIS_URL`` is set; per process otherwise (the embedded default). With Redis down
the limit is not applied (logged): a lost count must not turn every API call into a 500."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey, PersonalToken

if TYPE_CHECKING:  # DRF's views import the throttle classes named in the settings
    from rest_framework.views import APIView


logger = logging.getLogger(__name__)


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("rate limit not applied: the cache is unavailable", exc_info=True)
            return True

    def get_rate(self) -> str:
        # Read at each request (DRF's class attribute is frozen at import, which would ignore
        # a changed setting).
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        auth: Any = request.auth
        if isinstance(auth, ApiKey):
            ident = f"key:{auth.pk}"
        elif isinstance(auth, PersonalToken):
            ident = f"token:{auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
