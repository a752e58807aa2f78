"""Races on alignment slots and the head's decisions, with real threads on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from rest_framework.test import APIClient

from partners import services
from partners.models import CallBooking, SalesStatus, StatusChange
from salesdesk.errors import ApplicationError
from tests.accounts.factories import ApiKeyFactory, UserFactory
from tests.concurrency import run_concurrently
from tests.partners.factories import (
    ADHOC_CALL_NOTES,
    PartnerFactory,
    product_in_status,
    slot_create,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _client_for(partner: Any) -> APIClient:
    _key, raw = ApiKeyFactory.issue(partner=partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_racing_partners_book_a_slot_exactly_once() -> None:
    # given: four partners, two submitted products each, one thread per product
    head = UserFactory.create(role="head")
    slot = slot_create(head=head)
    partners = [PartnerFactory.create() for _ in range(THREADS // 2)]
    products = [
        product_in_status(SalesStatus.SUBMITTED, partner=p, head=head) for p in partners * 2
    ]
    clients = {p.pk: _client_for(p) for p in partners}

    def book(product: Any) -> Callable[[], Any]:
        def job() -> Any:
            response = clients[product.partner_id].post(
                "/api/v1/call-bookings/",
                {"slot": str(slot.pk), "products": [str(product.pk)]},
                format="json",
            )
            return response.status_code, response.json()

        return job

    # when
    results = run_concurrently(*[book(p) for p in products])

    # then
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 1, 409: THREADS - 1}, results
    assert {body["code"] for status, body in results if status == 409} == {"slot_taken"}
    live = CallBooking.objects.get(slot=slot, cancelled_at__isnull=True)
    assert CallBooking.objects.count() == 1
    winner = live.products.get()
    for product in products:
        product.refresh_from_db()
        expected = SalesStatus.CALL_BOOKED if product.pk == winner.pk else SalesStatus.SUBMITTED
        assert product.sales_status == expected
    assert StatusChange.objects.filter(to_status=SalesStatus.CALL_BOOKED).count() == 1


def test_racing_decisions_on_one_product_let_exactly_one_through() -> None:
    # given
    heads = [UserFactory.create(role="head") for _ in range(THREADS)]
    product = product_in_status(SalesStatus.CALL_BOOKED, head=heads[0])

    def decide(index: int) -> Callable[[], Any]:
        def job() -> Any:
            if index % 2:
                return services.product_refuse(
                    product=product, actor=heads[index], reason="missing_info"
                )
            return services.product_approve(
                product=product, actor=heads[index], call_notes=ADHOC_CALL_NOTES
            )

        return job

    # when
    results = run_concurrently(*[decide(i) for i in range(THREADS)])

    # then
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == THREADS - 1, results
    assert {r.code for r in refused} == {"invalid_transition"}
    product.refresh_from_db()
    decisions = StatusChange.objects.filter(
        product=product, to_status__in=[SalesStatus.APPROVED, SalesStatus.REFUSED]
    )
    assert decisions.count() == 1
    assert product.sales_status == decisions.get().to_status


def test_a_booking_racing_the_slots_withdrawal_never_survives_on_a_withdrawn_slot() -> None:
    # given
    head = UserFactory.create(role="head")
    outcomes = []
    for day in range(1, 6):
        slot = slot_create(head=head, in_days=day)
        product = product_in_status(SalesStatus.SUBMITTED, head=head)

        # when
        results = run_concurrently(
            partial(
                services.call_book,
                partner=product.partner,
                actor=None,
                slot=slot,
                products=[product],
            ),
            partial(services.slot_cancel, slot=slot, actor=head),
        )

        # then
        assert not isinstance(results[1], Exception), results
        assert not CallBooking.objects.filter(slot=slot, cancelled_at__isnull=True).exists()
        product.refresh_from_db()
        assert product.sales_status == SalesStatus.SUBMITTED
        outcomes.append(type(results[0]).__name__)
    assert set(outcomes) <= {"CallBooking", "ConflictError"}
