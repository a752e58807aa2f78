"""The partner cabinet's fee pages and the head's fee table: partner-scoped, role-checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from billing.models import LedgerEntry
from billing.months import current_month, format_month, month_bounds, next_month, previous_month
from billing.services import fee_record_payment, fee_record_refund
from tests.accounts.factories import UserFactory
from tests.billing.factories import handled_paid_order, mark_refunded
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

THIS_MONTH = format_month(current_month())


@pytest.fixture
def owner():
    return UserFactory.create(role="partner_owner")


def charged(partner, amount: str = "1000.00", **kwargs):
    order = handled_paid_order(partner=partner, amount=amount, **kwargs)
    fee_record_payment(order=order)
    return order


def test_the_overview_shows_the_balance_all_time_and_this_month(client: Client, owner) -> None:
    # given: 69.00 this month, 1380.00 two months ago
    charged(owner.partner, external_id="now-1")
    old = charged(owner.partner, "20000.00", external_id="old-1")
    LedgerEntry.objects.filter(order=old).update(
        created_at=month_bounds(previous_month(previous_month(current_month())))[0]
        + dt.timedelta(days=1)
    )
    client.force_login(owner)

    html = client.get("/cabinet/billing/").content.decode()

    assert 'data-testid="balance-total">1\xa0449,00\xa0₽' in html
    assert 'data-testid="balance-month">69,00\xa0₽' in html


def test_the_charges_page_filters_by_kind_month_and_order(client: Client, owner) -> None:
    kept = charged(owner.partner, "20000.00", external_id="keep-me")
    charged(owner.partner, external_id="other-one")
    fee_record_refund(order=mark_refunded(kept, "15000.00"))
    client.force_login(owner)

    everything = client.get("/cabinet/billing/charges/").content.decode()
    by_order = client.get("/cabinet/billing/charges/", {"order": "keep-me"}).content.decode()
    reversals = client.get("/cabinet/billing/charges/", {"kind": "reversal"}).content.decode()
    last_month = client.get(
        "/cabinet/billing/charges/", {"month": format_month(previous_month(current_month()))}
    ).content.decode()

    assert "keep-me" in everything and "other-one" in everything
    assert (
        "1\xa0380,00\xa0₽" in by_order
        and "\u22121\xa0035,00\xa0₽" in by_order
        and "other-one" not in by_order
    )
    assert "\u22121\xa0035,00\xa0₽" in reversals and "1\xa0380,00" not in reversals
    assert "keep-me" not in last_month and "other-one" not in last_month


def test_a_bad_month_filter_shows_an_error_and_no_rows(client: Client, owner) -> None:
    charged(owner.partner, external_id="visible")
    client.force_login(owner)

    response = client.get("/cabinet/billing/charges/", {"month": "2026-13"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error"' in html and "visible" not in html


def test_the_statements_page_lists_months_with_csv_and_print_links(client: Client, owner) -> None:
    charged(owner.partner)
    client.force_login(owner)

    html = client.get("/cabinet/billing/statements/").content.decode()

    assert f'data-month="{THIS_MONTH}"' in html
    assert f"/cabinet/billing/statements/{THIS_MONTH}/csv/" in html
    assert f"/cabinet/billing/statements/{THIS_MONTH}/" in html


def test_the_printable_statement_and_csv_download(client: Client, owner) -> None:
    charged(owner.partner, "20000.00", external_id="printed")
    client.force_login(owner)

    page = client.get(f"/cabinet/billing/statements/{THIS_MONTH}/")
    download = client.get(f"/cabinet/billing/statements/{THIS_MONTH}/csv/")

    assert page.status_code == 200
    assert 'data-testid="statement-total">1\xa0380,00\xa0₽' in page.content.decode()
    assert "printed" in page.content.decode()
    assert download["Content-Type"].startswith("text/csv")
    assert "printed" in download.content.decode()
    # a person downloads it: the header is Russian (the API's CSV keeps its field names)
    assert download.content.decode().splitlines()[0] == (
        "Дата и время (Москва),Номер заказа в SalesDesk,Номер заказа в магазине,Вид,"
        '"Сумма, ₽","Рассчитано от суммы, ₽"'
    )
    # and the kind of each row is a word, not the API's code
    assert download.content.decode().splitlines()[1].split(",")[3] == "Комиссия"


@pytest.mark.parametrize("month", ["2026-13", "bad", format_month(next_month(current_month()))])
def test_a_bad_or_future_statement_page_is_404(client: Client, owner, month) -> None:
    client.force_login(owner)

    assert client.get(f"/cabinet/billing/statements/{month}/").status_code == 404
    assert client.get(f"/cabinet/billing/statements/{month}/csv/").status_code == 404


def test_a_second_partner_sees_nothing_of_the_first_partners_fees(client: Client, owner) -> None:
    charged(owner.partner, "20000.00", external_id="secret-order")
    intruder = UserFactory.create(role="partner_owner")
    client.force_login(intruder)

    pages = [
        "/cabinet/billing/",
        "/cabinet/billing/charges/",
        "/cabinet/billing/statements/",
        f"/cabinet/billing/statements/{THIS_MONTH}/",
        f"/cabinet/billing/statements/{THIS_MONTH}/csv/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "secret-order" not in body and "1380" not in body, url
    # the filter echoes what was typed, but finds nothing
    searched = client.get("/cabinet/billing/charges/", {"order": "secret-order"}).content.decode()
    assert "1380" not in searched and "<td>secret-order</td>" not in searched


def test_staff_cannot_open_the_cabinet_fee_pages(client: Client) -> None:
    client.force_login(UserFactory.create(role="head"))

    assert client.get("/cabinet/billing/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get("/cabinet/billing/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_head_sees_net_fees_per_partner_and_month(client: Client) -> None:
    first = PartnerFactory.create(name="Школа А")
    second = PartnerFactory.create(name="Магазин Б")
    order = charged(first, "20000.00")
    fee_record_refund(order=mark_refunded(order, "15000.00"))
    charged(second)
    client.force_login(UserFactory.create(role="head"))

    response = client.get("/head/billing/", {"year": current_month().year})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Школа А" in html and "Магазин Б" in html
    assert "<strong>345,00\xa0₽</strong>" in html and "<strong>69,00\xa0₽</strong>" in html
    assert '<th class="nowrap">414,00\xa0₽</th>' in html


@pytest.mark.parametrize("role", ["manager", "qa", "partner_owner"])
def test_only_the_head_opens_the_fee_table(client: Client, role: str) -> None:
    client.force_login(UserFactory.create(role=role))

    assert client.get("/head/billing/").status_code == 403


def test_the_fee_table_of_a_year_without_charges_is_empty(client: Client) -> None:
    charged(UserFactory.create(role="partner_owner").partner)
    client.force_login(UserFactory.create(role="head"))

    html = client.get("/head/billing/", {"year": 2001}).content.decode()

    assert "<tbody>" in html and "69,00" not in html


def test_statements_name_the_month_in_words_and_the_status_in_the_masculine(
    client: Client, owner
) -> None:
    charged(owner.partner)
    client.force_login(owner)
    month = current_month()

    listing = client.get("/cabinet/billing/statements/").content.decode()
    printed = client.get(f"/cabinet/billing/statements/{THIS_MONTH}/").content.decode()

    names = "Январь Февраль Март Апрель Май Июнь Июль Август Сентябрь Октябрь Ноябрь Декабрь"
    in_words = f"{names.split()[month.month - 1]} {month.year}"  # «Ноябрь 2026»
    assert f'data-testid="statement-month">{in_words}<' in listing
    assert f">{THIS_MONTH}<" not in listing  # the month's code stays in links only
    assert "Открыт<" in listing and "Открыта" not in listing
    assert f"Отчёт за {in_words.lower()}</h1>" in printed
