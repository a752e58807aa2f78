"""The cabinet page «Что принёс отдел продаж», its CSV, the link from the statements and the
menu: partner owner and staff see their own partner's figures, nobody else does."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory
from tests.stats import partner_report_world as world_module
from tests.stats.partner_report_world import World

pytestmark = pytest.mark.django_db

PAGE = "/cabinet/stats/"
SEPT = {"date_from": "2025-09-01", "date_to": "2025-09-30"}


@pytest.fixture
def world() -> World:
    return world_module.build()


def owner_of(partner: Any, role: str = "partner_owner") -> Any:
    return UserFactory.create(role=role, partner=partner)


@pytest.mark.parametrize("role", ["partner_owner", "partner_staff"])
def test_the_page_shows_the_hand_worked_september(
    client: Client, world: World, role: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(owner_of(world.partner, role))

    with django_assert_max_num_queries(6):
        response = client.get(PAGE, SEPT)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Что принёс отдел продаж" in html
    # the share in big type: 4 won of 7 sent
    assert 'data-testid="share">57,1&nbsp;%' in html
    assert "4 из 7" in html
    assert 'data-testid="orders">9<' in html
    assert 'data-testid="paid-in-grace">1<' in html
    assert 'data-testid="sent">7<' in html
    assert 'data-testid="taken">5<' in html
    assert 'data-testid="won">4<' in html
    assert 'data-testid="revenue">9\xa0005,00\xa0₽' in html
    assert 'data-testid="fees">621,35\xa0₽' in html
    # one row per product and per month, and the chart's data
    assert html.count("data-product=") == 2
    assert 'data-month="2025-09"' in html
    assert 'id="sales-department-chart"' in html
    assert "uPlot.iife.min.js" in html


def test_a_second_partner_sees_only_its_own_figures(client: Client, world: World) -> None:
    client.force_login(owner_of(world.other_partner))

    html = client.get(PAGE, SEPT).content.decode()

    assert 'data-testid="orders">1<' in html
    assert 'data-testid="fees">69,00\xa0₽' in html
    assert "Курс Python" not in html and "Курс SQL" not in html


@pytest.mark.parametrize("role", ["manager", "head"])
def test_staff_have_no_partner_report_page(client: Client, role: str) -> None:
    client.force_login(UserFactory.create(role=role))

    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE + "csv/").status_code == 404


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_bad_dates_show_why_and_the_last_twelve_months(client: Client) -> None:
    client.force_login(owner_of(UserFactory.create(role="partner_owner").partner))

    response = client.get(PAGE, {"date_from": "2025-09-30", "date_to": "2025-09-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="period-error"' in html
    assert html.count("data-month=") == 12


def test_the_csv_has_the_totals_each_product_and_each_month(client: Client, world: World) -> None:
    client.force_login(owner_of(world.partner))

    response = client.get(PAGE + "csv/", SEPT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # a person opens it in a spreadsheet: Russian titles and rows named in words
    assert [(r["Строка"], r["Период, продукт или месяц"]) for r in rows] == [
        ("Итого", "1 сентября 2025 – 30 сентября 2025"),
        ("Продукт", "Курс Python"),
        ("Продукт", "Курс SQL"),
        ("Месяц", "Сентябрь 2025"),
    ]
    total = rows[0]
    assert (
        total["Заказов, включая отменённые"],
        total["Передано в отдел продаж"],
        total["Оплачено после работы"],
    ) == ("9", "7", "4")
    assert (
        total["Возвращённая выручка, ₽"],
        total["Комиссия, ₽"],
        total["Доля оплаченных после работы, %"],
    ) == ("9005.00", "621.35", "57.1")
    assert rows[2]["Из них оплачено позже, в окне учёта"] == "1"
    assert not any(code in response.content.decode() for code in ("sent_to_sales", "total,"))


def test_the_csv_refuses_bad_dates(client: Client) -> None:
    client.force_login(UserFactory.create(role="partner_owner"))

    response = client.get(PAGE + "csv/", {"date_from": "nope"})

    assert response.status_code == 400


def test_the_statements_link_to_the_report_of_their_month(client: Client, world: World) -> None:
    client.force_login(owner_of(world.partner))

    html = client.get("/cabinet/billing/statements/").content.decode()

    assert "Что принёс отдел продаж за этот месяц" in html
    assert "/cabinet/stats/?date_from=2025-09-01&amp;date_to=2025-09-30" in html
    assert "/cabinet/stats/?date_from=2025-10-01&amp;date_to=2025-10-31" in html


def test_the_partner_menu_has_the_report(client: Client) -> None:
    client.force_login(UserFactory.create(role="partner_staff"))

    html = client.get("/cabinet/billing/").content.decode()

    assert f'href="{PAGE}"' in html
    assert "Отдел продаж" in html
