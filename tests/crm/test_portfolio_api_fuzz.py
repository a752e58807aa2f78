"""Schemathesis on ``GET /api/v1/portfolio/`` with an account manager's token (the whole-API
fuzz, tests/test_api_schema_fuzz.py, calls it as a partner and as the head, who are refused):
whatever the account manager sends, the answer is never a 5xx and is what the schema says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from crm.models import Task
from tests.accounts.factories import UserFactory
from tests.clients import staff_api
from tests.crm.factories import ContactFactory, DealFactory, TaskFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.test_api_schema_fuzz import CHECKS, fuzz, schema


@pytest.fixture
def account_manager_api(db: Any) -> Iterator[Any]:
    """An account manager with three clients: one with a follow-up and a purchase, one with an
    overdue follow-up, one with neither."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        anna = UserFactory.create(role="account_manager")
        now = timezone.now()
        for n, due in enumerate([dt.timedelta(days=3), -dt.timedelta(days=1), None]):
            contact = ContactFactory.create(
                account_manager=anna, account_manager_since=now, name=f"Клиент {n}"
            )
            product = ProductFactory.create(partner=contact.partner)
            if due is not None:
                deal = DealFactory.create(product=product, contact=contact, status="won")
                TaskFactory.create(
                    deal=deal, assignee=anna, kind=Task.Kind.FOLLOW_UP, due_at=now + due
                )
            if n == 0:
                OrderFactory.create(
                    product=product,
                    contact=contact,
                    status="paid",
                    paid_at=now,
                    paid_amount=Decimal("1000.00"),
                )
        yield staff_api(anna)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.include(path="/api/v1/portfolio/").parametrize()
@fuzz
def test_the_portfolio_answers_as_the_schema_says_to_an_account_manager(
    case: Any, account_manager_api: Any
) -> None:
    authorization = account_manager_api._credentials["HTTP_AUTHORIZATION"]
    case.headers = {**(case.headers or {}), "Authorization": authorization}
    case.call_and_validate(checks=CHECKS)
