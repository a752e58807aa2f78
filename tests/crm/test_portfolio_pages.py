"""The account manager's portfolio page (/portfolio/): their clients only — of any partner —
with purchases and the next follow-up, soonest first; other roles are refused; the follow-up is
marked done from the page; the clients' contact pages open for them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Task
from tests.accounts.factories import UserFactory
from tests.clients import logged_in, partner_api, staff_api
from tests.crm.factories import ContactFactory, DealFactory, TaskFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/portfolio/"


def client_of(am, *, partner=None, name: str, days_ago: int = 10) -> Contact:
    return ContactFactory.create(
        partner=partner or PartnerFactory.create(),
        name=name,
        account_manager=am,
        account_manager_since=timezone.now() - dt.timedelta(days=days_ago),
    )


def follow_up(am, contact: Contact, *, due_in_days: float) -> Task:
    deal = DealFactory.create(
        partner=contact.partner,
        product=ProductFactory.create(partner=contact.partner),
        contact=contact,
        status="won",
    )
    return TaskFactory.create(
        deal=deal,
        assignee=am,
        kind=Task.Kind.FOLLOW_UP,
        text=f"Свяжитесь с клиентом {contact.name}",
        due_at=timezone.now() + dt.timedelta(days=due_in_days),
    )


def paid(contact: Contact, *, product_name: str, amount: str, paid_at: dt.datetime):
    return OrderFactory.create(
        product=ProductFactory.create(partner=contact.partner, name=product_name),
        contact=contact,
        customer_name=contact.name,
        amount=Decimal(amount),
        status="paid",
        paid_at=paid_at,
        paid_amount=Decimal(amount),
    )


@pytest.mark.parametrize(
    "role", ["manager", "caller", "head", "qa", "partner_owner", "partner_staff"]
)
def test_other_roles_are_refused(role: str) -> None:
    response = logged_in(UserFactory.create(role=role)).get(URL)

    assert response.status_code == 403


def test_a_visitor_is_sent_to_log_in() -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_lists_only_this_account_managers_clients_of_every_partner() -> None:
    # given Anna keeps two clients of two partners; Boris keeps a third
    anna = UserFactory.create(role="account_manager")
    boris = UserFactory.create(role="account_manager")
    school = PartnerFactory.create(name="Онлайн-школа «Кисть»")
    shop = PartnerFactory.create(name="Магазин «Чай»")
    olga = client_of(anna, partner=school, name="Ольга Акварелева")
    petr = client_of(anna, partner=shop, name="Пётр Чаев")
    client_of(boris, partner=shop, name="Чужой Клиент")
    # and a buyer of the school nobody keeps
    ContactFactory.create(partner=school, name="Ничей Покупатель")

    page = logged_in(anna).get(URL).content.decode()

    assert "Ольга Акварелева" in page and "Пётр Чаев" in page
    assert "Онлайн-школа «Кисть»" in page and "Магазин «Чай»" in page
    assert "Чужой Клиент" not in page and "Ничей Покупатель" not in page
    assert reverse("contacts:contact", args=[olga.pk]) in page
    assert reverse("contacts:contact", args=[petr.pk]) in page


def test_purchases_are_the_clients_own_paid_orders() -> None:
    anna = UserFactory.create(role="account_manager")
    olga = client_of(anna, name="Ольга Акварелева")
    paid(
        olga,
        product_name="Курс акварели",
        amount="12500.00",
        paid_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
    )
    # not purchases: her unpaid order, and another buyer's paid order of the same partner
    OrderFactory.create(
        product=ProductFactory.create(partner=olga.partner, name="Неоплаченный курс"),
        contact=olga,
    )
    other = ContactFactory.create(partner=olga.partner, name="Другой Покупатель")
    paid(
        other,
        product_name="Чужая покупка",
        amount="999.00",
        paid_at=dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC),
    )

    page = logged_in(anna).get(URL).content.decode()

    assert "Курс акварели" in page
    assert "12\u00a0500,00\u00a0₽" in page  # the site's money format
    assert "20 ноября" in page
    assert "Неоплаченный курс" not in page and "Чужая покупка" not in page


def test_clients_are_sorted_by_the_next_follow_up_and_the_overdue_one_is_marked() -> None:
    anna = UserFactory.create(role="account_manager")
    later = client_of(anna, name="Клиент Позже")
    overdue = client_of(anna, name="Клиент Просрочен")
    none = client_of(anna, name="Клиент Без Контакта", days_ago=1)
    soon = client_of(anna, name="Клиент Скоро")
    follow_up(anna, later, due_in_days=5)
    follow_up(anna, overdue, due_in_days=-1)
    follow_up(anna, soon, due_in_days=1)
    # a follow-up already done does not count
    done = follow_up(anna, none, due_in_days=-3)
    Task.objects.filter(pk=done.pk).update(done_at=timezone.now())

    response = logged_in(anna).get(URL)
    page = response.content.decode()

    names = [c.name for c, _p in response.context["rows"]]
    assert names == ["Клиент Просрочен", "Клиент Скоро", "Клиент Позже", "Клиент Без Контакта"]
    assert page.count('data-testid="portfolio-overdue"') == 1
    assert page.count('data-testid="portfolio-follow-up-done"') == 3
    assert "срок прошёл" in page


def test_the_follow_up_is_marked_done_from_the_page() -> None:
    anna = UserFactory.create(role="account_manager")
    olga = client_of(anna, name="Ольга Акварелева")
    task = follow_up(anna, olga, due_in_days=2)
    browser = logged_in(anna)

    response = browser.post(reverse("tasks:done", args=[task.pk]), {"next": URL})

    assert (response.status_code, response["Location"]) == (302, URL)
    task.refresh_from_db()
    assert (task.done_at is not None, task.done_by) == (True, anna)
    page = browser.get(URL).content.decode()
    assert 'data-testid="portfolio-no-follow-up"' in page


def test_task_done_goes_back_only_to_a_page_of_this_site() -> None:
    anna = UserFactory.create(role="account_manager")
    task = follow_up(anna, client_of(anna, name="Ольга"), due_in_days=2)

    response = logged_in(anna).post(
        reverse("tasks:done", args=[task.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("tasks:list")


def test_another_account_managers_follow_up_cannot_be_marked() -> None:
    anna = UserFactory.create(role="account_manager")
    boris = UserFactory.create(role="account_manager")
    task = follow_up(boris, client_of(boris, name="Клиент Бориса"), due_in_days=2)

    response = logged_in(anna).post(reverse("tasks:done", args=[task.pk]), {"next": URL})

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_an_account_manager_opens_their_clients_contact_page_and_deal_but_no_one_elses() -> None:
    anna = UserFactory.create(role="account_manager")
    boris = UserFactory.create(role="account_manager")
    olga = client_of(anna, name="Ольга Акварелева")
    olgas = follow_up(anna, olga, due_in_days=2).deal
    borises = follow_up(boris, client_of(boris, name="Клиент Бориса"), due_in_days=2).deal
    browser = logged_in(anna)

    assert browser.get(reverse("contacts:contact", args=[olga.pk])).status_code == 200
    assert browser.get(reverse("deals:deal", args=[olgas.pk])).status_code == 200
    assert browser.get(reverse("contacts:contact", args=[borises.contact_id])).status_code == 404
    assert browser.get(reverse("deals:deal", args=[borises.pk])).status_code == 404


def test_the_account_managers_menu_has_my_clients_and_others_do_not() -> None:
    am_page = logged_in(UserFactory.create(role="account_manager")).get(URL).content.decode()
    manager_page = logged_in(UserFactory.create(role="manager")).get("/workspace/tasks/")

    assert f'href="{URL}"' in am_page and "Мои клиенты" in am_page
    assert f'href="{URL}"' not in manager_page.content.decode()


def test_an_empty_portfolio_says_how_clients_come() -> None:
    page = logged_in(UserFactory.create(role="account_manager")).get(URL).content.decode()

    assert 'data-testid="portfolio-empty"' in page
    assert "Клиентов пока нет" in page


# --- the same over REST: GET /api/v1/portfolio/ ---

API = "/api/v1/portfolio/"


def test_the_api_gives_the_account_managers_clients_soonest_follow_up_first() -> None:
    anna = UserFactory.create(role="account_manager")
    boris = UserFactory.create(role="account_manager")
    later = client_of(anna, name="Клиент Позже")
    overdue = client_of(anna, name="Клиент Просрочен")
    client_of(anna, name="Клиент Без Контакта")
    client_of(boris, name="Клиент Бориса")
    follow_up(anna, later, due_in_days=5)
    task = follow_up(anna, overdue, due_in_days=-1)
    paid(
        overdue,
        product_name="Курс акварели",
        amount="12500.00",
        paid_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
    )

    response = staff_api(anna).get(API)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["Клиент Просрочен", "Клиент Позже", "Клиент Без Контакта"]
    first = rows[0]
    assert first["partner"] == {"id": str(overdue.partner_id), "name": overdue.partner.name}
    assert first["next_follow_up"]["task"] == str(task.pk)
    assert first["next_follow_up"]["overdue"] is True
    assert first["purchases"] == [
        {"product": "Курс акварели", "amount": "12500.00", "paid_at": "2026-11-20T12:00:00+03:00"}
    ]
    assert rows[1]["next_follow_up"]["overdue"] is False
    assert rows[2]["next_follow_up"] is None


def test_the_api_pages_follow_the_same_order() -> None:
    anna = UserFactory.create(role="account_manager")
    for n in range(5):
        follow_up(anna, client_of(anna, name=f"Клиент {n}"), due_in_days=n + 1)
    client_of(anna, name="Клиент без контакта")
    api = staff_api(anna)

    names: list[str] = []
    url: str | None = f"{API}?page_size=2"
    while url:
        body = api.get(url).json()
        names += [r["name"] for r in body["results"]]
        url = body["next"]

    assert names == [f"Клиент {n}" for n in range(5)] + ["Клиент без контакта"]


@pytest.mark.parametrize("role", ["manager", "caller", "head", "qa"])
def test_the_api_refuses_other_roles_and_partners(role: str) -> None:
    assert staff_api(UserFactory.create(role=role)).get(API).status_code == 403
    assert partner_api(PartnerFactory.create()).get(API).status_code == 403
