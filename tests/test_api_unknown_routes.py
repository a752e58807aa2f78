"""Under /api/ every answer is JSON, whatever the method and however wrong the path: a write to
an unknown path or to a malformed id is a JSON 404, not Django's HTML CSRF page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory
from tests.clients import partner_api
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/orders//pay/"])
def test_writes_to_unknown_api_paths_are_json_404s(method: str, path: str) -> None:
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path, data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_malformed_id_is_a_json_404_or_405_for_a_partner(method: str) -> None:
    client = partner_api(PartnerFactory.create())

    response = getattr(client, method)("/api/v1/orders/not-a-uuid/pay/", data={}, format="json")

    # POST is the route's method: the id is not found; the others are not allowed there.
    assert response.status_code == (404 if method == "post" else 405)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == ("not_found" if method == "post" else "method_not_allowed")


def test_a_session_api_write_without_its_csrf_token_is_a_json_403() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create(role="head"))

    response = client.post("/api/v1/queue/take/", data="{}", content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"code", "message", "details"}


def test_a_page_without_its_csrf_token_is_still_a_page_not_json() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
