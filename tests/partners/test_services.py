"""The sales-department workflow of a product, through its services: every transition
allowed and refused, the head's decisions, blocks, alignment calls and the audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from orders.models import Order
from partners import services
from partners.models import (
    AlignmentSlot,
    CallBooking,
    Product,
    QuestionnaireVersion,
    RefusalReason,
    SalesStatus,
    StatusChange,
)
from partners.selectors import alignment_slots_open
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services import supply
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.accounts.factories import UserFactory
from tests.partners.factories import (
    ADHOC_CALL_NOTES,
    COMPLETE_ANSWERS,
    PartnerFactory,
    ProductFactory,
    product_in_status,
    slot_create,
)
from tests.sales_queue.factories import QueueItemFactory

pytestmark = pytest.mark.django_db

S = SalesStatus


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head")


def _snapshot(product: Product) -> tuple[Any, ...]:
    product.refresh_from_db()
    return (
        product.sales_status,
        product.sales_enabled,
        product.status_before_block,
        product.updated_at,
    )


# --- every transition, allowed and refused ---


def _submit(product: Product, head: Any) -> Product:
    services.questionnaire_save(product=product, actor=None, answers=COMPLETE_ANSWERS, partial=True)
    return services.questionnaire_submit(product=product, actor=None)


def _book(product: Product, head: Any) -> Product:
    slot = slot_create(head=head, in_days=3)
    services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])
    return product


ACTIONS: dict[str, Callable[[Product, Any], Any]] = {
    "submit": _submit,
    "book_call": _book,
    "approve": lambda p, h: services.product_approve(
        product=p, actor=h, call_notes=ADHOC_CALL_NOTES
    ),
    "refuse": lambda p, h: services.product_refuse(product=p, actor=h, reason="missing_info"),
    "block": lambda p, h: services.product_block(product=p, actor=h),
    "unblock": lambda p, h: services.product_unblock(product=p, actor=h),
}

OFF_ERR = "sales_department_off"
BAD = "invalid_transition"

# status -> action -> the status it leads to, or the error code that refuses it.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.OFF: {
        "submit": OFF_ERR,
        "book_call": OFF_ERR,
        "approve": BAD,
        "refuse": BAD,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.DRAFT: {
        "submit": S.SUBMITTED,
        "book_call": BAD,
        "approve": BAD,
        "refuse": BAD,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.SUBMITTED: {
        "submit": BAD,
        "book_call": S.CALL_BOOKED,
        "approve": S.APPROVED,
        "refuse": S.REFUSED,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.CALL_BOOKED: {
        "submit": BAD,
        "book_call": BAD,
        "approve": S.APPROVED,
        "refuse": S.REFUSED,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.APPROVED: {
        "submit": BAD,
        "book_call": BAD,
        "approve": BAD,
        "refuse": BAD,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.REFUSED: {
        "submit": S.SUBMITTED,
        "book_call": BAD,
        "approve": BAD,
        "refuse": BAD,
        "block": S.BLOCKED,
        "unblock": "not_blocked",
    },
    S.BLOCKED: {
        "submit": BAD,
        "book_call": BAD,
        "approve": BAD,
        "refuse": BAD,
        "block": "already_blocked",
        "unblock": S.APPROVED,  # where it was before the block
    },
}

CASES = [
    (status, action, outcome)
    for status, row in TRANSITIONS.items()
    for action, outcome in row.items()
]


def test_the_table_covers_every_status_and_action() -> None:
    assert set(TRANSITIONS) == set(SalesStatus.values)
    assert all(set(row) == set(ACTIONS) for row in TRANSITIONS.values())


@pytest.mark.parametrize(("status", "action", "outcome"), CASES)
def test_each_action_from_each_status(head, status: str, action: str, outcome: str) -> None:
    # given
    product = product_in_status(status, head=head)
    assert product.public_sales_status == status
    changes_before = StatusChange.objects.filter(product=product).count()
    bookings_before = CallBooking.objects.count()

    if outcome in SalesStatus.values:
        # when
        ACTIONS[action](product, head)

        # then
        product.refresh_from_db()
        assert product.public_sales_status == outcome
        last = StatusChange.objects.filter(product=product).first()
        assert last is not None and last.to_status == outcome
        # an approval writes two rows: the ad-hoc alignment call's notes, then the approval
        added = 2 if action == "approve" else 1
        assert StatusChange.objects.filter(product=product).count() == changes_before + added
    else:
        before = _snapshot(product)

        with pytest.raises(ApplicationError) as refused:
            ACTIONS[action](product, head)

        assert refused.value.code == outcome
        assert refused.value.status_code == 409
        assert _snapshot(product) == before
        assert StatusChange.objects.filter(product=product).count() == changes_before
        assert CallBooking.objects.count() == bookings_before


def test_switching_on_and_off_moves_between_off_and_the_workflow_status() -> None:
    product = ProductFactory.create()
    assert product.public_sales_status == S.OFF

    services.sales_settings_update(product=product, actor=None, enabled=True)
    product.refresh_from_db()
    assert product.public_sales_status == S.DRAFT

    services.sales_settings_update(product=product, actor=None, enabled=False)
    product.refresh_from_db()
    assert product.public_sales_status == S.OFF
    rows = list(
        StatusChange.objects.filter(product=product).values_list(
            "from_status", "to_status", "reason"
        )
    )
    assert rows == [("draft", "off", "disabled"), ("off", "draft", "enabled")]


def test_an_approved_product_switched_off_and_on_keeps_its_approval(head) -> None:
    product = product_in_status(S.APPROVED, head=head)

    services.sales_settings_update(product=product, actor=None, enabled=False)
    services.sales_settings_update(product=product, actor=None, enabled=True)

    product.refresh_from_db()
    assert product.public_sales_status == S.APPROVED and product.feeds_queue


def test_setting_the_same_enabled_value_again_writes_no_audit_row() -> None:
    product = ProductFactory.create(sales_enabled=True)

    services.sales_settings_update(
        product=product, actor=None, enabled=True, grace_period_minutes=30
    )

    assert not StatusChange.objects.filter(product=product).exists()
    product.refresh_from_db()
    assert product.grace_period_minutes == 30


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("grace_period_minutes", -1),
        ("grace_period_minutes", 10_081),
        ("grace_period_minutes", "10"),
        ("grace_period_minutes", 10.5),
        ("grace_period_minutes", True),
        ("channels", []),
        ("channels", ["phone", "fax"]),
        ("channels", "phone"),
        ("enabled", "yes"),
        ("priority_channel", "fax"),
        ("priority_channel", 5),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(field: str, value: Any) -> None:
    product = ProductFactory.create()
    before = _snapshot(product)

    with pytest.raises(ApplicationError) as refused:
        services.sales_settings_update(product=product, actor=None, **{field: value})

    assert refused.value.code == "validation_error"
    assert field in refused.value.details
    assert _snapshot(product) == before


def test_channels_keep_the_partners_order_without_duplicates() -> None:
    product = ProductFactory.create()

    product = services.sales_settings_update(
        product=product, actor=None, channels=["email", "phone", "email"]
    )

    assert product.channels == ["email", "phone"]


def test_the_priority_channel_is_one_of_the_allowed_channels() -> None:
    # given: a product allowing phone and Telegram
    product = ProductFactory.create(channels=["phone", "telegram"])

    # when: Telegram is named the priority channel
    product = supply.sales_settings_update(product=product, actor=None, priority_channel="telegram")

    # then: stored, and the channels and their order are untouched
    product.refresh_from_db()
    assert (product.priority_channel, product.channels) == ("telegram", ["phone", "telegram"])


def test_a_priority_channel_the_partner_does_not_allow_is_refused_and_changes_nothing() -> None:
    product = ProductFactory.create(channels=["phone", "telegram"], priority_channel="phone")
    before = _snapshot(product)

    with pytest.raises(ApplicationError) as refused:
        supply.sales_settings_update(product=product, actor=None, priority_channel="email")

    assert refused.value.code == "validation_error"
    assert refused.value.details == {"priority_channel": ["Допустимо: phone, telegram."]}
    assert _snapshot(product) == before and product.priority_channel == "phone"


def test_a_priority_channel_outside_the_new_channels_given_with_it_is_refused() -> None:
    # given: all four channels, Telegram first choice
    product = ProductFactory.create(priority_channel="telegram")
    before = _snapshot(product)

    # when: the same change drops email but names it the priority channel
    with pytest.raises(ApplicationError) as refused:
        supply.sales_settings_update(
            product=product, actor=None, channels=["phone", "telegram"], priority_channel="email"
        )

    # then: refused as a whole: the channels are not narrowed either
    assert "priority_channel" in refused.value.details
    assert _snapshot(product) == before
    assert (product.channels, product.priority_channel) == (
        ["phone", "whatsapp", "telegram", "email"],
        "telegram",
    )


def test_new_channels_without_the_priority_channel_clear_it() -> None:
    product = ProductFactory.create(priority_channel="whatsapp")

    product = supply.sales_settings_update(product=product, actor=None, channels=["email", "phone"])

    product.refresh_from_db()
    assert (product.channels, product.priority_channel) == (["email", "phone"], "")


def test_new_channels_keeping_the_priority_channel_keep_it() -> None:
    product = ProductFactory.create(priority_channel="email")

    supply.sales_settings_update(product=product, actor=None, channels=["email", "phone"])

    product.refresh_from_db()
    assert product.priority_channel == "email"


def test_an_empty_priority_channel_clears_it() -> None:
    product = ProductFactory.create(priority_channel="email")

    supply.sales_settings_update(product=product, actor=None, priority_channel="")

    product.refresh_from_db()
    assert product.priority_channel == ""


# --- questionnaire ---


def test_an_incomplete_questionnaire_is_not_submitted_and_names_the_missing_fields() -> None:
    product = product_in_status(S.DRAFT)
    answers = {**COMPLETE_ANSWERS, "audience": "  ", "faq": ""}
    services.questionnaire_save(product=product, actor=None, answers=answers)

    with pytest.raises(ApplicationError) as refused:
        services.questionnaire_submit(product=product, actor=None)

    assert refused.value.code == "questionnaire_incomplete"
    assert refused.value.status_code == 400
    assert set(refused.value.details) == {"audience", "faq"}
    product.refresh_from_db()
    assert product.sales_status == S.DRAFT
    assert not product.versions.exists()
    assert product.questionnaire.submitted_at is None


def test_optional_fields_may_stay_empty_on_submit() -> None:
    product = product_in_status(S.DRAFT)
    required = {
        k: COMPLETE_ANSWERS[k]
        for k in (
            "project_description",
            "product_description",
            "audience",
            "price_and_payment",
            "faq",
            "objections",
            "urgent_contact",
        )
    }
    services.questionnaire_save(product=product, actor=None, answers=required)

    product = services.questionnaire_submit(product=product, actor=None)

    assert product.sales_status == S.SUBMITTED
    assert product.versions.get().kind == QuestionnaireVersion.Kind.SUBMITTED


def test_a_status_that_cannot_submit_is_reported_before_missing_answers(head) -> None:
    product = product_in_status(S.APPROVED, head=head)
    services.questionnaire_save(product=product, actor=None, answers={})

    with pytest.raises(ConflictError) as refused:
        services.questionnaire_submit(product=product, actor=None)

    assert refused.value.code == "invalid_transition"


def test_changes_after_approval_are_kept_as_a_new_version_and_the_product_stays_approved(
    head,
) -> None:
    # given
    product = product_in_status(S.APPROVED, head=head)
    owner = UserFactory.create(role="partner_owner", partner=product.partner)
    kinds_before = list(product.versions.order_by("number").values_list("kind", flat=True))
    assert kinds_before == ["submitted", "approved"]

    # when
    services.questionnaire_save(
        product=product, actor=owner, answers={"faq": "Новый ответ"}, partial=True
    )

    # then
    product.refresh_from_db()
    assert product.public_sales_status == S.APPROVED
    latest = product.versions.first()
    assert latest is not None
    assert (latest.number, latest.kind, latest.created_by) == (3, "changed", owner)
    assert latest.answers["faq"] == "Новый ответ"
    assert latest.answers["audience"] == COMPLETE_ANSWERS["audience"]
    approved = product.versions.get(kind="approved")
    assert approved.answers["faq"] == COMPLETE_ANSWERS["faq"]


def test_autosaves_in_one_sitting_make_one_version_and_a_later_edit_another(
    head, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_in_status(S.APPROVED, head=head)
    owner = UserFactory.create(role="partner_owner", partner=product.partner)
    start = timezone.now()

    def save_at(moment: dt.datetime, faq: str) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        services.questionnaire_save(
            product=product, actor=owner, answers={"faq": faq}, partial=True
        )

    # the partner types; the page autosaves every few seconds
    for n, text in enumerate(["Н", "Но", "Нов", "Новый ответ"]):
        save_at(start + dt.timedelta(seconds=5 * n), text)
    # and comes back the next day
    save_at(start + dt.timedelta(days=1), "Ответ на следующий день")

    changed = list(
        product.versions.filter(kind="changed").order_by("number").values_list("answers", flat=True)
    )
    assert [answers["faq"] for answers in changed] == ["Новый ответ", "Ответ на следующий день"]


def test_saving_the_same_answers_after_approval_adds_no_version(head) -> None:
    product = product_in_status(S.APPROVED, head=head)

    services.questionnaire_save(product=product, actor=None, answers=COMPLETE_ANSWERS)

    assert product.versions.count() == 2


def test_changes_before_submission_add_no_version() -> None:
    product = product_in_status(S.DRAFT)

    services.questionnaire_save(product=product, actor=None, answers={"faq": "a"}, partial=True)
    services.questionnaire_save(product=product, actor=None, answers={"faq": "b"}, partial=True)

    assert not product.versions.exists()


def test_a_full_save_empties_the_answers_left_out() -> None:
    product = product_in_status(S.DRAFT)
    services.questionnaire_save(product=product, actor=None, answers=COMPLETE_ANSWERS)

    questionnaire = services.questionnaire_save(
        product=product, actor=None, answers={"faq": "Только FAQ"}
    )

    assert questionnaire.faq == "Только FAQ"
    assert questionnaire.audience == ""


@pytest.mark.parametrize(
    "answers", [{"favourite_colour": "red"}, {"faq": 42}, {"faq": "x" * 20_001}]
)
def test_bad_answers_are_refused_and_change_nothing(answers: dict[str, Any]) -> None:
    product = product_in_status(S.DRAFT)
    services.questionnaire_save(product=product, actor=None, answers=COMPLETE_ANSWERS)

    with pytest.raises(ApplicationError) as refused:
        services.questionnaire_save(product=product, actor=None, answers=answers)

    assert refused.value.code == "validation_error"
    product.questionnaire.refresh_from_db()
    assert product.questionnaire.answers() == COMPLETE_ANSWERS


def test_resubmitting_after_a_refusal_clears_the_refusal(head) -> None:
    product = product_in_status(S.REFUSED, head=head)
    assert product.refusal_reason == "missing_info"

    product = services.questionnaire_submit(product=product, actor=None)

    assert (product.sales_status, product.refusal_reason, product.refusal_comment) == (
        S.SUBMITTED,
        "",
        "",
    )


# --- the head's decisions ---


@pytest.mark.parametrize("reason", RefusalReason.values)
def test_the_head_refuses_with_each_reason(head, reason: str) -> None:
    product = product_in_status(S.CALL_BOOKED, head=head)

    product = services.product_refuse(
        product=product, actor=head, reason=reason, comment="  Подробности  "
    )

    assert product.public_sales_status == S.REFUSED
    assert (product.refusal_reason, product.refusal_comment) == (reason, "Подробности")
    change = StatusChange.objects.filter(product=product).first()
    assert change is not None
    assert (change.actor, change.from_status, change.to_status, change.reason) == (
        head,
        S.CALL_BOOKED,
        S.REFUSED,
        reason,
    )


@pytest.mark.parametrize("comment", ["", "   "])
def test_refusing_for_other_needs_a_comment(head, comment: str) -> None:
    product = product_in_status(S.SUBMITTED, head=head)

    with pytest.raises(ApplicationError) as refused:
        services.product_refuse(product=product, actor=head, reason="other", comment=comment)

    assert (refused.value.code, refused.value.status_code) == ("validation_error", 400)
    assert "comment" in refused.value.details
    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED


def test_an_unknown_refusal_reason_is_refused(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)

    with pytest.raises(ApplicationError) as refused:
        services.product_refuse(product=product, actor=head, reason="bad_vibes")

    assert "reason" in refused.value.details
    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED


def test_approval_records_the_time_and_freezes_the_answers(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)

    product = services.product_approve(
        product=product, actor=head, comment="Созвонились", call_notes=ADHOC_CALL_NOTES
    )

    assert product.approved_at is not None
    assert product.versions.first().kind == "approved"  # type: ignore[union-attr]
    change = StatusChange.objects.filter(product=product).first()
    assert change is not None and (change.actor, change.comment) == (head, "Созвонились")


def test_approving_a_draft_is_a_conflict(head) -> None:
    product = product_in_status(S.DRAFT, head=head)

    with translation.override("ru"), pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head)

    assert refused.value.code == "invalid_transition"
    assert refused.value.details["from"] == "draft"
    # people read the statuses' names, programs the codes in details
    assert "«Черновик»" in refused.value.message and "«Одобрено»" in refused.value.message


def test_a_blocked_partners_products_cannot_be_decided(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    services.partner_block(partner=product.partner, actor=head)

    with pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head)

    assert refused.value.code == "partner_blocked"
    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED


def test_unblock_returns_the_product_to_the_status_it_had(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    services.product_block(product=product, actor=head, comment="проверка")

    product = services.product_unblock(product=product, actor=head)

    assert (product.public_sales_status, product.status_before_block) == (S.SUBMITTED, "")


# --- blocks and the queue ---


@pytest.fixture
def queue_of(head) -> Callable[[Product], dict[str, QueueItem]]:
    """One item in each state for the product: queued, active, scheduled."""

    def make(product: Product) -> dict[str, QueueItem]:
        manager = UserFactory.create(role="manager")
        caller = UserFactory.create(role="caller")
        return {
            "queued": QueueItemFactory.create(order__product=product),
            "active": QueueItemFactory.create(
                order__product=product, state="active", holder=manager
            ),
            "scheduled": QueueItemFactory.create(
                order__product=product, state="scheduled", holder=caller
            ),
        }

    return make


def _states(items: dict[str, QueueItem]) -> dict[str, str]:
    return {name: QueueItem.objects.get(pk=item.pk).state for name, item in items.items()}


HELD = {"active": "active", "scheduled": "scheduled"}


def test_disabling_withdraws_only_the_products_queued_items(head, queue_of) -> None:
    # given
    product = product_in_status(S.APPROVED, head=head)
    other = product_in_status(S.APPROVED, partner=product.partner, head=head)
    items, others = queue_of(product), queue_of(other)

    # when
    supply.sales_settings_update(product=product, actor=None, enabled=False)

    # then
    assert _states(items) == {"queued": "withdrawn", **HELD}
    assert QueueItem.objects.get(pk=items["queued"].pk).outcome_reason == "product_disabled"
    assert _states(others) == {"queued": "queued", **HELD}


def test_blocking_a_product_withdraws_its_queued_items_and_stops_feeding(head, queue_of) -> None:
    product = product_in_status(S.APPROVED, head=head)
    items = queue_of(product)

    product = supply.product_block(product=product, actor=head, comment="жалобы")

    assert _states(items) == {"queued": "withdrawn", **HELD}
    assert not product.feeds_queue


def test_blocking_a_partner_withdraws_queued_items_of_all_its_products(head, queue_of) -> None:
    # given
    first = product_in_status(S.APPROVED, head=head)
    second = product_in_status(S.APPROVED, partner=first.partner, head=head)
    bystander = product_in_status(S.APPROVED, head=head)
    items = {"first": queue_of(first), "second": queue_of(second), "other": queue_of(bystander)}

    # when
    partner = supply.partner_block(partner=first.partner, actor=head, comment="мошенничество")

    # then
    assert partner.is_blocked and partner.block_reason == "мошенничество"
    assert _states(items["first"]) == {"queued": "withdrawn", **HELD}
    assert _states(items["second"]) == {"queued": "withdrawn", **HELD}
    assert _states(items["other"]) == {"queued": "queued", **HELD}
    first.refresh_from_db()
    assert first.public_sales_status == S.BLOCKED and not first.feeds_queue
    change = StatusChange.objects.get(partner=partner, product__isnull=True)
    assert (change.actor, change.to_status, change.comment) == (head, "blocked", "мошенничество")


def test_switching_back_on_returns_the_withdrawn_unpaid_orders_to_the_queue(head) -> None:
    # given: two waiting orders; the partner switches the product off, one order is then paid
    product = product_in_status(S.APPROVED, head=head)
    waiting = QueueItemFactory.create(order__product=product)
    paid = QueueItemFactory.create(order__product=product)
    supply.sales_settings_update(product=product, actor=None, enabled=False)
    Order.objects.filter(queue_item=paid).update(
        status="paid", paid_at=timezone.now(), paid_amount=F("amount")
    )

    # when
    supply.sales_settings_update(product=product, actor=None, enabled=True)

    # then: the unpaid one waits again, the paid one stays closed
    waiting.refresh_from_db()
    assert (waiting.state, waiting.outcome, waiting.closed_at) == ("queued", "", None)
    assert QueueItem.objects.get(pk=paid.pk).state == "withdrawn"
    assert QueueEvent.objects.filter(item=waiting, kind="entered").count() == 1


def test_lifting_blocks_returns_orders_only_when_nothing_else_holds_them_back(head) -> None:
    product = product_in_status(S.APPROVED, head=head)
    item = QueueItemFactory.create(order__product=product)
    supply.partner_block(partner=product.partner, actor=head)
    supply.product_block(product=product, actor=head)

    supply.partner_unblock(partner=product.partner, actor=head)
    # the product itself is still blocked
    assert QueueItem.objects.get(pk=item.pk).state == "withdrawn"

    supply.product_unblock(product=product, actor=head)
    assert QueueItem.objects.get(pk=item.pk).state == "queued"


def test_unblocking_a_partner_restores_its_products(head) -> None:
    product = product_in_status(S.APPROVED, head=head)
    supply.partner_block(partner=product.partner, actor=head)

    supply.partner_unblock(partner=product.partner, actor=head)

    product.refresh_from_db()
    assert product.public_sales_status == S.APPROVED and product.feeds_queue
    assert StatusChange.objects.filter(partner=product.partner, to_status="active").exists()


def test_blocking_twice_and_unblocking_an_active_partner_are_conflicts(head) -> None:
    partner = PartnerFactory.create()
    with pytest.raises(ConflictError) as not_blocked:
        services.partner_unblock(partner=partner, actor=head)
    services.partner_block(partner=partner, actor=head)
    with pytest.raises(ConflictError) as already:
        services.partner_block(partner=partner, actor=head)

    assert (not_blocked.value.code, already.value.code) == ("not_blocked", "already_blocked")
    assert StatusChange.objects.filter(partner=partner).count() == 1


def test_the_head_can_block_and_unblock_a_product_of_a_blocked_partner(head) -> None:
    product = product_in_status(S.APPROVED, head=head)
    services.partner_block(partner=product.partner, actor=head)

    services.product_block(product=product, actor=head)
    services.partner_unblock(partner=product.partner, actor=head)

    product.refresh_from_db()
    assert product.public_sales_status == S.BLOCKED
    services.product_unblock(product=product, actor=head)
    product.refresh_from_db()
    assert product.public_sales_status == S.APPROVED


# --- alignment calls ---


def test_one_booking_covers_several_products(head) -> None:
    partner = PartnerFactory.create()
    first = product_in_status(S.SUBMITTED, partner=partner)
    second = product_in_status(S.SUBMITTED, partner=partner)
    slot = slot_create(head=head)

    booking = services.call_book(
        partner=partner, actor=None, slot=slot, products=[first, second, first]
    )

    assert set(booking.products.all()) == {first, second}
    for product in (first, second):
        product.refresh_from_db()
        assert product.sales_status == S.CALL_BOOKED
    assert slot not in alignment_slots_open()


def test_booking_with_a_product_not_submitted_stores_nothing(head) -> None:
    # given
    partner = PartnerFactory.create()
    ready = product_in_status(S.SUBMITTED, partner=partner)
    draft = product_in_status(S.DRAFT, partner=partner)
    slot = slot_create(head=head)

    # when
    with pytest.raises(ConflictError) as refused:
        services.call_book(partner=partner, actor=None, slot=slot, products=[ready, draft])

    # then
    assert refused.value.code == "invalid_transition"
    assert not CallBooking.objects.exists()
    ready.refresh_from_db()
    assert ready.sales_status == S.SUBMITTED
    assert not StatusChange.objects.filter(to_status=S.CALL_BOOKED).exists()
    assert slot in alignment_slots_open()


def test_booking_another_partners_product_is_not_found(head) -> None:
    mine = product_in_status(S.SUBMITTED)
    theirs = product_in_status(S.SUBMITTED)
    slot = slot_create(head=head)

    with pytest.raises(NotFoundError):
        services.call_book(partner=mine.partner, actor=None, slot=slot, products=[mine, theirs])

    assert not CallBooking.objects.exists()
    theirs.refresh_from_db()
    assert theirs.sales_status == S.SUBMITTED


def test_booking_without_products_is_refused(head) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.call_book(
            partner=PartnerFactory.create(), actor=None, slot=slot_create(head=head), products=[]
        )

    assert "products" in refused.value.details


def test_a_booked_slot_cannot_be_booked_again(head) -> None:
    slot = slot_create(head=head)
    first = product_in_status(S.SUBMITTED)
    second = product_in_status(S.SUBMITTED)
    services.call_book(partner=first.partner, actor=None, slot=slot, products=[first])

    with pytest.raises(ConflictError) as refused:
        services.call_book(partner=second.partner, actor=None, slot=slot, products=[second])

    assert refused.value.code == "slot_taken"
    assert CallBooking.objects.filter(slot=slot).count() == 1
    second.refresh_from_db()
    assert second.sales_status == S.SUBMITTED


def test_the_database_refuses_a_second_live_booking_of_a_slot(head) -> None:
    slot = slot_create(head=head)
    CallBooking.objects.create(slot=slot, partner=PartnerFactory.create())

    with pytest.raises(IntegrityError), transaction.atomic():
        CallBooking.objects.create(slot=slot, partner=PartnerFactory.create())


def test_cancel_and_rebook(head) -> None:
    # given
    product = product_in_status(S.SUBMITTED)
    first_slot, second_slot = slot_create(head=head, in_days=1), slot_create(head=head, in_days=2)
    booking = services.call_book(
        partner=product.partner, actor=None, slot=first_slot, products=[product]
    )

    # when
    services.call_cancel(booking=booking, actor=None)
    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED
    assert first_slot in alignment_slots_open()
    rebooked = services.call_book(
        partner=product.partner, actor=None, slot=second_slot, products=[product]
    )

    # then
    product.refresh_from_db()
    assert product.sales_status == S.CALL_BOOKED
    assert list(rebooked.products.all()) == [product]
    reasons = list(
        StatusChange.objects.filter(product=product)
        .order_by("created_at", "id")
        .values_list("to_status", "reason")
    )
    assert reasons[-3:] == [
        ("call_booked", ""),
        ("submitted", "call_cancelled"),
        ("call_booked", ""),
    ]


def test_cancelling_twice_is_harmless(head) -> None:
    product = product_in_status(S.SUBMITTED)
    booking = services.call_book(
        partner=product.partner, actor=None, slot=slot_create(head=head), products=[product]
    )
    services.call_cancel(booking=booking, actor=None)
    count = StatusChange.objects.count()

    services.call_cancel(booking=booking, actor=None)

    assert StatusChange.objects.count() == count


def test_a_call_that_has_started_cannot_be_cancelled(head) -> None:
    product = product_in_status(S.CALL_BOOKED, head=head)
    booking = CallBooking.objects.get(products=product)
    AlignmentSlot.objects.filter(pk=booking.slot_id).update(
        starts_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with pytest.raises(ConflictError) as refused:
        services.call_cancel(booking=booking, actor=None)

    assert refused.value.code == "call_already_started"
    booking.refresh_from_db()
    assert booking.cancelled_at is None


def test_withdrawing_a_slot_releases_its_products(head) -> None:
    product = product_in_status(S.SUBMITTED)
    slot = slot_create(head=head)
    booking = services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])

    services.slot_cancel(slot=slot, actor=head)

    booking.refresh_from_db()
    product.refresh_from_db()
    assert booking.cancelled_at is not None
    assert product.sales_status == S.SUBMITTED
    assert slot not in alignment_slots_open()
    change = StatusChange.objects.filter(product=product).first()
    assert change is not None and (change.actor, change.reason) == (head, "call_cancelled")


def test_withdrawing_a_slot_works_when_the_booking_partner_is_blocked(head) -> None:
    product = product_in_status(S.SUBMITTED)
    slot = slot_create(head=head)
    services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])
    services.partner_block(partner=product.partner, actor=head)

    services.slot_cancel(slot=slot, actor=head)

    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED


def test_a_blocked_product_whose_call_is_cancelled_unblocks_to_submitted(head) -> None:
    product = product_in_status(S.SUBMITTED)
    slot = slot_create(head=head)
    booking = services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])
    services.product_block(product=product, actor=head)

    services.call_cancel(booking=booking, actor=None)
    product = services.product_unblock(product=product, actor=head)

    assert product.sales_status == S.SUBMITTED


def test_a_withdrawn_or_past_slot_cannot_be_booked(head) -> None:
    product = product_in_status(S.SUBMITTED)
    withdrawn = slot_create(head=head, in_days=1)
    services.slot_cancel(slot=withdrawn, actor=head)
    past = slot_create(head=head, in_days=2)
    AlignmentSlot.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )

    for slot in (withdrawn, past):
        with pytest.raises(ConflictError) as refused:
            services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])
        assert refused.value.code == "slot_unavailable"

    assert not CallBooking.objects.exists()


@pytest.mark.parametrize(
    ("starts_in", "duration", "field"),
    [
        (dt.timedelta(minutes=-5), 30, "starts_at"),
        (dt.timedelta(days=1), 4, "duration_minutes"),
        (dt.timedelta(days=1), 241, "duration_minutes"),
    ],
)
def test_bad_slots_are_refused(head, starts_in: dt.timedelta, duration: int, field: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.slot_publish(
            head=head, starts_at=timezone.now() + starts_in, duration_minutes=duration
        )

    assert field in refused.value.details
    assert not AlignmentSlot.objects.exists()


def test_a_head_cannot_publish_two_slots_at_the_same_time(head) -> None:
    slot = slot_create(head=head)

    with pytest.raises(ConflictError) as refused:
        services.slot_publish(head=head, starts_at=slot.starts_at)

    assert refused.value.code == "slot_exists"


# --- products ---


@pytest.mark.parametrize("price", ["0", "-1", "NaN", "Infinity", "abc", "100000000.01"])
def test_bad_prices_are_refused(price: str) -> None:
    partner = PartnerFactory.create()

    with pytest.raises(ApplicationError) as refused:
        services.product_create(partner=partner, name="Курс", price=price)

    assert "price" in refused.value.details
    assert not Product.objects.exists()


def test_external_ids_are_unique_per_partner_only() -> None:
    partner = PartnerFactory.create()
    services.product_create(partner=partner, name="A", price="10", external_id="sku-1")
    services.product_create(
        partner=PartnerFactory.create(), name="B", price="10", external_id="sku-1"
    )
    services.product_create(partner=partner, name="C", price="10")
    services.product_create(partner=partner, name="D", price="10")

    with pytest.raises(ConflictError) as refused:
        services.product_create(partner=partner, name="E", price="10", external_id="sku-1")

    assert refused.value.code == "external_id_taken"
    assert Product.objects.filter(partner=partner).count() == 3


def test_a_failed_edit_changes_nothing() -> None:
    product = ProductFactory.create(external_id="sku-1")
    ProductFactory.create(partner=product.partner, external_id="sku-2")
    before = (product.name, product.price, product.external_id, product.grace_period_minutes)

    with pytest.raises(ConflictError):
        supply.product_edit(
            product=product,
            actor=None,
            name="Новое имя",
            external_id="sku-2",
            sales_department={"grace_period_minutes": 5},
        )

    product.refresh_from_db()
    assert (
        product.name,
        product.price,
        product.external_id,
        product.grace_period_minutes,
    ) == before


def test_the_audit_names_an_api_key_actor_by_its_label() -> None:
    from accounts.authentication import PartnerApiClient
    from tests.accounts.factories import ApiKeyFactory

    product = ProductFactory.create()
    key, _raw = ApiKeyFactory.issue(partner=product.partner)

    services.sales_settings_update(product=product, actor=PartnerApiClient(key), enabled=True)

    change = StatusChange.objects.get(product=product)
    assert change.actor is None
    assert change.actor_label == f"api-key:{key.prefix}"
