"""The alignment-call gate (DESIGN "Sales department activation"): the head approves a product
only after the alignment call is recorded — a booked call marked held, with notes, or an
ad-hoc call whose notes come with the approval; otherwise 409 ``call_required``. Both calls
are kept in the product's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from partners import services
from partners.models import CallBooking, Product, SalesStatus, StatusChange
from salesdesk.errors import ApplicationError, ConflictError
from tests.accounts.factories import UserFactory
from tests.partners.factories import (
    call_held,
    call_started,
    product_in_status,
    slot_create,
)

pytestmark = pytest.mark.django_db

S = SalesStatus
ClientMaker = Callable[..., tuple[APIClient, Any]]
NOTES = "Обсудили скрипт, цену 14 900 ₽ и каналы: телефон и WhatsApp."


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


def _state(product: Product) -> dict[str, Any]:
    """What a refused request must leave as it was."""
    return {
        "row": Product.objects.filter(pk=product.pk).values().get(),
        "history": list(StatusChange.objects.filter(product=product).values()),
        "versions": product.versions.count(),
        "bookings": list(CallBooking.objects.order_by("pk").values()),
    }


def _history(product: Product) -> list[tuple[str, str, str, str]]:
    """The product's history, oldest first: (from, to, reason, comment)."""
    return [
        (c.from_status, c.to_status, c.reason, c.comment)
        for c in StatusChange.objects.filter(product=product).order_by("created_at", "id")
    ]


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    return body


# --- the service: approval needs the call ---


def test_approving_without_a_recorded_call_is_call_required_and_changes_nothing(head) -> None:
    # given: a product whose call is booked for tomorrow, not yet held
    product = product_in_status(S.CALL_BOOKED, head=head)
    before = _state(product)

    # when
    with pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head, comment="Ок")

    # then
    assert refused.value.code == "call_required"
    assert "call_notes" in refused.value.details
    assert _state(product) == before


def test_approving_with_an_adhoc_calls_notes_keeps_them_in_the_history(head) -> None:
    # given
    product = product_in_status(S.SUBMITTED, head=head)

    # when
    approved = services.product_approve(
        product=product, actor=head, comment="Добро", call_notes=f"  {NOTES}  "
    )

    # then: the ad-hoc call's row (notes trimmed), then the approval's row
    assert approved.sales_status == S.APPROVED
    assert _history(product)[-2:] == [
        ("submitted", "submitted", "adhoc_call", NOTES),
        ("submitted", "approved", "", "Добро"),
    ]


def test_a_held_call_covering_the_product_lets_the_head_approve(head) -> None:
    # given: two products on one call, held
    first = product_in_status(S.SUBMITTED, head=head)
    second = product_in_status(S.SUBMITTED, partner=first.partner, head=head)
    call_held([first, second], head=head, notes=NOTES)

    # when: both approved without notes
    services.product_approve(product=first, actor=head)
    services.product_approve(product=second, actor=head)

    # then: each history shows the call held with its notes, then the approval
    for product in (first, second):
        product.refresh_from_db()
        assert product.sales_status == S.APPROVED
        assert _history(product)[-2:] == [
            ("call_booked", "call_booked", "call_held", NOTES),
            ("call_booked", "approved", "", ""),
        ]


def test_a_held_call_about_another_product_does_not_cover_this_one(head) -> None:
    # given: the partner's other product had its call
    product = product_in_status(S.SUBMITTED, head=head)
    other = product_in_status(S.SUBMITTED, partner=product.partner, head=head)
    call_held([other], head=head)

    # when / then
    with pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head)
    assert refused.value.code == "call_required"


def test_a_call_held_before_a_refusal_does_not_cover_the_resubmitted_questionnaire(
    head,
) -> None:
    # given: held call, refused, the questionnaire submitted again
    product = product_in_status(S.SUBMITTED, head=head)
    call_held([product], head=head)
    services.product_refuse(product=product, actor=head, reason="missing_info")
    services.questionnaire_submit(product=product, actor=None)

    # when / then: the new application needs its own call
    with pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head)
    assert refused.value.code == "call_required"


def test_the_status_rule_comes_before_the_call_rule(head) -> None:
    product = product_in_status(S.DRAFT, head=head)

    with pytest.raises(ConflictError) as refused:
        services.product_approve(product=product, actor=head)

    assert refused.value.code == "invalid_transition"


def test_too_long_adhoc_notes_are_refused_and_change_nothing(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    before = _state(product)

    with pytest.raises(ApplicationError) as refused:
        services.product_approve(product=product, actor=head, call_notes="я" * 5001)

    assert (refused.value.code, list(refused.value.details)) == ("validation_error", ["call_notes"])
    assert _state(product) == before


# --- the service: marking a call held ---


def test_marking_a_started_call_held_records_who_when_and_the_notes(head) -> None:
    # given
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_started([product], head=head)

    # when
    held = services.call_mark_held(booking=booking, actor=head, notes=f"\n{NOTES} ")

    # then: the product's status is unchanged, its history has the call
    assert (held.held_by, held.notes) == (head, NOTES)
    assert held.held_at is not None and held.held_at <= timezone.now()
    product.refresh_from_db()
    assert product.sales_status == S.CALL_BOOKED
    assert _history(product)[-1] == ("call_booked", "call_booked", "call_held", NOTES)


def test_marking_held_again_with_the_same_notes_changes_nothing(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_held([product], head=head, notes=NOTES)
    before = _state(product)

    again = services.call_mark_held(booking=booking, actor=head, notes=NOTES)

    assert again.held_at == booking.held_at
    assert _state(product) == before


def test_marking_held_again_with_other_notes_is_already_held(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_held([product], head=head, notes=NOTES)
    before = _state(product)

    with pytest.raises(ConflictError) as refused:
        services.call_mark_held(booking=booking, actor=head, notes="Другие заметки")

    assert refused.value.code == "already_held"
    assert _state(product) == before


def test_a_cancelled_booking_cannot_be_held(head) -> None:
    product = product_in_status(S.CALL_BOOKED, head=head)
    booking = CallBooking.objects.get(products=product)
    services.call_cancel(booking=booking, actor=None)
    before = _state(product)

    with pytest.raises(ConflictError) as refused:
        services.call_mark_held(booking=booking, actor=head, notes=NOTES)

    assert refused.value.code == "call_cancelled"
    assert _state(product) == before


def test_a_call_in_the_future_cannot_be_held(head) -> None:
    product = product_in_status(S.CALL_BOOKED, head=head)  # booked for tomorrow
    booking = CallBooking.objects.get(products=product)
    before = _state(product)

    with pytest.raises(ConflictError) as refused:
        services.call_mark_held(booking=booking, actor=head, notes=NOTES)

    assert refused.value.code == "call_not_started"
    assert _state(product) == before


@pytest.mark.parametrize("notes", ["", "   \n ", "я" * 5001])
def test_empty_or_too_long_notes_are_refused(head, notes: str) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_started([product], head=head)
    before = _state(product)

    with pytest.raises(ApplicationError) as refused:
        services.call_mark_held(booking=booking, actor=head, notes=notes)

    assert (refused.value.code, list(refused.value.details)) == ("validation_error", ["notes"])
    assert _state(product) == before


def test_the_database_keeps_held_and_notes_together(head) -> None:
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_started([product], head=head)

    for fields in ({"held_at": timezone.now()}, {"notes": "без отметки"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CallBooking.objects.filter(pk=booking.pk).update(**fields)


# --- the API ---


def test_api_approve_without_a_held_call_is_409_call_required(staff_client: ClientMaker) -> None:
    client, head = staff_client(role="head")
    product = product_in_status(S.CALL_BOOKED, head=head)
    before = _state(product)

    response = client.post(
        f"/api/v1/products/{product.pk}/sales-department/approve/", {}, format="json"
    )

    assert_error(response, 409, "call_required")
    assert _state(product) == before


def test_api_approve_with_call_notes_is_200_and_the_notes_are_in_the_history(
    staff_client: ClientMaker, partner_client: ClientMaker
) -> None:
    # given
    client, head = staff_client(role="head")
    product = product_in_status(S.SUBMITTED, head=head)

    # when
    response = client.post(
        f"/api/v1/products/{product.pk}/sales-department/approve/",
        {"call_notes": NOTES},
        format="json",
    )

    # then: the partner reads the call's notes in the product's history
    assert response.status_code == 200, response.content
    assert response.json()["sales_department"]["status"] == "approved"
    partner_api, _partner = partner_client(product.partner)
    history = partner_api.get(f"/api/v1/products/{product.pk}/history/").json()["results"]
    assert [(h["from"], h["to"], h["reason"], h["comment"]) for h in history[:2]] == [
        ("submitted", "approved", "", ""),
        ("submitted", "submitted", "adhoc_call", NOTES),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"call_notes": 5}, "call_notes"), ({"call_notes": "я" * 5001}, "call_notes")],
)
def test_api_approve_with_bad_call_notes_is_400(
    staff_client: ClientMaker, body: dict[str, Any], field: str
) -> None:
    client, head = staff_client(role="head")
    product = product_in_status(S.SUBMITTED, head=head)
    before = _state(product)

    response = client.post(
        f"/api/v1/products/{product.pk}/sales-department/approve/", body, format="json"
    )

    assert field in assert_error(response, 400, "validation_error")["details"]
    assert _state(product) == before


def test_api_approve_after_the_call_is_held_by_the_api(staff_client: ClientMaker) -> None:
    # given: a call whose time has come
    client, head = staff_client(role="head")
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_started([product], head=head)

    # when: the head records it, then approves without notes
    held = client.post(f"/api/v1/call-bookings/{booking.pk}/held/", {"notes": NOTES}, format="json")
    approved = client.post(
        f"/api/v1/products/{product.pk}/sales-department/approve/", {}, format="json"
    )

    # then
    assert held.status_code == 200, held.content
    body = held.json()
    assert (body["id"], body["notes"], body["products"]) == (
        str(booking.pk),
        NOTES,
        [str(product.pk)],
    )
    assert body["held_at"] is not None
    assert approved.status_code == 200, approved.content
    assert approved.json()["sales_department"]["status"] == "approved"


def test_api_marking_held_twice_with_the_same_notes_is_200_with_other_notes_409(
    staff_client: ClientMaker,
) -> None:
    client, head = staff_client(role="head")
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_held([product], head=head, notes=NOTES)
    url = f"/api/v1/call-bookings/{booking.pk}/held/"

    same = client.post(url, {"notes": NOTES}, format="json")
    other = client.post(url, {"notes": "Другое"}, format="json")

    assert same.status_code == 200 and same.json()["notes"] == NOTES
    assert_error(other, 409, "already_held")
    assert StatusChange.objects.filter(product=product, reason="call_held").count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"notes": ""}, {"notes": "   "}, {"notes": 42}, {"notes": "я" * 5001}]
)
def test_api_marking_held_without_proper_notes_is_400(
    staff_client: ClientMaker, body: dict[str, Any]
) -> None:
    client, head = staff_client(role="head")
    product = product_in_status(S.SUBMITTED, head=head)
    booking = call_started([product], head=head)
    before = _state(product)

    response = client.post(f"/api/v1/call-bookings/{booking.pk}/held/", body, format="json")

    assert "notes" in assert_error(response, 400, "validation_error")["details"]
    assert _state(product) == before


def test_api_a_cancelled_booking_or_a_future_call_is_409(staff_client: ClientMaker) -> None:
    client, head = staff_client(role="head")
    future = product_in_status(S.CALL_BOOKED, head=head)
    future_booking = CallBooking.objects.get(products=future)
    cancelled = product_in_status(S.CALL_BOOKED, head=head)
    cancelled_booking = services.call_cancel(
        booking=CallBooking.objects.get(products=cancelled), actor=None
    )

    not_yet = client.post(
        f"/api/v1/call-bookings/{future_booking.pk}/held/", {"notes": NOTES}, format="json"
    )
    gone = client.post(
        f"/api/v1/call-bookings/{cancelled_booking.pk}/held/", {"notes": NOTES}, format="json"
    )

    assert_error(not_yet, 409, "call_not_started")
    assert_error(gone, 409, "call_cancelled")
    assert not CallBooking.objects.filter(held_at__isnull=False).exists()


@pytest.mark.parametrize("role", ["manager", "qa"])
def test_api_only_the_head_marks_a_call_held(staff_client: ClientMaker, role: str) -> None:
    client, _user = staff_client(role=role)
    booking = call_started([product_in_status(S.SUBMITTED)])

    response = client.post(
        f"/api/v1/call-bookings/{booking.pk}/held/", {"notes": NOTES}, format="json"
    )

    assert_error(response, 403, "permission_denied")
    booking.refresh_from_db()
    assert booking.held_at is None


def test_api_a_partner_cannot_mark_even_its_own_call_held(partner_client: ClientMaker) -> None:
    product = product_in_status(S.SUBMITTED)
    booking = call_started([product])
    client, _partner = partner_client(product.partner)

    response = client.post(
        f"/api/v1/call-bookings/{booking.pk}/held/", {"notes": NOTES}, format="json"
    )

    assert response.status_code in (403, 404)
    booking.refresh_from_db()
    assert booking.held_at is None


def test_api_an_unknown_booking_is_404(staff_client: ClientMaker) -> None:
    client, _head = staff_client(role="head")
    missing = "00000000-0000-0000-0000-000000000000"

    response = client.post(
        f"/api/v1/call-bookings/{missing}/held/", {"notes": NOTES}, format="json"
    )

    assert_error(response, 404, "not_found")


# --- the head's pages ---


@pytest.fixture
def head_client(client: Client, head: Any) -> Client:
    client.force_login(head)
    return client


def _review(client: Client, product: Product) -> str:
    return client.get(f"/head/sales-department/products/{product.pk}/").content.decode()


def test_the_approval_form_asks_for_call_notes_only_without_a_held_call(
    head_client: Client, head: Any
) -> None:
    # given
    no_call = product_in_status(S.CALL_BOOKED, head=head)
    with_call = product_in_status(S.SUBMITTED, head=head)
    call_held([with_call], head=head, notes=NOTES)

    # when
    without, held = _review(head_client, no_call), _review(head_client, with_call)

    # then
    assert 'name="approve-call_notes"' in without and 'data-testid="held-call"' not in without
    assert 'name="approve-call_notes"' not in held
    assert 'data-testid="held-call"' in held and NOTES in held


def test_approving_on_the_page_without_notes_asks_for_them(head_client: Client, head: Any) -> None:
    product = product_in_status(S.SUBMITTED, head=head)

    response = head_client.post(
        f"/head/sales-department/products/{product.pk}/approve/", {"approve-call_notes": ""}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Обязательно, если созвон не отмечен как состоявшийся." in html
    product.refresh_from_db()
    assert product.sales_status == S.SUBMITTED


def test_approving_on_the_page_with_notes_shows_them_in_both_histories(
    head_client: Client, head: Any
) -> None:
    # given
    product = product_in_status(S.SUBMITTED, head=head)
    owner = UserFactory.create(role="partner_owner", partner=product.partner)

    # when
    head_client.post(
        f"/head/sales-department/products/{product.pk}/approve/",
        {"approve-call_notes": NOTES, "approve-comment": ""},
    )

    # then
    product.refresh_from_db()
    assert product.sales_status == S.APPROVED
    assert NOTES in _review(head_client, product)
    cabinet = Client()
    cabinet.force_login(owner)
    page = cabinet.get(f"/cabinet/products/{product.pk}/").content.decode()
    assert "Созвон без записи, заметки даны при одобрении" in page and NOTES in page


def test_the_calls_page_lists_a_started_call_and_the_head_records_it(
    head_client: Client, head: Any
) -> None:
    # given: one call whose time has come (last week), one tomorrow
    product = product_in_status(S.SUBMITTED, head=head)
    product.name = "Курс акварели"
    product.save(update_fields=["name"])
    booking = call_started([product], head=head)
    booking.slot.starts_at = timezone.now() - dt.timedelta(days=7)
    booking.slot.save(update_fields=["starts_at"])
    product_in_status(S.CALL_BOOKED, head=head)

    # when
    page = head_client.get("/head/sales-department/slots/").content.decode()
    response = head_client.post(
        f"/head/sales-department/calls/{booking.pk}/held/", {"notes": NOTES}, follow=True
    )

    # then: only the started call is listed to record; recording it empties the list
    to_record = page.split('data-testid="calls-to-record"')[1].split("</section>")[0]
    assert to_record.count('data-testid="call-') == 1
    assert "Курс акварели" in to_record and f"/calls/{booking.pk}/held/" in to_record
    booking.refresh_from_db()
    assert (booking.notes, booking.held_by) == (NOTES, head)
    after = response.content.decode()
    assert "Созвон отмечен как состоявшийся." in after
    assert "Нет созвонов, ждущих записи." in after


def test_the_calls_page_refuses_empty_notes_beside_the_call(head_client: Client, head: Any) -> None:
    booking = call_started([product_in_status(S.SUBMITTED, head=head)], head=head)

    response = head_client.post(f"/head/sales-department/calls/{booking.pk}/held/", {"notes": " "})

    assert response.status_code == 200
    block = response.content.decode().split(f'data-testid="call-{booking.pk}"')[1]
    assert "Обязательное поле." in block.split("</form>")[0]
    booking.refresh_from_db()
    assert booking.held_at is None


def test_qa_sees_the_calls_page_but_cannot_record_a_call(client: Client) -> None:
    booking = call_started([product_in_status(S.SUBMITTED)])
    client.force_login(UserFactory.create(role="qa"))

    page = client.get("/head/sales-department/slots/")
    response = client.post(f"/head/sales-department/calls/{booking.pk}/held/", {"notes": NOTES})

    assert page.status_code == 200 and f"/calls/{booking.pk}/held/" not in page.content.decode()
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.held_at is None


def test_a_slot_published_for_later_is_not_a_call_to_record(head_client: Client, head) -> None:
    slot_create(head=head, in_days=2)

    page = head_client.get("/head/sales-department/slots/").content.decode()

    assert "Нет созвонов, ждущих записи." in page
