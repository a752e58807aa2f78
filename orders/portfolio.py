"""The account manager's portfolio (team mode split): the clients given to them after a won deal
(:mod:`crm.account_managers`), each with their purchases and the next follow-up. It reads the
paid orders, so it lives here, above crm."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from crm.models import Contact, Task
from orders.models import Order

# Clients without an open follow-up sort after every dated one.
NO_FOLLOW_UP = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _next_follow_up(user: User) -> QuerySet[Task]:
    """The account manager's earliest open follow-up with the outer contact."""
    return Task.objects.filter(
        deal__contact=OuterRef("pk"),
        assignee=user,
        kind=Task.Kind.FOLLOW_UP,
        done_at__isnull=True,
    ).order_by("due_at", "created_at", "id")


def portfolio_clients(*, account_manager: User) -> QuerySet[Contact]:
    """The clients in ``account_manager``'s portfolio — whatever partner they buy from — each
    with ``follow_up_id`` and ``follow_up_at``, their next open follow-up task (``None`` if
    none), sorted by it (the soonest first, the clients without one last), then the newest
    clients first."""
    follow_up = _next_follow_up(account_manager)
    return (
        Contact.objects.filter(account_manager=account_manager)
        .select_related("partner")
        .annotate(
            follow_up_id=Subquery(follow_up.values("pk")[:1]),
            follow_up_at=Subquery(follow_up.values("due_at")[:1]),
            # The sort key, never null (an API cursor keeps its position in it).
            follow_up_order=Coalesce(
                "follow_up_at", Value(NO_FOLLOW_UP, output_field=DateTimeField())
            ),
        )
        .order_by("follow_up_order", "-account_manager_since", "pk")
    )


@dataclasses.dataclass(frozen=True)
class Purchase:
    product: str
    amount: Any
    paid_at: dt.datetime | None


def portfolio_purchases(*, contacts: Sequence[Contact]) -> dict[Any, list[Purchase]]:
    """The paid orders of these clients (a fully refunded order is no purchase), newest first,
    by contact id; one query."""
    found: dict[Any, list[Purchase]] = defaultdict(list)
    orders = (
        Order.objects.filter(
            contact_id__in=[c.pk for c in contacts],
            partner_id__in={c.partner_id for c in contacts},
            status=Order.Status.PAID,
        )
        .select_related("product")
        .order_by("-paid_at", "-id")
    )
    for order in orders:
        found[order.contact_id].append(
            Purchase(
                product=order.product.name,
                amount=order.paid_amount if order.paid_amount is not None else order.amount,
                paid_at=order.paid_at,
            )
        )
    return found
