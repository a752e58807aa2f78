"""gunicorn settings of the shipped production setup (Dockerfile, docker-compose.yml):

    gunicorn -c gunicorn.conf.py salesdesk.asgi:application

uvicorn workers (uvicorn-worker) serve Django's ASGI application behind
``salesdesk.asgi_guard.BodyGuard``. A sync worker belongs to one connection from its first byte
to the response: two clients trickling a login form froze the whole site for 30 s. Here headers
and bodies are read on each worker's event loop, and a view runs only once its request is
complete, so slow or idle clients cost a socket, not a worker (``/healthz`` keeps answering while
50 connections trickle bodies: tests/test_server_setup.py)."""

import os

# Database connections are kept between requests (CONN_MAX_AGE, checked at each request's first
# query): salesdesk.asgi runs a worker's synchronous code in one thread, so each worker process
# holds one connection instead of opening one per request. Pooling across processes and nodes
# is PgBouncer's job (README, "Running at scale").
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Processes; each runs Django's views one at a time (Python's lock makes threads no faster for
# this CPU-bound app). Default: one per core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
worker_class = "uvicorn_worker.UvicornWorker"
# A worker that has not reported for this long is restarted.
timeout = 60
graceful_timeout = 30
# Idle keep-alive connections are closed after this many seconds.
keepalive = 5
accesslog = "-"
