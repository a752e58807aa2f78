"""The partner cabinet's product pages: settings, questionnaire with autosave, calls, history.

Every product page and action is reached through the partner's own products: a second
partner gets 404 on the first partner's objects.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import CallBooking, Product, Questionnaire, SalesStatus, StatusChange
from partners.services import (
    call_book,
    product_create,
    product_refuse,
    questionnaire_save,
    questionnaire_submit,
    sales_settings_update,
    slot_publish,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

FULL_ANSWERS = {name: f"Ответ: {name}" for name in Questionnaire.REQUIRED_FIELDS}


@pytest.fixture
def owner() -> Any:
    return UserFactory.create(role="partner_owner")


@pytest.fixture
def product(owner: Any) -> Product:
    return product_create(partner=owner.partner, name="Курс акварели", price="4900")


def submitted_product(owner: Any, name: str = "Курс графики") -> Product:
    product = product_create(partner=owner.partner, name=name, price="1000")
    sales_settings_update(product=product, actor=owner, enabled=True)
    questionnaire_save(product=product, actor=owner, answers=FULL_ANSWERS)
    return questionnaire_submit(product=product, actor=owner)


def a_slot(hours: int = 24) -> Any:
    head = UserFactory.create(role="head")
    return slot_publish(head=head, starts_at=timezone.now() + dt.timedelta(hours=hours))


# --- the product list ---


def test_the_product_list_shows_only_the_partners_own_products_with_their_status(
    client: Client, owner: Any, product: Product
) -> None:
    stranger: Any = UserFactory.create(role="partner_owner")
    product_create(partner=stranger.partner, name="Чужой курс", price="100")
    client.force_login(owner)

    html = client.get("/cabinet/products/").content.decode()

    assert "Курс акварели" in html and "Чужой курс" not in html
    assert "Выключен" in html  # the sales department is off until switched on
    assert f"/cabinet/products/{product.pk}/" in html


def test_the_cabinet_home_lists_the_products_beside_the_api_keys(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    html = client.get("/cabinet/").content.decode()

    assert "Курс акварели" in html and 'id="api-keys"' in html


def test_the_product_list_does_not_query_per_product(
    client: Client, owner: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        product_create(partner=owner.partner, name=f"Курс {n}", price="100")
    client.force_login(owner)

    with django_assert_max_num_queries(6):
        response = client.get("/cabinet/products/")

    assert response.content.decode().count("/cabinet/products/") >= 15


# --- creating a product ---


def test_a_partner_creates_a_product_and_lands_on_its_page(client: Client, owner: Any) -> None:
    client.force_login(owner)

    response = client.post(
        "/cabinet/products/new/", {"name": "Курс скетчинга", "price": "2500.50"}, follow=True
    )

    product = Product.objects.get(partner=owner.partner)
    assert product.name == "Курс скетчинга" and str(product.price) == "2500.50"
    assert response.redirect_chain[-1][0] == f"/cabinet/products/{product.pk}/"
    assert "Продукт создан" in response.content.decode()


def test_a_product_without_a_price_is_refused_next_to_the_field(client: Client, owner: Any) -> None:
    client.force_login(owner)

    response = client.post("/cabinet/products/new/", {"name": "Курс", "price": "0"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Product.objects.filter(partner=owner.partner).exists()


def test_a_direction_override_in_a_name_is_refused_next_to_the_field(
    client: Client, owner: Any
) -> None:
    client.force_login(owner)

    response = client.post(
        "/cabinet/products/new/", {"name": "Курс\u202eсрук", "price": "10", "external_id": "a\tb"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Управляющие символы и символы направления текста недопустимы (U+202E)." in html
    assert "(U+0009)" in html
    assert not Product.objects.filter(partner=owner.partner).exists()


def test_a_taken_external_id_shows_the_services_message(client: Client, owner: Any) -> None:
    product_create(partner=owner.partner, name="Первый", price="10", external_id="sku-1")
    client.force_login(owner)

    response = client.post(
        "/cabinet/products/new/", {"name": "Второй", "price": "10", "external_id": "sku-1"}
    )

    assert 'role="alert"' in response.content.decode()
    assert Product.objects.filter(partner=owner.partner).count() == 1


# --- the product page: settings ---


def test_partner_staff_open_the_product_page_and_change_its_settings(
    client: Client, owner: Any, product: Product
) -> None:
    staff = UserFactory.create(role="partner_staff", partner=owner.partner)
    client.force_login(staff)

    page = client.get(f"/cabinet/products/{product.pk}/")
    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {"enabled": "on", "grace_period_minutes": "90", "channels": ["phone", "telegram"]},
    )

    assert page.status_code == 200 and "Курс акварели" in page.content.decode()
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.sales_enabled and product.grace_period_minutes == 90
    assert product.channels == ["phone", "telegram"]
    assert StatusChange.objects.filter(product=product, actor=staff, reason="enabled").exists()


def test_settings_without_a_channel_are_refused_next_to_the_field(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {"enabled": "on", "grace_period_minutes": "60"},
    )

    assert "Выберите хотя бы один канал" in response.content.decode()
    product.refresh_from_db()
    assert not product.sales_enabled


def test_a_grace_period_over_a_week_is_refused(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {"grace_period_minutes": "10081", "channels": ["phone"]},
    )

    assert "errorlist" in response.content.decode()
    product.refresh_from_db()
    assert product.grace_period_minutes == 60


def test_the_priority_channel_is_set_on_the_settings_page(
    client: Client, owner: Any, product: Product
) -> None:
    # given: the partner allows WhatsApp, then phone, then email (in that order)
    client.force_login(owner)

    # when: they name email the priority channel
    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {
            "grace_period_minutes": "60",
            "channels": ["whatsapp", "phone", "email"],
            "priority_channel": "email",
        },
    )

    # then: saved, with the channels in the partner's order
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.priority_channel, product.channels) == (
        "email",
        ["whatsapp", "phone", "email"],
    )
    # and the page shows the boxes in that order, the unticked one last, and the choice
    html = client.get(f"/cabinet/products/{product.pk}/").content.decode()
    boxes = [html.index(f'name="channels" value="{c}"') for c in ("whatsapp", "phone", "email")]
    assert boxes == sorted(boxes) and html.index('value="telegram"') > boxes[-1]
    assert '<option value="email" selected>' in html and "Приоритетный канал" in html


def test_a_priority_channel_that_is_not_ticked_is_refused_next_to_the_field(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {"grace_period_minutes": "30", "channels": ["phone"], "priority_channel": "telegram"},
    )

    assert response.status_code == 200
    assert "Допустимо: phone." in response.content.decode()
    product.refresh_from_db()
    assert (product.priority_channel, product.grace_period_minutes) == ("", 60)
    assert product.channels == ["phone", "whatsapp", "telegram", "email"]


def test_unticking_the_priority_channel_clears_it(
    client: Client, owner: Any, product: Product
) -> None:
    # given: Telegram is the priority channel
    sales_settings_update(product=product, actor=owner, priority_channel="telegram")
    client.force_login(owner)

    # when: the partner unticks Telegram and leaves the priority choice as it was
    response = client.post(
        f"/cabinet/products/{product.pk}/settings/",
        {"grace_period_minutes": "60", "channels": ["phone"], "priority_channel": "telegram"},
    )

    # then: saved, with no priority channel
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.channels, product.priority_channel) == (["phone"], "")


# --- the questionnaire ---


def test_the_questionnaire_is_shown_in_its_sections_with_autosave(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    html = client.get(f"/cabinet/products/{product.pk}/").content.decode()

    for section in (
        "О проекте",
        "Продукт и аудитория",
        "Цена и оплата",
        "Старт и программа",
        "FAQ и возражения",
        "Условия и доступ",
        "Срочный контакт",
    ):
        assert section in html
    assert html.count('hx-trigger="input changed delay:1s"') == len(Questionnaire.TEXT_FIELDS)
    assert f'hx-post="/cabinet/products/{product.pk}/questionnaire/autosave/"' in html


def test_autosave_keeps_one_answer_as_a_draft_and_says_when(
    client: Client, owner: Any, product: Product
) -> None:
    questionnaire_save(product=product, actor=owner, answers={"faq": "Старый FAQ"}, partial=True)
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/questionnaire/autosave/",
        {"audience": "Взрослые новички"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<html" not in html and "Черновик сохранён в" in html
    questionnaire = Questionnaire.objects.get(product=product)
    assert questionnaire.audience == "Взрослые новички"
    assert questionnaire.faq == "Старый FAQ"  # the other answers stay
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.DRAFT


def test_autosave_shows_the_services_refusal(client: Client, owner: Any, product: Product) -> None:
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/questionnaire/autosave/",
        {"faq": "x" * 20_001},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert 'role="alert"' in html and "Черновик сохранён" not in html
    assert Questionnaire.objects.get(product=product).faq == ""


def test_submitting_an_incomplete_questionnaire_shows_errors_next_to_the_fields(
    client: Client, owner: Any, product: Product
) -> None:
    sales_settings_update(product=product, actor=owner, enabled=True)
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/questionnaire/",
        {"action": "submit", "project_description": "Школа рисования с 2015 года"},
    )

    html = response.content.decode()
    assert html.count("Это поле нужно заполнить") == len(Questionnaire.REQUIRED_FIELDS) - 1
    assert "Школа рисования с 2015 года" in html  # what was typed stays in the form
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.DRAFT
    assert Questionnaire.objects.get(product=product).project_description  # kept as a draft


def test_submitting_a_complete_questionnaire_moves_the_product_to_submitted(
    client: Client, owner: Any, product: Product
) -> None:
    sales_settings_update(product=product, actor=owner, enabled=True)
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/questionnaire/",
        {"action": "submit", **FULL_ANSWERS},
        follow=True,
    )

    product.refresh_from_db()
    assert product.sales_status == SalesStatus.SUBMITTED
    html = response.content.decode()
    assert "Отправлено" in html and "Забронировать созвон" in html


def test_the_questionnaire_cannot_be_submitted_while_the_sales_department_is_off(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/questionnaire/", {"action": "submit", **FULL_ANSWERS}
    )

    assert 'role="alert"' in response.content.decode()
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.DRAFT


def test_a_refused_product_shows_the_reason_and_the_comment(client: Client, owner: Any) -> None:
    product = submitted_product(owner)
    head = UserFactory.create(role="head")
    product_refuse(product=product, actor=head, reason="missing_info", comment="Нет цен")
    client.force_login(owner)

    html = client.get(f"/cabinet/products/{product.pk}/").content.decode()

    refusal = html.split('data-testid="refusal"')[1].split("</div>")[0]
    assert "Отклонено" in refusal and "Нет цен" in refusal
    assert "Информации недостаточно" in refusal  # the reason's label


def test_the_history_shows_who_when_from_to_and_why(client: Client, owner: Any) -> None:
    product = submitted_product(owner)
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    product_refuse(product=product, actor=head, reason="other", comment="Позвоните нам")
    client.force_login(owner)

    html = client.get(f"/cabinet/products/{product.pk}/").content.decode()

    trail = html.split('data-testid="audit-trail"')[1].split("</table>")[0]
    assert "Ольга Руководитель" in trail and "Позвоните нам" in trail
    assert "Отправлено" in trail and "Отклонено" in trail
    assert "Отдел продаж включён" in trail  # the switch-on, with its reason


def test_the_history_names_a_change_nobody_made_by_hand_in_words(
    client: Client, owner: Any
) -> None:
    # given a switch-on by the system (no user, no API key), as the demo data makes it
    product = product_create(partner=owner.partner, name="Курс лепки", price="1000")
    sales_settings_update(product=product, actor=None, enabled=True)
    client.force_login(owner)

    html = client.get(f"/cabinet/products/{product.pk}/").content.decode()

    trail = html.split('data-testid="audit-trail"')[1].split("</table>")[0]
    assert "<td>Система</td>" in trail
    assert "system" not in trail


# --- alignment calls ---


def test_a_partner_books_a_call_for_a_submitted_product(client: Client, owner: Any) -> None:
    product = submitted_product(owner)
    slot = a_slot()
    client.force_login(owner)

    page = client.get(f"/cabinet/calls/?product={product.pk}").content.decode()
    response = client.post(
        "/cabinet/calls/", {"slot": str(slot.pk), "products": [str(product.pk)]}, follow=True
    )

    assert "Курс графики" in page and "checked" in page
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.CALL_BOOKED
    booking = CallBooking.objects.get(partner=owner.partner)
    assert booking.slot == slot and booking.booked_by == owner
    assert "Созвон назначен на" in response.content.decode()


def test_booking_a_slot_someone_else_took_is_refused(client: Client, owner: Any) -> None:
    product = submitted_product(owner)
    slot = a_slot()
    rival: Any = UserFactory.create(role="partner_owner")
    call_book(partner=rival.partner, actor=rival, slot=slot, products=[submitted_product(rival)])
    client.force_login(owner)

    response = client.post("/cabinet/calls/", {"slot": str(slot.pk), "products": [str(product.pk)]})

    assert "Это время уже недоступно" in response.content.decode()
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.SUBMITTED


def test_the_calls_page_says_when_nothing_can_be_booked(client: Client, owner: Any) -> None:
    a_slot()
    client.force_login(owner)

    html = client.get("/cabinet/calls/").content.decode()

    assert "Нет продуктов, ожидающих созвона" in html


def test_after_booking_the_calls_page_does_not_ask_for_the_questionnaire_again(
    client: Client, owner: Any
) -> None:
    # given a product whose questionnaire was sent and whose call is booked
    product = submitted_product(owner)
    call_book(partner=owner.partner, actor=owner, slot=a_slot(), products=[product])
    a_slot()
    client.force_login(owner)

    # when the partner opens the calls page
    html = client.get("/cabinet/calls/").content.decode()

    # then it says nothing waits for a call, not "submit a questionnaire first"
    assert "созвона сейчас никто не ждёт" in html
    assert "сначала отправьте анкету" not in html.lower()


def test_a_partner_cancels_their_booking(client: Client, owner: Any) -> None:
    product = submitted_product(owner)
    booking = call_book(partner=owner.partner, actor=owner, slot=a_slot(), products=[product])
    client.force_login(owner)

    listing = client.get("/cabinet/calls/").content.decode()
    client.post(f"/cabinet/calls/{booking.pk}/cancel/")

    assert "Курс графики" in listing.split('data-testid="bookings"')[1]
    booking.refresh_from_db()
    product.refresh_from_db()
    assert booking.cancelled_at is not None
    assert product.sales_status == SalesStatus.SUBMITTED


# --- editing the product ---


def test_the_owner_renames_and_reprices_a_product(
    client: Client, owner: Any, product: Product
) -> None:
    client.force_login(owner)
    form = client.get(f"/cabinet/products/{product.pk}/edit/").content.decode()
    assert 'value="Курс акварели"' in form

    response = client.post(
        f"/cabinet/products/{product.pk}/edit/",
        {"name": "Курс акварели 2.0", "price": "5900,50", "external_id": "sku-7"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price, product.external_id) == (
        "Курс акварели 2.0",
        Decimal("5900.50"),
        "sku-7",
    )


def test_an_external_id_of_another_product_is_refused_on_the_form(
    client: Client, owner: Any, product: Product
) -> None:
    product_create(partner=owner.partner, name="Другой", price="100", external_id="sku-1")
    client.force_login(owner)

    response = client.post(
        f"/cabinet/products/{product.pk}/edit/",
        {"name": "Курс акварели", "price": "4900", "external_id": "sku-1"},
    )

    assert response.status_code == 200
    assert "external_id" in response.content.decode()
    product.refresh_from_db()
    assert product.external_id == ""


# --- isolation ---


PRODUCT_PAGES = [
    ("get", "/cabinet/products/{pk}/", {}),
    ("get", "/cabinet/products/{pk}/edit/", {}),
    ("post", "/cabinet/products/{pk}/edit/", {"name": "Чужое", "price": "1"}),
    (
        "post",
        "/cabinet/products/{pk}/settings/",
        {"grace_period_minutes": "5", "channels": "phone"},
    ),
    ("post", "/cabinet/products/{pk}/questionnaire/", {"action": "submit", **FULL_ANSWERS}),
    ("post", "/cabinet/products/{pk}/questionnaire/autosave/", {"faq": "чужое"}),
]


@pytest.mark.parametrize(("method", "url", "data"), PRODUCT_PAGES)
def test_a_second_partner_gets_404_on_the_first_partners_product(
    client: Client, owner: Any, method: str, url: str, data: dict[str, str]
) -> None:
    victim = submitted_product(UserFactory.create(role="partner_owner"))
    client.force_login(owner)

    response = getattr(client, method)(url.format(pk=victim.pk), data)

    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.sales_status == SalesStatus.SUBMITTED and victim.grace_period_minutes == 60
    assert (victim.name, victim.price) == ("Курс графики", Decimal("1000.00"))
    assert Questionnaire.objects.get(product=victim).faq == FULL_ANSWERS["faq"]


def test_a_second_partner_cannot_cancel_the_first_partners_booking(
    client: Client, owner: Any
) -> None:
    victim: Any = UserFactory.create(role="partner_owner")
    booking = call_book(
        partner=victim.partner, actor=victim, slot=a_slot(), products=[submitted_product(victim)]
    )
    client.force_login(owner)

    response = client.post(f"/cabinet/calls/{booking.pk}/cancel/")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.cancelled_at is None


def test_a_second_partner_cannot_book_a_call_for_the_first_partners_product(
    client: Client, owner: Any
) -> None:
    victim = submitted_product(UserFactory.create(role="partner_owner"))
    slot = a_slot()
    client.force_login(owner)

    response = client.post("/cabinet/calls/", {"slot": str(slot.pk), "products": [str(victim.pk)]})

    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not CallBooking.objects.exists()


def test_a_malformed_product_id_is_not_found(client: Client, owner: Any) -> None:
    client.force_login(owner)

    assert client.get("/cabinet/products/not-a-uuid/").status_code == 404


def test_staff_of_the_sales_department_do_not_reach_the_cabinet(
    client: Client, product: Product
) -> None:
    client.force_login(UserFactory.create(role="head"))

    assert client.get(f"/cabinet/products/{product.pk}/").status_code == 404
    assert client.get("/cabinet/products/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, product: Product) -> None:
    response = client.get(f"/cabinet/products/{product.pk}/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_menu_leads_a_partner_to_products_and_calls(client: Client, owner: Any) -> None:
    client.force_login(owner)

    menu = client.get("/cabinet/").content.decode().split('class="menu"')[1].split("</nav>")[0]

    assert 'href="/cabinet/products/"' in menu and 'href="/cabinet/calls/"' in menu
