"""Steps every queue service shares: the event log, who may work the queue, which products
feed it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES
from sales_queue.models import QueueEvent, QueueItem
from salesdesk.errors import ApplicationError, ConflictError


def record_event(
    item: QueueItem, kind: str, *, manager: Any, actor: Any = None, note: str = ""
) -> None:
    QueueEvent.objects.create(
        item=item,
        kind=kind,
        manager=manager,
        actor=actor,
        note=note[:200],
        created_at=timezone.now(),
    )


def require_seller(manager: Any) -> None:
    if getattr(manager, "role", None) not in SELLER_ROLES:
        raise ApplicationError(
            _("Only sales managers work the queue."), code="not_a_manager", status_code=403
        )


def require_lead_for_trainee(manager: Any, *, source: str) -> None:
    """A trainee works leads only: an order's item (an unpaid order, money at stake) is never
    handed to one — by a take, a callback or the head's reassign (409 ``trainee_leads_only``)."""
    if getattr(manager, "is_trainee", False) and source != QueueItem.Source.LEAD:
        raise ConflictError(
            _("A trainee works leads only: unpaid orders go to experienced managers."),
            code="trainee_leads_only",
            details={"source": source},
        )


def record_closed(item_ids: list[Any], *, note: str, now: dt.datetime) -> None:
    """A ``closed`` event per item, naming the manager who held it last (for statistics)."""
    holders = dict(QueueItem.objects.filter(pk__in=item_ids).values_list("pk", "holder_id"))
    QueueEvent.objects.bulk_create(
        QueueEvent(
            item_id=pk,
            kind=QueueEvent.Kind.CLOSED,
            manager_id=holder,
            note=note[:200],
            created_at=now,
        )
        for pk, holder in holders.items()
    )
