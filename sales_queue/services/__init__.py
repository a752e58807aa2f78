"""Writes for the sales queue, one module per concern:

- :mod:`.sweep` — the grace-period sweep that queues unpaid orders;
- :mod:`.take` — take next, and take one's own callback now;
- :mod:`.touches` — touches and their outcomes, on a held item or on a deal;
- :mod:`.supervision` — release, the head's release and reassign (of an item or a deal),
  auto-release;
- :mod:`.closing` — items closed by a payment or cancellation, withdrawn and restored;
- :mod:`.supply` — use cases that change what feeds the queue (blocks, switching on and off);
- :mod:`.deals` and :mod:`.common` — the steps the others share.
"""

from sales_queue.services.closing import (
    RESTORABLE_REASONS,
    order_cancel,
    queue_close_for_cancel,
    queue_close_for_payment,
    queue_restore_withdrawn,
    queue_withdraw_waiting,
)
from sales_queue.services.supervision import (
    deal_edit,
    deal_hand_over,
    queue_auto_release,
    queue_head_release,
    queue_reassign,
    queue_release,
)
from sales_queue.services.sweep import SWEEP_BATCH_SIZE, queue_sweep_due_orders, sweep_params
from sales_queue.services.take import queue_take_callback, queue_take_next, ready_items
from sales_queue.services.touches import (
    CALLBACK_HORIZON,
    DEAL_OUTCOMES,
    MANAGER_LOST_REASONS,
    deal_touch_log,
    queue_touch,
)

__all__ = [
    "CALLBACK_HORIZON",
    "DEAL_OUTCOMES",
    "MANAGER_LOST_REASONS",
    "RESTORABLE_REASONS",
    "SWEEP_BATCH_SIZE",
    "deal_edit",
    "deal_hand_over",
    "deal_touch_log",
    "order_cancel",
    "queue_auto_release",
    "queue_close_for_cancel",
    "queue_close_for_payment",
    "queue_head_release",
    "queue_reassign",
    "queue_release",
    "queue_restore_withdrawn",
    "queue_sweep_due_orders",
    "queue_take_callback",
    "queue_take_next",
    "queue_touch",
    "queue_withdraw_waiting",
    "ready_items",
    "sweep_params",
]
