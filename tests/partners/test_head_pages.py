"""The head of sales' pages: applications, product review with the diff, decisions, slots,
partner blocks. Only the head acts; QA looks; everyone else gets 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import AlignmentSlot, Partner, Product, Questionnaire, SalesStatus
from partners.services import (
    call_book,
    product_approve,
    product_create,
    questionnaire_save,
    questionnaire_submit,
    sales_settings_update,
    slot_publish,
)
from tests.accounts.factories import UserFactory
from tests.partners.factories import ADHOC_CALL_NOTES

pytestmark = pytest.mark.django_db

FULL_ANSWERS = {name: f"Ответ: {name}" for name in Questionnaire.REQUIRED_FIELDS}


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


@pytest.fixture
def head_client(client: Client, head: Any) -> Client:
    client.force_login(head)
    return client


def submitted(name: str = "Курс акварели", owner: Any = None) -> Product:
    owner = owner or UserFactory.create(role="partner_owner")
    product = product_create(partner=owner.partner, name=name, price="4900")
    sales_settings_update(product=product, actor=owner, enabled=True)
    questionnaire_save(product=product, actor=owner, answers=FULL_ANSWERS)
    return questionnaire_submit(product=product, actor=owner)


# --- applications ---


def test_the_applications_page_shows_what_awaits_a_decision_with_counts(
    head_client: Client, head: Any
) -> None:
    waiting = submitted("Ждёт решения")
    approved = product_approve(
        product=submitted("Уже одобрен"), actor=head, call_notes=ADHOC_CALL_NOTES
    )

    default = head_client.get("/head/sales-department/").content.decode()
    approved_tab = head_client.get("/head/sales-department/?status=approved").content.decode()

    assert "Ждёт решения" in default and "Уже одобрен" not in default
    assert f"/head/sales-department/products/{waiting.pk}/" in default
    assert "Уже одобрен" in approved_tab and "Ждёт решения" not in approved_tab
    tabs = default.split('class="tabs"')[1].split("</nav>")[0]
    assert 'Ожидают решения <span class="count">1</span>' in tabs
    assert 'Одобрено <span class="count">1</span>' in tabs
    assert approved.sales_status == SalesStatus.APPROVED


def test_an_unknown_status_filter_is_not_found(head_client: Client) -> None:
    assert head_client.get("/head/sales-department/?status=nonsense").status_code == 404


def test_the_applications_page_does_not_query_per_product(
    head_client: Client, head: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        product = submitted(f"Курс {n}")
        call_book(
            partner=product.partner,
            actor=None,
            slot=slot_publish(head=head, starts_at=timezone.now() + dt.timedelta(hours=n + 1)),
            products=[product],
        )

    with django_assert_max_num_queries(8):
        response = head_client.get("/head/sales-department/")

    assert response.content.decode().count("/head/sales-department/products/") == 8


# --- the review page and decisions ---


def test_the_review_page_shows_the_questionnaire_and_the_changes_since_approval(
    head_client: Client, head: Any
) -> None:
    product = product_approve(product=submitted(), actor=head, call_notes=ADHOC_CALL_NOTES)
    questionnaire_save(
        product=product,
        actor=None,
        answers={"faq": "Ответ: faq и рассрочка", "audience": ""},
        partial=True,
    )

    html = head_client.get(f"/head/sales-department/products/{product.pk}/").content.decode()

    assert "Ответ: project_description" in html  # the answers
    faq = html.split('data-testid="diff-faq"')[1].split("</div>")[0]
    assert "Ответ: faq<ins> и рассрочка</ins>" in faq
    audience = html.split('data-testid="diff-audience"')[1].split("</div>")[0]
    assert "<del>Ответ: audience</del>" in audience
    assert 'data-testid="diff-project_description"' not in html  # unchanged fields are quiet


def test_the_review_page_says_when_nothing_was_approved_yet(head_client: Client) -> None:
    product = submitted()

    html = head_client.get(f"/head/sales-department/products/{product.pk}/").content.decode()

    assert "Анкета ещё не одобрялась" in html


def test_the_head_approves_a_product(head_client: Client, head: Any) -> None:
    product = submitted()

    response = head_client.post(
        f"/head/sales-department/products/{product.pk}/approve/",
        {"approve-comment": "Созвонились", "approve-call_notes": ADHOC_CALL_NOTES},
        follow=True,
    )

    product.refresh_from_db()
    assert product.sales_status == SalesStatus.APPROVED
    assert "Продукт одобрен" in response.content.decode()
    assert product.status_changes.filter(actor=head, comment="Созвонились").exists()


def test_an_approved_products_page_says_it_is_approved_not_that_it_awaits_a_questionnaire(
    head_client: Client, head: Any
) -> None:
    product = submitted()
    head_client.post(
        f"/head/sales-department/products/{product.pk}/approve/",
        {"approve-comment": "", "approve-call_notes": ADHOC_CALL_NOTES},
    )

    html = head_client.get(f"/head/sales-department/products/{product.pk}/").content.decode()

    hint = html.split('data-testid="decision-hint"')[1].split("</p>")[0]
    assert "Продукт одобрен" in hint
    assert "отправит анкету" not in hint


def test_refusing_for_another_reason_needs_a_comment(head_client: Client) -> None:
    product = submitted()

    response = head_client.post(
        f"/head/sales-department/products/{product.pk}/refuse/",
        {"refuse-reason": "other", "refuse-comment": ""},
    )

    assert response.status_code == 200
    assert "Обязательно, если причина «другое»" in response.content.decode()
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.SUBMITTED


def test_the_head_refuses_a_product_with_a_reason(head_client: Client) -> None:
    product = submitted()

    head_client.post(
        f"/head/sales-department/products/{product.pk}/refuse/",
        {"refuse-reason": "unacceptable_price", "refuse-comment": "Слишком дёшево"},
    )

    product.refresh_from_db()
    assert product.sales_status == SalesStatus.REFUSED
    assert product.refusal_reason == "unacceptable_price"
    assert product.refusal_comment == "Слишком дёшево"


def test_approving_twice_shows_the_services_refusal(head_client: Client, head: Any) -> None:
    product = product_approve(product=submitted(), actor=head, call_notes=ADHOC_CALL_NOTES)

    response = head_client.post(
        f"/head/sales-department/products/{product.pk}/approve/", {}, follow=True
    )

    assert "Нельзя перевести отдел продаж" in response.content.decode()
    assert product.versions.filter(kind="approved").count() == 1


def test_the_head_blocks_and_unblocks_a_product(head_client: Client, head: Any) -> None:
    product = product_approve(product=submitted(), actor=head, call_notes=ADHOC_CALL_NOTES)

    head_client.post(
        f"/head/sales-department/products/{product.pk}/block/", {"block-comment": "Жалобы"}
    )
    product.refresh_from_db()
    blocked = product.sales_status
    head_client.post(f"/head/sales-department/products/{product.pk}/unblock/", {})
    product.refresh_from_db()

    assert blocked == SalesStatus.BLOCKED
    assert product.sales_status == SalesStatus.APPROVED


def test_an_unknown_product_is_not_found(head_client: Client) -> None:
    assert head_client.get("/head/sales-department/products/not-a-uuid/").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert head_client.get(f"/head/sales-department/products/{missing}/").status_code == 404


# --- slots ---


def test_the_head_publishes_a_slot_in_moscow_time(head_client: Client, head: Any) -> None:
    day = (timezone.localtime() + dt.timedelta(days=2)).date()

    response = head_client.post(
        "/head/sales-department/slots/",
        {"starts_at": f"{day:%Y-%m-%d}T11:30", "duration_minutes": "45"},
        follow=True,
    )

    slot = AlignmentSlot.objects.get(head=head)
    assert timezone.localtime(slot.starts_at).strftime("%H:%M") == "11:30"
    assert str(timezone.localtime(slot.starts_at).tzinfo) == "Europe/Moscow"
    assert slot.starts_at.utcoffset() is not None
    assert slot.duration_minutes == 45
    assert "Слот опубликован" in response.content.decode()


def test_a_slot_in_the_past_is_refused_next_to_the_field(head_client: Client) -> None:
    response = head_client.post(
        "/head/sales-department/slots/", {"starts_at": "2020-01-01T10:00", "duration_minutes": "30"}
    )

    assert "Время должно быть в будущем" in response.content.decode()
    assert not AlignmentSlot.objects.exists()


def test_the_slot_list_shows_who_booked_and_the_head_withdraws_a_slot(
    head_client: Client, head: Any
) -> None:
    product = submitted("Курс графики")
    slot = slot_publish(head=head, starts_at=timezone.now() + dt.timedelta(days=1))
    booking = call_book(partner=product.partner, actor=None, slot=slot, products=[product])

    listing = head_client.get("/head/sales-department/slots/").content.decode()
    head_client.post(f"/head/sales-department/slots/{slot.pk}/cancel/")

    assert product.partner.name in listing and "Курс графики" in listing
    slot.refresh_from_db()
    booking.refresh_from_db()
    product.refresh_from_db()
    assert slot.cancelled_at is not None and booking.cancelled_at is not None
    assert product.sales_status == SalesStatus.SUBMITTED


# --- partners ---


def test_the_head_blocks_and_unblocks_a_partner(head_client: Client) -> None:
    product = submitted()
    partner = product.partner

    listing = head_client.get("/head/sales-department/partners/").content.decode()
    head_client.post(
        f"/head/sales-department/partners/{partner.pk}/block/", {"comment": "Мошенничество"}
    )
    partner.refresh_from_db()
    blocked = (partner.status, partner.block_reason)
    response = head_client.post(
        f"/head/sales-department/partners/{partner.pk}/unblock/", {}, follow=True
    )
    partner.refresh_from_db()

    assert partner.name in listing
    assert blocked == (Partner.Status.BLOCKED, "Мошенничество")
    assert partner.status == Partner.Status.ACTIVE
    assert "разблокирован" in response.content.decode()


def test_blocking_a_blocked_partner_shows_the_services_message(head_client: Client) -> None:
    partner = submitted().partner
    head_client.post(f"/head/sales-department/partners/{partner.pk}/block/", {})

    response = head_client.post(
        f"/head/sales-department/partners/{partner.pk}/block/", {}, follow=True
    )

    assert "уже заблокирован" in response.content.decode()


# --- who may see and act ---

HEAD_PAGES = [
    "/head/sales-department/",
    "/head/sales-department/products/{product}/",
    "/head/sales-department/slots/",
    "/head/sales-department/partners/",
]
HEAD_ACTIONS = [
    "/head/sales-department/products/{product}/approve/",
    "/head/sales-department/products/{product}/refuse/",
    "/head/sales-department/products/{product}/block/",
    "/head/sales-department/products/{product}/unblock/",
    "/head/sales-department/slots/",
    "/head/sales-department/slots/{slot}/cancel/",
    "/head/sales-department/partners/{partner}/block/",
    "/head/sales-department/partners/{partner}/unblock/",
]


@pytest.fixture
def targets(head: Any) -> dict[str, Any]:
    product = submitted()
    slot = slot_publish(head=head, starts_at=timezone.now() + dt.timedelta(days=1))
    return {"product": product.pk, "slot": slot.pk, "partner": product.partner_id}


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "partner_owner"])
def test_only_the_head_and_qa_see_the_head_pages(
    client: Client, targets: dict[str, Any], role: str
) -> None:
    client.force_login(UserFactory.create(role=role))

    for url in HEAD_PAGES:
        assert client.get(url.format(**targets)).status_code == 403, url


@pytest.mark.parametrize("role", ["qa", "manager", "partner_owner"])
def test_only_the_head_acts(client: Client, targets: dict[str, Any], role: str) -> None:
    client.force_login(UserFactory.create(role=role))

    for url in HEAD_ACTIONS:
        assert client.post(url.format(**targets), {}).status_code == 403, url

    product = Product.objects.get(pk=targets["product"])
    assert product.sales_status == SalesStatus.SUBMITTED
    assert not AlignmentSlot.objects.filter(cancelled_at__isnull=False).exists()
    assert not Partner.objects.filter(status=Partner.Status.BLOCKED).exists()


def test_qa_reads_the_review_page_without_the_decision_forms(
    client: Client, targets: dict[str, Any]
) -> None:
    client.force_login(UserFactory.create(role="qa"))

    html = client.get(f"/head/sales-department/products/{targets['product']}/").content.decode()

    assert "Ответ: faq" in html
    assert "/approve/" not in html and "/refuse/" not in html


def test_the_head_home_links_to_the_sales_department_pages(head_client: Client) -> None:
    html = head_client.get("/head/").content.decode()

    assert "/head/sales-department/" in html and "/head/sales-department/slots/" in html


@pytest.mark.parametrize("role", ["head", "qa"])
def test_the_menu_leads_to_the_partners_page(client: Client, role: str) -> None:
    client.force_login(UserFactory.create(role=role))

    html = client.get("/head/").content.decode()

    assert 'href="/head/sales-department/partners/"' in html.split('class="menu"', 1)[1]
    assert client.get("/head/sales-department/partners/").status_code == 200
