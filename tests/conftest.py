"""Shared fixtures. PostgreSQL-only tests carry ``@pytest.mark.postgres`` and are deselected
(with a note) when the suite runs on the embedded SQLite defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory, UserFactory
from tests.partners.factories import PartnerFactory

# Playwright's sync API runs an asyncio loop in the test thread; Django refuses ORM calls
# from a thread with a running loop unless told this is intended (it is: tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_report_header(config: pytest.Config) -> str:
    """Which database and broker this run really uses (nothing is claimed that does not run)."""
    db = settings.DATABASES["default"]
    if settings.IS_POSTGRES:
        database = f"PostgreSQL {db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
        scope = "all tests, PostgreSQL-only ones included"
    else:
        database = "SQLite"
        scope = "PostgreSQL-only tests (-m postgres) deselected"
    broker = "Redis" if settings.REDIS_URL else "file-system broker, in-process cache"
    return f"salesdesk: {database}, {broker}; {scope}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings.IS_POSTGRES:
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"SQLite run: {len(dropped)} PostgreSQL-only tests deselected; they run only "
                "with DATABASE_URL pointing at PostgreSQL (see the README's `make test`)."
            )


@pytest.fixture(autouse=True)
def _fast_and_eager(settings: Any) -> None:
    """A fast password hasher, and Celery tasks run inline (``.delay()`` returns once the task
    has run, and its exception propagates).

    The Celery app reads Django's settings under the ``CELERY_`` namespace (salesdesk/celery.py),
    and a lookup tries the namespaced key first in every layer: ``celery_app.conf.
    task_always_eager = True`` stored a plain ``task_always_eager`` that settings.py's
    ``CELERY_TASK_ALWAYS_EAGER = False`` shadowed. So the switch is the Django setting, which the
    app reads live; pytest-django's ``settings`` fixture puts it back after each test.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def partner_client() -> Callable[..., tuple[APIClient, Any]]:
    """``client, partner = partner_client()``: an API client holding a fresh partner's key."""

    def make(partner: Any = None) -> tuple[APIClient, Any]:
        partner = partner or PartnerFactory.create()
        _key, raw = ApiKeyFactory.issue(partner=partner)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client, partner

    return make


@pytest.fixture
def staff_client() -> Callable[..., tuple[APIClient, Any]]:
    """``client, user = staff_client(role="manager")``: an API client with a personal token."""

    def make(role: str = "manager", **kwargs: Any) -> tuple[APIClient, Any]:
        user = UserFactory.create(role=role, **kwargs)
        _token, raw = PersonalTokenFactory.issue(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client, user

    return make


# --- Browser (Playwright driving Debian's Chromium) -----------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
