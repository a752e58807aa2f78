"""The manager's workspace and the head's queue page (HTML + htmx).

Pages call the workflow; these tests check what a manager sees and that page actions change
the queue exactly as the workflow says — and nothing at all when the input is wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Questionnaire
from sales_queue.models import QueueItem, Touch
from sales_queue.services import queue_take_next
from sales_queue.services.supply import queue_items_sync_workable
from tests.accounts.factories import UserFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MSK_FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


@pytest.fixture
def ivan() -> Any:
    return manager(full_name="Иван Менеджер")


@pytest.fixture
def ivan_client(client: Client, ivan: Any) -> Client:
    client.force_login(ivan)
    return client


def take(client: Client) -> str:
    return client.post("/workspace/take/", headers=HTMX).content.decode()


def touch(client: Client, item: QueueItem, **data: str) -> str:
    payload = {"channel": "phone", "comment": "", **data}
    return client.post(f"/workspace/items/{item.pk}/touch/", payload, headers=HTMX).content.decode()


# --- the page ---------------------------------------------------------------------------------


def test_the_workspace_renders_for_a_manager_holding_nothing(ivan_client: Client) -> None:
    response = ivan_client.get("/workspace/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="take-next"' in html and 'data-testid="no-current-item"' in html
    assert "js/workspace.js" in html and "css/workspace.css" in html


def test_the_workspace_shows_the_held_item_after_a_reload(ivan_client: Client, ivan: Any) -> None:
    queued_item(customer_name="Мария Покупатель")
    queue_take_next(manager=ivan)

    html = ivan_client.get("/workspace/").content.decode()

    assert 'data-testid="current-item"' in html and "Мария Покупатель" in html
    assert 'data-testid="no-current-item"' not in html


def test_the_workspace_get_issues_a_bounded_number_of_queries(
    ivan_client: Client, ivan: Any, django_assert_max_num_queries: Any
) -> None:
    # given: a held item with a questionnaire and a long history, and many callbacks
    product = ProductFactory.create(on_sale=True)
    Questionnaire.objects.create(product=product, faq="Вопросы", objections="Возражения")
    item = queued_item(product=product)
    queue_take_next(manager=ivan)
    for n in range(10):
        Touch.objects.create(item=item, manager=ivan, channel="phone", outcome="reached")
        queued_item(state="scheduled", holder=ivan, customer_name=f"Клиент {n}")

    # when / then: the page is a fixed number of queries, not one per touch or callback
    with django_assert_max_num_queries(10):
        response = ivan_client.get("/workspace/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="touch-row"') == 10


# --- take next --------------------------------------------------------------------------------


def test_take_shows_the_item_with_contact_links_for_every_allowed_channel(
    ivan_client: Client,
) -> None:
    item = queued_item(
        customer_name="Мария Покупатель",
        customer_phone="+79001112233",
        customer_whatsapp="+79004445566",
        customer_telegram="@maria_buys",
        customer_email="maria@example.com",
        amount="4900.00",
    )

    html = take(ivan_client)

    assert "<html" not in html  # an htmx fragment
    assert item.order is not None
    assert "Мария Покупатель" in html and item.order.external_id in html
    assert item.product.name in html and item.partner.name in html and "4\xa0900,00\xa0₽" in html
    assert 'href="tel:+79001112233"' in html
    assert 'href="https://wa.me/79004445566"' in html
    assert 'href="https://t.me/maria_buys"' in html
    assert 'href="mailto:maria@example.com"' in html
    item.refresh_from_db()
    assert item.state == "active"


def test_whatsapp_falls_back_to_the_phone_and_telegram_needs_a_handle(
    ivan_client: Client,
) -> None:
    queued_item(customer_phone="+79001112233")

    html = take(ivan_client)

    assert 'href="https://wa.me/79001112233"' in html
    assert "https://t.me/" not in html


def test_a_product_allowing_only_email_shows_no_phone_or_messenger_links(
    ivan_client: Client,
) -> None:
    product = ProductFactory.create(on_sale=True, channels=["email"])
    queued_item(
        product=product,
        customer_phone="+79001112233",
        customer_telegram="@maria_buys",
        customer_email="maria@example.com",
    )

    html = take(ivan_client)

    assert 'href="mailto:maria@example.com"' in html
    assert "tel:" not in html and "wa.me" not in html and "t.me/" not in html
    assert '<option value="email"' in html and '<option value="phone"' not in html


def test_take_on_an_empty_queue_says_so(ivan_client: Client) -> None:
    html = take(ivan_client)

    assert 'data-testid="queue-empty"' in html
    assert 'data-testid="no-current-item"' in html


def test_take_while_holding_says_so_and_keeps_showing_the_held_item(
    ivan_client: Client, ivan: Any
) -> None:
    first = queued_item(customer_name="Первый Покупатель", entered_at=NOON - dt.timedelta(hours=2))
    second = queued_item(customer_name="Второй Покупатель")
    take(ivan_client)

    html = take(ivan_client)

    assert 'data-testid="workspace-error"' in html
    assert "Первый Покупатель" in html and "Второй Покупатель" not in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("active", "queued")


def test_take_outside_working_hours_says_when_work_opens(
    ivan_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = queued_item()
    late = NOON.replace(hour=22, minute=30)
    monkeypatch.setattr(timezone, "now", lambda: late.astimezone(dt.UTC))

    html = take(ivan_client)

    opens = html.split('data-testid="opens-at">')[1].split("</strong>")[0]
    assert "21" in opens and "09:00" in opens  # the next morning, Moscow time
    item.refresh_from_db()
    assert item.state == "queued"


def test_a_due_callback_comes_back_first_and_is_marked_as_a_callback(
    ivan_client: Client, ivan: Any
) -> None:
    queued_item(customer_name="Из очереди", entered_at=NOON - dt.timedelta(hours=5))
    queued_item(
        customer_name="Мой перезвон",
        state="scheduled",
        holder=ivan,
        available_at=NOON - dt.timedelta(minutes=1),
    )
    callback = QueueItem.objects.get(order__customer_name="Мой перезвон")
    Touch.objects.create(
        item=callback, manager=ivan, channel="phone", outcome="callback", callback_at=NOON
    )

    page = ivan_client.get("/workspace/").content.decode()
    html = take(ivan_client)

    assert 'data-testid="due-callbacks-hint"' in page
    assert "Мой перезвон" in html and 'data-testid="callback-badge"' in html


# --- touches ----------------------------------------------------------------------------------


def test_reached_is_logged_and_the_item_stays_with_its_history(
    ivan_client: Client, ivan: Any
) -> None:
    item = queued_item()
    take(ivan_client)

    html = touch(ivan_client, item, outcome="reached", comment="Думает до вечера")

    item.refresh_from_db()
    logged = Touch.objects.get(item=item)
    assert (logged.outcome, logged.manager, logged.comment) == ("reached", ivan, "Думает до вечера")
    assert item.state == "active" and item.last_touch_at is not None
    assert 'data-testid="workspace-notice"' in html
    history = html.split('data-testid="touch-history"')[1]
    assert "Думает до вечера" in history and "Иван Менеджер" in history


def test_a_callback_moves_the_item_to_my_callbacks(ivan_client: Client, ivan: Any) -> None:
    item = queued_item(customer_name="Перезвонить Ей")
    take(ivan_client)
    at = NOON + dt.timedelta(hours=2)

    html = touch(ivan_client, item, outcome="callback", callback_at=at.strftime(MSK_FORMAT))

    item.refresh_from_db()
    assert item.state == "scheduled" and item.holder == ivan
    assert item.available_at == at  # the form's time is Moscow time
    assert 'data-testid="no-current-item"' in html
    callbacks = html.split('data-testid="my-callbacks"')[1]
    assert "Перезвонить Ей" in callbacks and "14:00" in callbacks


def test_no_answer_returns_the_item_to_the_queue(ivan_client: Client) -> None:
    item = queued_item()
    take(ivan_client)

    html = touch(ivan_client, item, outcome="no_answer")

    item.refresh_from_db()
    assert item.state == "queued" and item.holder is None and item.attempts == 1
    assert 'data-testid="take-next"' in html and 'data-testid="current-item"' not in html


def test_refused_with_a_reason_closes_the_item_as_lost(ivan_client: Client) -> None:
    item = queued_item()
    take(ivan_client)

    touch(ivan_client, item, outcome="refused", reason="too_expensive")

    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "too_expensive")


def test_inputs_of_other_outcomes_do_not_get_in_the_way(ivan_client: Client) -> None:
    item = queued_item()
    take(ivan_client)

    touch(ivan_client, item, outcome="reached", callback_at="half past", reason="nonsense")

    assert Touch.objects.get(item=item).outcome == "reached"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "callback", "callback_at": "2026-11-20T11:00"}, "callback-at-error"),
        ({"outcome": "callback", "callback_at": ""}, "callback-at-error"),
        ({"outcome": "callback", "callback_at": "завтра"}, "callback-at-error"),
        ({"outcome": "refused", "reason": ""}, "reason-error"),
        ({"outcome": "refused", "reason": "unreachable"}, "reason-error"),
        ({"outcome": "sold"}, None),
    ],
)
def test_a_bad_touch_shows_the_error_and_changes_nothing(
    ivan_client: Client, data: dict[str, str], field: str | None
) -> None:
    item = queued_item()
    take(ivan_client)
    before = QueueItem.objects.values().get(pk=item.pk)

    html = touch(ivan_client, item, comment="мой комментарий", **data)

    assert 'data-testid="workspace-error"' in html
    if field:
        assert f'data-testid="{field}"' in html
    assert "мой комментарий" in html  # what was typed is kept
    assert not Touch.objects.exists()
    assert QueueItem.objects.values().get(pk=item.pk) == before


def test_a_touch_on_a_channel_the_partner_did_not_allow_is_refused(ivan_client: Client) -> None:
    item = queued_item(product=ProductFactory.create(on_sale=True, channels=["email"]))
    take(ivan_client)

    html = touch(ivan_client, item, outcome="reached", channel="phone")

    assert 'data-testid="workspace-error"' in html
    assert not Touch.objects.exists()


def test_a_manager_cannot_touch_or_release_another_managers_item(
    ivan_client: Client,
) -> None:
    petr = manager()
    item = queued_item()
    queue_take_next(manager=petr)

    touched = touch(ivan_client, item, outcome="refused", reason="no_time")
    released = ivan_client.post(
        f"/workspace/items/{item.pk}/release/", headers=HTMX
    ).content.decode()

    assert 'data-testid="workspace-error"' in touched
    assert 'data-testid="workspace-error"' in released
    item.refresh_from_db()
    assert (item.state, item.holder) == ("active", petr)
    assert not Touch.objects.exists()


def test_an_unknown_item_id_is_a_404(ivan_client: Client) -> None:
    assert ivan_client.post("/workspace/items/not-a-uuid/touch/", headers=HTMX).status_code == 404


def test_release_returns_the_item_to_the_queue(ivan_client: Client) -> None:
    item = queued_item()
    take(ivan_client)

    html = ivan_client.post(f"/workspace/items/{item.pk}/release/", headers=HTMX).content.decode()

    item.refresh_from_db()
    assert item.state == "queued" and item.holder is None
    assert 'data-testid="workspace-notice"' in html


def test_a_plain_form_post_without_htmx_answers_with_the_whole_page(ivan_client: Client) -> None:
    queued_item(customer_name="Без Скриптов")

    response = ivan_client.post("/workspace/take/")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Без Скриптов" in html


# --- what the panel shows ---------------------------------------------------------------------


def test_the_panel_shows_the_partners_questionnaire(ivan_client: Client) -> None:
    product = ProductFactory.create(on_sale=True)
    Questionnaire.objects.create(
        product=product,
        faq="Доступ навсегда",
        objections="Дорого — рассрочка",
        urgent_contact="Анна, +7 900 000-00-00",
        platform_terms="",
    )
    queued_item(product=product)

    html = take(ivan_client)

    assert "Доступ навсегда" in html and "Дорого — рассрочка" in html
    assert 'data-testid="urgent-contact"' in html and "Анна, +7 900 000-00-00" in html
    faq_tag = html.split('data-testid="brief-faq"')[0].rsplit("<details", 1)[1]
    assert " open" in faq_tag  # read during the call: unfolded
    assert 'data-testid="brief-platform_terms"' not in html  # empty answers are left out


def test_after_unanswered_calls_the_panel_suggests_another_channel(
    ivan_client: Client, ivan: Any
) -> None:
    item = queued_item(product=ProductFactory.create(on_sale=True, channels=["phone", "telegram"]))
    queue_take_next(manager=ivan)
    for _ in range(3):
        Touch.objects.create(item=item, manager=ivan, channel="phone", outcome="no_answer")

    html = ivan_client.get("/workspace/").content.decode()

    assert 'data-testid="suggested-channel"' in html and "Telegram" in html
    assert '<option value="telegram" selected>' in html


def test_the_workspace_offers_the_priority_channel_first_then_the_partners_order(
    ivan_client: Client,
) -> None:
    # given: the partner's order email, phone, WhatsApp; Telegram is not allowed; WhatsApp first
    product = ProductFactory.create(
        on_sale=True, channels=["email", "phone", "whatsapp"], priority_channel="whatsapp"
    )
    queued_item(
        product=product,
        customer_phone="+79001112233",
        customer_email="maria@example.com",
        customer_telegram="@maria",
    )

    # when
    html = take(ivan_client)

    # then: the channel list and the contact links go WhatsApp, email, phone
    select = html.split('data-testid="touch-channel"')[1].split("</select>")[0]
    options = [part.split('"')[0] for part in select.split('<option value="')[1:]]
    assert options == ["whatsapp", "email", "phone"]
    assert "WhatsApp (приоритетный)" in select
    assert '<option value="whatsapp" selected>' not in select  # first anyway: nothing forced
    links = [html.index(f'data-testid="contact-{c}"') for c in ("whatsapp", "email", "phone")]
    assert links == sorted(links)
    assert 'data-testid="contact-telegram"' not in html


def test_a_fourth_call_is_refused_on_the_page_with_the_suggested_channel_chosen(
    ivan_client: Client, ivan: Any
) -> None:
    # given: three unanswered calls in a row; Telegram is the priority channel
    product = ProductFactory.create(on_sale=True, priority_channel="telegram")
    item = queued_item(product=product)
    queue_take_next(manager=ivan)
    for _ in range(3):
        Touch.objects.create(item=item, manager=ivan, channel="phone", outcome="no_answer")

    # when: the manager logs another call
    html = touch(ivan_client, item, channel="phone", outcome="reached", comment="Снова звоню")

    # then: refused with the reason; Telegram is chosen, the comment kept, nothing logged
    assert "Несколько попыток подряд без ответа в канале «Телефон»" in html
    assert '<option value="telegram" selected>' in html and "Снова звоню" in html
    assert item.touches.count() == 3
    item.refresh_from_db()
    assert (item.state, item.holder_id) == ("active", ivan.pk)


def test_my_callbacks_lists_only_mine_and_marks_the_due_ones(
    ivan_client: Client, ivan: Any
) -> None:
    queued_item(
        customer_name="Уже пора",
        state="scheduled",
        holder=ivan,
        available_at=NOON - dt.timedelta(minutes=5),
    )
    queued_item(
        customer_name="Попозже",
        state="scheduled",
        holder=ivan,
        available_at=NOON + dt.timedelta(hours=3),
    )
    queued_item(customer_name="Чужой", state="scheduled", holder=manager())

    html = ivan_client.get("/workspace/callbacks/", headers=HTMX).content.decode()

    assert "Уже пора" in html and "Попозже" in html and "Чужой" not in html
    due = html.split('class="callback due"')
    assert len(due) == 2 and "Уже пора" in due[1].split("</li>")[0]


# --- who may ----------------------------------------------------------------------------------

WORKSPACE_POSTS = [
    "/workspace/take/",
    "/workspace/items/{item}/touch/",
    "/workspace/items/{item}/release/",
]


@pytest.mark.parametrize("role", ["partner_owner", "partner_staff", "head", "qa"])
def test_only_sellers_may_use_the_workspace(client: Client, role: str) -> None:
    item = queued_item()
    queue_take_next(manager=manager())
    client.force_login(UserFactory.create(role=role))

    assert client.get("/workspace/").status_code == 403
    assert client.get("/workspace/callbacks/").status_code == 403
    for url in WORKSPACE_POSTS:
        response = client.post(
            url.format(item=item.pk), {"channel": "phone", "outcome": "reached"}, headers=HTMX
        )
        assert response.status_code == 403, url
    item.refresh_from_db()
    assert item.state == "active" and not Touch.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.post("/workspace/take/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the head's queue page --------------------------------------------------------------------


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


@pytest.fixture
def head_client(client: Client, head: Any) -> Client:
    client.force_login(head)
    return client


def test_the_head_sees_length_age_partners_and_holders(head_client: Client) -> None:
    # given: one order held by Пётр, two waiting (the oldest for 3 hours)
    held = queued_item(customer_name="Держит Пётр", entered_at=NOON - dt.timedelta(hours=1))
    queue_take_next(manager=manager(full_name="Пётр Продавец"), now=NOON - dt.timedelta(minutes=5))
    product = ProductFactory.create(on_sale=True, name="Курс акварели")
    queued_item(product=product, entered_at=NOON - dt.timedelta(hours=3))
    queued_item(product=product, entered_at=NOON - dt.timedelta(minutes=30))

    # when
    html = head_client.get("/head/queue/").content.decode()

    # then
    numbers, holders = html.split('data-testid="holders"')
    assert 'data-testid="queue-length">2<' in numbers
    assert "3" in numbers.split('data-testid="oldest-age">')[1].split("<")[0]
    assert 'hx-trigger="every 30s"' in numbers
    per_partner = numbers.split('data-testid="per-partner"')[1]
    assert product.partner.name in per_partner and held.partner.name in per_partner
    row = holders.split('data-testid="holder-row"')[1].split("</tr>")[0]
    assert held.order is not None
    assert "Пётр Продавец" in row and held.order.external_id in row and "Держит Пётр" in row
    assert held.product.name in row and "5\xa0минут" in row  # held for 5 minutes


def test_the_headline_and_the_partner_rows_count_the_same_waiting_orders(
    head_client: Client,
) -> None:
    """Issue 15: «7 ждут в очереди» above rows of 4 + 4. The headline skipped items still in
    their retry delay but counted those of a product switched off; the rows counted every
    queued item. Now both count what a manager could take, and the rest is «отложены»."""
    # given: «Школа» — 3 takeable, 1 in its retry delay (available in an hour), 1 callback
    school = ProductFactory.create(on_sale=True, partner__name="Школа", name="Курс")
    for _n in range(3):
        queued_item(product=school)
    queued_item(product=school, available_at=NOON + dt.timedelta(hours=1))
    queued_item(product=school, state=QueueItem.State.SCHEDULED, holder=manager())
    # «Магазин» — 3 takeable, 1 of a second product switched off since
    shop = ProductFactory.create(on_sale=True, partner__name="Магазин", name="Чайник")
    paused = ProductFactory.create(on_sale=True, partner=shop.partner, name="Кружка")
    for _n in range(3):
        queued_item(product=shop)
    queued_item(product=paused)
    paused.sales_enabled = False
    paused.save(update_fields=["sales_enabled"])
    queue_items_sync_workable(partner=paused.partner, product=paused)  # as supply.py does

    # when
    html = head_client.get("/head/queue/numbers/", headers=HTMX).content.decode()
    health = head_client.get("/api/v1/queue/health/").json()

    # then: 3 + 3 = 6 waiting, 1 + 1 = 2 deferred, in the headline, the rows and the API
    assert 'data-testid="queue-length">6<' in html
    assert 'data-testid="deferred-count">2<' in html
    table = html.split('data-testid="per-partner"')[1]
    rows = {
        row.split("<td>")[1].split("<")[0]: (
            row.split('data-testid="row-queued">')[1].split("<")[0],
            row.split('data-testid="row-deferred">')[1].split("<")[0],
        )
        for row in table.split("<tr>")[2:]
    }
    assert rows == {"Школа": ("3", "1"), "Магазин": ("3", "1")}
    assert "Отложены" in table
    assert health["length"] == 6 and health["deferred"] == 2 and health["scheduled"] == 1
    by_name = {row["partner"]: row for row in health["per_partner"]}
    assert (by_name["Школа"]["queued"], by_name["Школа"]["deferred"]) == (3, 1)
    assert by_name["Школа"]["scheduled"] == 1
    assert (by_name["Магазин"]["queued"], by_name["Магазин"]["deferred"]) == (3, 1)


def test_the_numbers_fragment_refreshes_alone(head_client: Client) -> None:
    queued_item(entered_at=NOON - dt.timedelta(hours=2))

    response = head_client.get("/head/queue/numbers/", headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-testid="queue-length">1<' in html
    assert "2" in html.split('data-testid="oldest-age">')[1].split("<")[0]


def test_the_head_releases_a_held_item(head_client: Client) -> None:
    item = queued_item()
    queue_take_next(manager=manager())

    html = head_client.post(f"/head/queue/items/{item.pk}/release/", headers=HTMX).content.decode()

    item.refresh_from_db()
    assert item.state == "queued" and item.holder is None
    assert 'data-testid="holders-notice"' in html


def test_the_head_reassigns_a_held_item_to_a_free_manager(head_client: Client) -> None:
    item = queued_item()
    queue_take_next(manager=manager())
    olga = manager(full_name="Ольга Свободная")

    html = head_client.post(
        f"/head/queue/items/{item.pk}/reassign/", {"manager": str(olga.pk)}, headers=HTMX
    ).content.decode()

    item.refresh_from_db()
    assert (item.state, item.holder) == ("active", olga)
    assert "Ольга Свободная" in html.split('data-testid="holders-notice"')[1]


def test_reassigning_to_a_busy_manager_shows_why_and_changes_nothing(
    head_client: Client,
) -> None:
    item = queued_item()
    petr = manager()
    queue_take_next(manager=petr)
    busy = manager()
    queued_item()
    queue_take_next(manager=busy)

    html = head_client.post(
        f"/head/queue/items/{item.pk}/reassign/", {"manager": str(busy.pk)}, headers=HTMX
    ).content.decode()

    assert 'data-testid="holders-error"' in html
    item.refresh_from_db()
    assert item.holder == petr


@pytest.mark.parametrize("target", ["", "not-a-uuid", "head"])
def test_reassigning_to_someone_who_is_not_a_manager_is_refused(
    head_client: Client, head: Any, target: str
) -> None:
    item = queued_item()
    petr = manager()
    queue_take_next(manager=petr)

    html = head_client.post(
        f"/head/queue/items/{item.pk}/reassign/",
        {"manager": str(head.pk) if target == "head" else target},
        headers=HTMX,
    ).content.decode()

    assert 'data-testid="holders-error"' in html
    item.refresh_from_db()
    assert item.holder == petr


def test_a_plain_post_of_a_head_action_redirects_back_with_a_message(head_client: Client) -> None:
    item = queued_item()
    queue_take_next(manager=manager())

    response = head_client.post(f"/head/queue/items/{item.pk}/release/", follow=True)

    assert response.redirect_chain[-1][0] == "/head/queue/"
    assert 'class="flash flash-success" role="status"' in response.content.decode()


def test_qa_may_look_but_not_act(client: Client) -> None:
    item = queued_item()
    queue_take_next(manager=manager())
    client.force_login(UserFactory.create(role="qa"))

    page = client.get("/head/queue/")
    release = client.post(f"/head/queue/items/{item.pk}/release/", headers=HTMX)

    assert page.status_code == 200 and 'data-testid="head-release"' not in page.content.decode()
    assert release.status_code == 403
    item.refresh_from_db()
    assert item.state == "active"


@pytest.mark.parametrize("role", ["manager", "caller", "partner_owner"])
def test_others_get_403_on_the_head_queue_page(client: Client, role: str) -> None:
    item = queued_item()
    queue_take_next(manager=manager())
    client.force_login(UserFactory.create(role=role))

    assert client.get("/head/queue/").status_code == 403
    assert client.get("/head/queue/numbers/").status_code == 403
    assert client.post(f"/head/queue/items/{item.pk}/release/").status_code == 403
    assert client.post(f"/head/queue/items/{item.pk}/reassign/").status_code == 403
    item.refresh_from_db()
    assert item.state == "active"
