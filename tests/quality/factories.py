"""Touches to review and reviews for the quality tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import User
from partners.models import Partner
from quality.models import Review
from quality.services import qa_review_add
from sales_queue.models import QueueItem, Touch
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import MSK, queued_item

# A Moscow day in the past, and its noon.
DAY = dt.date(2026, 11, 20)
DAY_NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=MSK)


def item_of(partner: Partner | None = None, *, holder: User | None = None) -> QueueItem:
    product = ProductFactory.create(partner=partner or PartnerFactory.create(), on_sale=True)
    return queued_item(product=product, state="active", holder=holder or UserFactory.create())


def touch(
    *,
    manager: User,
    item: QueueItem | None = None,
    partner: Partner | None = None,
    at: dt.datetime | None = None,
    outcome: str = "reached",
    channel: str = "phone",
    comment: str = "Поговорили о курсе",
    recording_url: str = "",
) -> Touch:
    item = item or item_of(partner)
    at = at or timezone.now()
    return Touch.objects.create(
        item=item,
        deal=getattr(item, "deal", None),
        manager=manager,
        channel=channel,
        outcome=outcome,
        comment=comment,
        callback_at=at + dt.timedelta(hours=1) if outcome == "callback" else None,
        recording_url=recording_url,
        created_at=at,
    )


def qa_user(**fields: Any) -> User:
    return UserFactory.create(role="qa", **fields)


def pending_review(
    *, manager: User | None = None, partner: Partner | None = None, **touch_fields: Any
) -> Review:
    manager = manager or UserFactory.create(role="manager")
    made = touch(manager=manager, partner=partner, **touch_fields)
    review, _created = qa_review_add(actor=qa_user(), touch_id=made.pk)
    return review


def all_answers(values: list[str], comment: str = "") -> dict[int, tuple[str, str]]:
    """Answers for positions 1.. in order."""
    return {n: (value, comment) for n, value in enumerate(values, start=1)}
