"""The ASGI entry point, which the shipped gunicorn setup serves (``gunicorn.conf.py``): Django
behind :class:`~salesdesk.asgi_guard.BodyGuard`, so a request reaches a view only complete."""

import os
import warnings

from django.conf import settings
from django.core.asgi import get_asgi_application

from salesdesk.asgi_guard import BodyGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdesk.settings")
# whitenoise answers static files with a file iterator, which Django's ASGI handler reads in a
# thread and warns about on every file; that is the expected cost of serving them here.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)
django_application = get_asgi_application()
application = BodyGuard(
    django_application,
    max_bytes=settings.REQUEST_MAX_BODY_BYTES,
    timeout_seconds=settings.REQUEST_BODY_TIMEOUT_SECONDS,
)
