"""Health check, API schema and docs, migrations in sync."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_is_503_when_the_broker_is_unreachable(client: Client, settings) -> None:
    # A Redis URL on a port where nothing listens.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_the_openapi_schema_describes_the_api(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "bearerAuth" in schema["components"]["securitySchemes"]
    for path in ("/api/v1/orders/", "/api/v1/queue/take/", "/api/v1/charges/"):
        assert path in schema["paths"]


def test_the_schema_generates_without_warnings_and_validates(tmp_path) -> None:
    """An undocumented view, an unnamed enum or an unknown authenticator fails here."""
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
        stderr=StringIO(),
    )

    assert "bearerAuth" in (tmp_path / "schema.yml").read_text()


def test_the_api_docs_page_is_served_from_our_own_static_files(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html


def test_models_and_migrations_are_in_sync() -> None:
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()
