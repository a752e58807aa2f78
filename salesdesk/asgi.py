"""The ASGI entry point, which the shipped gunicorn setup serves (``gunicorn.conf.py``): Django
behind :class:`~salesdesk.asgi_guard.BodyGuard`, so a request reaches a view only complete."""

import os
import warnings
from typing import Any

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from salesdesk.asgi_guard import BodyGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdesk.settings")
# whitenoise answers static files with a file iterator, which Django's ASGI handler reads in a
# thread and warns about on every file; that is the expected cost of serving them here.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)


class OneSyncThreadASGIHandler(ASGIHandler):
    """Django's ASGI handler, with every request's synchronous code (middleware, views, the
    request signals) run in one thread of the process instead of a thread of its own.

    Django opens a ``ThreadSensitiveContext`` per request, so its sync code runs in a new
    thread each time, and a database connection (one per thread) is never used again: with
    ``CONN_MAX_AGE`` above 0 they piled up until PostgreSQL refused clients, at 0 each request
    paid a new connection (a PostgreSQL backend process started, ``SET TIME ZONE``). Here,
    without that context, asgiref runs thread-sensitive code in its one process-wide thread:
    one connection per worker process, kept (``CONN_MAX_AGE``) and checked before each
    request's first query (``CONN_HEALTH_CHECKS``). Views run one at a time per process, as
    with a sync worker — the project's views are CPU-bound and Python's lock made their
    threads no faster; reading slow clients' requests and writing responses stays on the event
    loop, so slow clients still cost only a socket (tests/test_server_setup.py)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


django.setup(set_prefix=False)
django_application = OneSyncThreadASGIHandler()
application = BodyGuard(
    django_application,
    max_bytes=settings.REQUEST_MAX_BODY_BYTES,
    timeout_seconds=settings.REQUEST_BODY_TIMEOUT_SECONDS,
)
