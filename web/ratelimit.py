"""A per-address limit for the public forms that send email (sign-up, a new confirmation
link): ``SIGNUP_RATE_LIMIT`` requests per window, counted in the cache (Redis when
``REDIS_URL`` is set, per process otherwise). django-axes counts logins only, DRF's throttles
the API only; this is their counterpart for these pages. The address is ``REMOTE_ADDR``, as
for the login throttling."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import RedisError

from salesdesk.cache import count_in_window

logger = logging.getLogger(__name__)


def over_limit(request: HttpRequest, scope: str) -> int | None:
    """Count this request; the seconds until the window ends if it is one too many, else
    None (a fixed window: :func:`salesdesk.cache.count_in_window`)."""
    allowed, seconds = settings.SIGNUP_RATE_LIMIT
    key = f"ratelimit:{scope}:{request.META.get('REMOTE_ADDR', '')}"
    count, left = count_in_window(caches["default"], key, seconds)
    if count <= allowed:
        return None
    return max(1, int(left))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = render(
        request, "registration/too_many_requests.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def client_address(request: HttpRequest) -> str:
    """The client's address as the API's throttle reads it: ``REMOTE_ADDR``, or behind
    ``NUM_PROXIES`` proxies the address the outermost of them saw (``X-Forwarded-For``)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [a.strip() for a in str(forwarded).split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


def window_exceeded(key: str, rate: tuple[int, int]) -> int | None:
    """Count one hit on ``key`` against ``rate`` (requests, seconds): the seconds until the
    window ends if this hit is one too many, else None. With the cache unreachable the limit is
    not applied (logged), as for the API's throttle: a lost count must not refuse everyone."""
    allowed, seconds = rate
    try:
        count, left = count_in_window(caches["default"], f"ratelimit:{key}", seconds)
    except (RedisError, OSError):
        logger.warning("rate limit %s not applied: the cache is unavailable", key, exc_info=True)
        return None
    if count <= allowed:
        return None
    return max(1, int(left))
