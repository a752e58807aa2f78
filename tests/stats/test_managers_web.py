"""The managers API, the head's dashboard (QA read-only), a manager's own page, the rate
editing and the exports — on the crafted world of tests/stats/managers_world.py."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from stats.models import CommissionRate
from tests.accounts.factories import UserFactory
from tests.stats.managers_world import World, build_world

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"date_from": "2026-11-10", "date_to": "2026-11-16"}
PAGE_QUERY = {"period": "range", **PERIOD_QUERY}


@pytest.fixture
def world() -> World:
    return build_world()


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the API ---------------------------------------------------------------------------------


def test_the_head_reads_every_managers_row(world: World, api_client: Any) -> None:
    api_client.force_authenticate(world.head)
    response = api_client.get("/api/v1/stats/managers/", PERIOD_QUERY)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    rows = {r["manager"]: r for r in body["results"]}
    anna = rows[str(world.anna.pk)]
    assert {k: anna[k] for k in ("taken", "touches", "won", "lost")} == {
        "taken": 3,
        "touches": 4,
        "won": 2,
        "lost": 3,
    }
    assert anna["conversion"] == "0.4000"
    assert (anna["revenue"], anna["fees"], anna["commission"]) == ("3500.00", "241.50", "350.00")
    assert anna["first_touch_delay_seconds"] == 600
    assert anna["deal_after_seconds"] == 10800
    assert anna["manager_name"] == "Анна Иванова"
    assert anna["lost_reasons"] == {"too_expensive": 1, "not_interested": 1, "unreachable": 1}
    assert rows[str(world.gleb.pk)]["conversion"] is None
    assert rows[str(world.vera.pk)]["is_active"] is False
    assert str(world.dmitry.pk) not in rows


def test_the_api_via_a_personal_token_too(world: World, staff_client: Any) -> None:
    client, _head = staff_client(role="head")
    response = client.get("/api/v1/stats/managers/", PERIOD_QUERY)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


@pytest.mark.parametrize("role", ["manager", "caller", "qa"])
def test_others_of_the_staff_get_403(role: str, staff_client: Any) -> None:
    client, _user = staff_client(role=role)
    response = client.get("/api/v1/stats/managers/", PERIOD_QUERY)
    assert response.status_code == 403
    assert response.json()["code"]


def test_a_partner_key_gets_403(world: World, partner_client: Any) -> None:
    client, _partner = partner_client(world.product.partner)
    assert client.get("/api/v1/stats/managers/", PERIOD_QUERY).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "10.11.2026"}, "date_from"),
        ({"date_to": "2026-13-01"}, "date_to"),
        ({"date_from": "2026-11-16", "date_to": "2026-11-10"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_from"),
    ],
)
def test_bad_dates_are_a_400_naming_the_field(
    query: dict[str, str], field: str, staff_client: Any
) -> None:
    client, _head = staff_client(role="head")
    response = client.get("/api/v1/stats/managers/", query)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]


def test_the_api_answers_in_a_fixed_number_of_queries(
    world: World, staff_client: Any, django_assert_max_num_queries: Any
) -> None:
    client, _head = staff_client(role="head")
    for _ in range(15):
        UserFactory.create(role="manager")
    # the token's user (and its last use), then the nine of manager_stats
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/stats/managers/", PERIOD_QUERY)
    assert len(response.json()["results"]) == 19


# --- the head's page -------------------------------------------------------------------------


def test_the_head_sees_the_table_the_totals_and_the_reasons_in_russian(world: World) -> None:
    response = _login(world.head).get("/head/stats/", PAGE_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Статистика менеджеров" in html
    assert "Анна Иванова" in html and "Борис Петров" in html
    assert "3\u00a0500,00\u00a0₽" in html  # Anna's revenue
    assert "4\u00a0500,00\u00a0₽" in html  # the total
    assert "Слишком дорого: 1" in html
    assert "Недоступен: 1" in html
    assert "не работает" in html  # Vera
    assert "10 мин" in html  # Anna's median first touch
    assert "40,0\u00a0%" in html  # Anna's conversion
    assert "Дмитрий" not in html
    assert 'data-testid="rate-form"' in html
    assert "data-chart" in html


def test_the_page_sorts_by_a_column_server_side(world: World) -> None:
    client = _login(world.head)
    html = client.get("/head/stats/", {**PAGE_QUERY, "sort": "-revenue"}).content.decode()
    assert html.index("Анна Иванова") < html.index("Борис Петров") < html.index("Глеб Орлов")
    assert 'aria-sort="descending"' in html
    html = client.get("/head/stats/", {**PAGE_QUERY, "sort": "revenue"}).content.decode()
    assert html.index("Борис Петров") < html.index("Анна Иванова")


def test_a_bad_period_on_the_page_shows_the_error_not_a_500(world: World) -> None:
    response = _login(world.head).get("/head/stats/", {"period": "range", "date_from": "x"})
    assert response.status_code == 200
    assert 'data-testid="period-error"' in response.content.decode()


def test_qa_sees_the_page_read_only(world: World) -> None:
    client = _login(world.qa)
    response = client.get("/head/stats/", PAGE_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Анна Иванова" in html
    assert 'data-testid="rate-form"' not in html
    url = f"/head/stats/managers/{world.anna.pk}/rate/"
    assert client.post(url, {"percent": "50"}).status_code == 403
    assert CommissionRate.objects.get(user=world.anna).percent == Decimal("10.00")


def test_a_manager_gets_403_on_the_heads_page_and_exports(world: World) -> None:
    client = _login(world.anna)
    assert client.get("/head/stats/").status_code == 403
    assert client.get("/head/stats/export.csv").status_code == 403
    assert client.get("/head/stats/export.xlsx").status_code == 403


def test_the_head_sets_a_rate_and_the_commission_follows(world: World) -> None:
    client = _login(world.head)
    response = client.post(
        f"/head/stats/managers/{world.boris.pk}/rate/", {"percent": "7,5", "next": "period=7d"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/head/stats/?period=7d"
    rate = CommissionRate.objects.get(user=world.boris)
    assert (rate.percent, rate.updated_by) == (Decimal("7.50"), world.head)
    html = client.get("/head/stats/", PAGE_QUERY).content.decode()
    assert "75,00\u00a0₽" in html  # 1 000 × 7,5 %


@pytest.mark.parametrize("value", ["101", "-1", "abc", ""])
def test_a_bad_rate_is_refused_with_a_message(world: World, value: str) -> None:
    client = _login(world.head)
    response = client.post(
        f"/head/stats/managers/{world.boris.pk}/rate/", {"percent": value}, follow=True
    )
    assert response.status_code == 200
    assert "От 0 до 100" in response.content.decode() or "от 0 до 100" in response.content.decode()
    assert not CommissionRate.objects.filter(user=world.boris).exists()


def test_the_rate_of_someone_not_a_seller_is_a_404(world: World) -> None:
    client = _login(world.head)
    assert (
        client.post(f"/head/stats/managers/{world.qa.pk}/rate/", {"percent": "5"}).status_code
        == 404
    )


def test_the_page_answers_in_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = _login(world.head)
    client.get("/head/stats/", PAGE_QUERY)
    for _ in range(20):
        UserFactory.create(role="manager")
    # session and user, nine for the table, one for the chart
    with django_assert_max_num_queries(13):
        assert client.get("/head/stats/", PAGE_QUERY).status_code == 200


# --- a manager's own page --------------------------------------------------------------------


def test_a_manager_sees_only_their_own_figures(world: World) -> None:
    response = _login(world.boris).get("/workspace/stats/", PAGE_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Моя статистика" in html
    assert "1\u00a0000,00\u00a0₽" in html  # Boris's revenue
    assert "50,00\u00a0₽" in html  # his commission
    assert "Анна" not in html and "3\u00a0500,00" not in html and "Вера" not in html


def test_the_head_and_partners_do_not_have_a_page_of_their_own(world: World) -> None:
    assert _login(world.head).get("/workspace/stats/").status_code == 403
    owner = UserFactory.create(role="partner_owner")
    assert _login(owner).get("/workspace/stats/").status_code == 403
    assert _login(owner).get("/head/stats/").status_code == 403


def test_the_nav_links_the_pages_by_role(world: World) -> None:
    assert "/workspace/stats/" in _login(world.anna).get("/workspace/stats/").content.decode()
    html = _login(world.qa).get("/head/stats/").content.decode()
    assert 'href="/head/stats/"' in html


# --- exports ---------------------------------------------------------------------------------


def test_the_csv_export_has_russian_headers_and_numbers(world: World) -> None:
    response = _login(world.head).get("/head/stats/export.csv", PAGE_QUERY)
    assert response.status_code == 200
    assert 'filename="manager-stats-2026-11-10_2026-11-16.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    anna = next(r for r in rows if r["Менеджер"] == "Анна Иванова")
    assert anna["Выручка (оплачено), ₽"] == "3500.00"
    assert anna["Комиссия менеджера, ₽"] == "350.00"
    assert anna["Взято"] == "3"
    assert anna["Конверсия, %"] == "40.00"
    assert "Слишком дорого: 1" in anna["Проиграно по причинам"]
    assert len(rows) == 4


def test_the_xlsx_export_opens_with_numbers(world: World) -> None:
    client = _login(world.qa)  # read-only viewers export too
    response = client.get("/head/stats/export.xlsx", PAGE_QUERY)
    assert response.status_code == 200
    assert "manager-stats-2026-11-10_2026-11-16.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[0] == "Менеджер"
    values = {
        row[0]: dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    anna = values["Анна Иванова"]
    assert anna["Выручка (оплачено), ₽"] == 3500
    assert anna["Взято"] == 3
    assert values["Вера Сидорова"]["Работает"] == "нет"


def test_an_export_of_a_bad_period_is_a_400(world: World) -> None:
    response = _login(world.head).get("/head/stats/export.csv", {"date_from": "nope"})
    assert response.status_code == 400
