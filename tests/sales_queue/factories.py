"""Queue items for every app's tests, and the queue tests' clock: ``queued_item`` places items
at explicit times around ``NOON`` (the working-hours rules make "now" matter)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import factory
from django.utils import timezone

from accounts.models import User
from partners.models import Product
from sales_queue.models import QueueItem
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
# A Friday noon in Moscow: inside the default working hours.
NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=MSK)


class QueueItemFactory(factory.django.DjangoModelFactory[QueueItem]):
    """An order's queue item, queued now; by default for a new order past its grace period.

    ``state="active"`` (or ``"scheduled"``) needs ``holder=<a manager>``; an active item was
    taken now unless ``taken_at`` says otherwise.
    """

    class Meta:
        model = QueueItem

    order = factory.SubFactory(OrderFactory, overdue=True)
    product = factory.SelfAttribute("order.product")
    partner = factory.SelfAttribute("order.partner")
    state = QueueItem.State.QUEUED
    taken_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.state == QueueItem.State.ACTIVE else None
    )


def queued_item(
    *,
    product: Product | None = None,
    entered_at: dt.datetime | None = None,
    available_at: dt.datetime | None = None,
    state: str = QueueItem.State.QUEUED,
    holder: Any = None,
    **order_fields: Any,
) -> QueueItem:
    """An item on the ``NOON`` clock: it entered the queue an hour before noon (or at
    ``entered_at``) for an order created two hours before that; an active one was taken five
    minutes before noon. ``order_fields`` go to the order (``customer_name=`` and so on)."""
    entered = entered_at or NOON - dt.timedelta(hours=1)
    if product is not None:
        order_fields["product"] = product
    order = OrderFactory.create(created_at=entered - dt.timedelta(hours=2), **order_fields)
    return QueueItemFactory.create(
        order=order,
        state=state,
        holder=holder,
        entered_at=entered,
        available_at=available_at or entered,
        taken_at=NOON - dt.timedelta(minutes=5) if state == QueueItem.State.ACTIVE else None,
    )


def manager(**fields: Any) -> User:
    """A sales manager (``UserFactory``'s default role)."""
    return UserFactory.create(**fields)
