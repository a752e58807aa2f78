"""Error pages speak Russian, in the site's layout, with the way home; the API keeps JSON."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f"Ошибка {status}" in html
    assert f"<h1>{title}</h1>" in html
    assert 'data-testid="error-home"' in html and ">На главную<" in html
    return html


def test_an_unknown_page_is_a_russian_404_in_the_layout(client: Client) -> None:
    client.force_login(UserFactory.create(role="manager", full_name="Иван Петров"))

    html = assert_page(client.get("/no-such-page/"), 404, "Страница не найдена")

    assert 'class="topbar"' in html and "Иван Петров" in html  # the site's layout, signed in


def test_another_partners_object_is_the_same_404(client: Client) -> None:
    client.force_login(UserFactory.create(role="partner_owner"))

    assert_page(client.get(f"/cabinet/orders/{uuid.uuid4()}/"), 404, "Страница не найдена")


def test_a_page_of_another_role_is_a_russian_403(client: Client) -> None:
    client.force_login(UserFactory.create(role="manager"))

    html = assert_page(client.get("/head/"), 403, "Нет доступа")

    assert "руководителю отдела продаж" in html


def test_a_form_without_its_csrf_token_says_to_reload() -> None:
    client = Client(enforce_csrf_checks=True)

    html = assert_page(
        client.post("/accounts/login/", {"username": "x", "password": "y"}),
        403,
        "Страница устарела",
    )

    assert "Обновите страницу" in html


@pytest.mark.urls("tests.error_views")
def test_a_crash_is_a_russian_500_and_the_api_stays_json() -> None:
    client = Client(raise_request_exception=False)

    assert_page(client.get("/test/crash/"), 500, "Что-то пошло не так")
    api = client.get("/api/test/crash/")
    assert api.status_code == 500 and api.json()["code"] == "server_error"
