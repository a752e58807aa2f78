"""A per-address limit for the public forms that send email (sign-up, a new confirmation
link): ``SIGNUP_RATE_LIMIT`` requests per window, counted in the cache (Redis when
``REDIS_URL`` is set, per process otherwise). django-axes counts logins only, DRF's throttles
the API only; this is their counterpart for these pages. The address is ``REMOTE_ADDR``, as
for the login throttling."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def over_limit(request: HttpRequest, scope: str) -> int | None:
    """Count this request; the seconds until the window ends if it is one too many, else
    None. A fixed window: at most twice the rate can pass around a window's edge."""
    allowed, seconds = settings.SIGNUP_RATE_LIMIT
    now = time.time()
    window = int(now // seconds)
    key = f"ratelimit:{scope}:{request.META.get('REMOTE_ADDR', '')}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    if count <= allowed:
        return None
    return max(1, int((window + 1) * seconds - now))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = render(
        request, "registration/too_many_requests.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
