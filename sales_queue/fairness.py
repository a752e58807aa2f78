"""Fair sharing of the queue between partners: start-time fair queueing with one sort key.

Each waiting item carries ``fair_key``; take-next serves the smallest key first, then the
oldest ``available_at`` (``queue_take_idx`` is exactly that order, so a take stays one index
scan). A key is given when an item enters the queue (the sweep, a return to the queue):

    key = max(V, the partner's last key in line + 1)

where ``V`` is the smallest key waiting (the head of the line; 0 when nothing waits). Within
one sweep a partner's items get consecutive keys in due order (``row_number()``).

What that guarantees:

- **a burst does not starve the others** — a partner with nothing in line gets ``V``, the key
  at the head of the line; each other partner has at most one waiting item with a key ``<= V``
  (a partner's keys are distinct and none waits below ``V``). So a new item of a partner with
  nothing waiting is taken within the next P takes, P = partners with takeable items then (a
  tie on ``V`` goes to the older ``available_at``; partners whose first item joins later at
  the same key and with an older due time can each add one more);
- **a partner alone is served oldest first** — its keys follow due order within a sweep and
  across sweeps (a later sweep's orders fell due later); two partners with one item each tie on
  ``V`` and the older goes first;
- items coming back to the queue (released, auto-released, a retry after no answer, restored
  after a block) get a new key by the same rule: the end of their partner's line.

An order pushed late (``created_at`` in the past) that falls due before orders its partner
already has in line joins the end of that partner's line, not its middle.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from partners.models import Partner, Product, SalesStatus
from sales_queue.models import QueueItem


def workable_now() -> Any:
    """For an ``UPDATE`` of items: whether each item's product feeds the queue right now."""
    return Exists(
        Product.objects.filter(
            pk=OuterRef("product_id"),
            sales_enabled=True,
            sales_status=SalesStatus.APPROVED,
            partner__status=Partner.Status.ACTIVE,
        )
    )


def line_head() -> Any:
    """``V``: the smallest key waiting in line (0 when nothing waits) — the first entry of
    ``queue_take_idx`` (``ORDER BY fair_key LIMIT 1``, not ``min()``: an aggregate would read
    every waiting item)."""
    head = (
        QueueItem.objects.filter(state=QueueItem.State.QUEUED, workable=True)
        .order_by("fair_key")
        .values("fair_key")
    )
    return Coalesce(Subquery(head[:1]), Value(0))


def _last_key(partner: Any) -> Any:
    """The partner's last key in line: the end of ``queue_partner_key_idx`` for it."""
    last = (
        QueueItem.objects.filter(partner_id=partner, state=QueueItem.State.QUEUED)
        .order_by("-fair_key")
        .values("fair_key")
    )
    return Subquery(last[:1])


def next_key() -> Any:
    """For an ``UPDATE`` of items entering the queue: ``max(V, partner's last key + 1)``."""
    return Greatest(line_head(), Coalesce(_last_key(OuterRef("partner_id")) + 1, Value(0)))


def requeue_fields() -> dict[str, Any]:
    """What an item coming back into the queue gets: its key and its ``workable``."""
    return {"fair_key": next_key(), "workable": workable_now()}


def partner_next_key(partner_id: Any) -> Any:
    """For an item of ``partner_id`` inserted on its own (a lead): ``max(V, the partner's last
    key + 1)``, as :func:`next_key` gives an item already in the table."""
    return Greatest(line_head(), Coalesce(_last_key(partner_id) + 1, Value(0)))
