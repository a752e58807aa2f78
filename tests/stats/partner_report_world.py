"""The crafted world of the partner report's tests: one partner's September 2025 (Moscow),
an order of October, and another partner's order — every figure worked by hand in
:data:`SEPTEMBER`.

Orders go through the real services (``billing.services.order_pay`` / ``order_refund``,
``sales_queue`` cancel), so the payment records, the queue items' closes and the ledger are
what production writes. Each ledger row is then dated at its order's payment, as if the
storefront's events had come in on time, so a statement month holds its own orders' rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from billing.models import LedgerEntry
from billing.services import order_pay, order_refund
from orders.models import Order
from partners.models import Partner, Product
from sales_queue.models import QueueItem
from sales_queue.services.closing import order_cancel
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import MSK, QueueItemFactory, manager

GRACE = dt.timedelta(minutes=60)


def at(day: int, hour: int = 12, month: int = 9) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=MSK)


@dataclasses.dataclass
class World:
    partner: Partner
    python: Product
    sql: Product
    other_partner: Partner
    orders: dict[str, Order]


def _order(product: Product, name: str, amount: str, created: dt.datetime) -> Order:
    return OrderFactory.create(
        product=product, external_id=name, amount=Decimal(amount), created_at=created
    )


def _item(order: Order, *, state: str, taken: dt.timedelta | None = None, **fields: Any) -> None:
    QueueItemFactory.create(
        order=order,
        state=state,
        holder=manager() if taken is not None else None,
        entered_at=order.due_at,
        available_at=order.due_at,
        taken_at=order.due_at + taken if taken is not None else None,
        **fields,
    )


def _pay(order: Order, after_due: dt.timedelta) -> Order:
    paid = order_pay(order=order, paid_at=order.due_at + after_due)
    # The ledger row dated at the payment (the event arrived on time).
    LedgerEntry.objects.filter(order=order).update(created_at=paid.paid_at)
    return paid


def _refund(order: Order, amount: str | None, when: dt.datetime) -> None:
    order_refund(order=order, amount=Decimal(amount) if amount else None)
    LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REVERSAL).update(created_at=when)


def build() -> World:
    partner = PartnerFactory.create(name="Школа Альфа")
    python = ProductFactory.create(
        on_sale=True, partner=partner, name="Курс Python", grace_period_minutes=60
    )
    sql = ProductFactory.create(
        on_sale=True, partner=partner, name="Курс SQL", grace_period_minutes=60
    )
    orders: dict[str, Order] = {}
    hour = dt.timedelta(hours=1)

    # 1. Python, 1 000 ₽: paid 30 minutes after creation, within the grace. No item, no fee.
    grace = orders["grace"] = _order(python, "grace", "1000.00", at(2))
    order_pay(order=grace, paid_at=grace.created_at + dt.timedelta(minutes=30))

    # 2. Python, 2 000 ₽: queued, paid while still waiting untaken → paid_before_work, no fee.
    waiting = orders["waiting"] = _order(python, "waiting", "2000.00", at(3))
    _item(waiting, state=QueueItem.State.QUEUED)
    _pay(waiting, hour)

    # 3. Python, 1 005 ₽: taken 5 minutes after due, paid an hour after due → won,
    #    fee 1005 × 6.9 % = 69.345 → 69.35.
    won = orders["won"] = _order(python, "won", "1005.00", at(4))
    _item(won, state=QueueItem.State.ACTIVE, taken=dt.timedelta(minutes=5))
    _pay(won, hour)

    # 4. SQL, 3 000 ₽: taken, closed lost an hour after due, paid 5 days later (within the
    #    30-day window) → a late win, fee 3000 × 6.9 % = 207.00.
    late = orders["late"] = _order(sql, "late", "3000.00", at(5))
    _item(
        late,
        state=QueueItem.State.DONE,
        taken=dt.timedelta(minutes=10),
        outcome=QueueItem.Outcome.LOST,
        outcome_reason="too_expensive",
        closed_at=late.due_at + hour,
    )
    _pay(late, dt.timedelta(days=5))

    # 5. SQL, 20 000 ₽: taken, paid → fee 1 380.00; 15 000 refunded → kept 5 000,
    #    fee 345.00, reversal −1 035.00; net 345.00, revenue 5 000.00.
    partial = orders["partial"] = _order(sql, "partial", "20000.00", at(6))
    _item(partial, state=QueueItem.State.ACTIVE, taken=dt.timedelta(minutes=5))
    _pay(partial, hour)
    _refund(partial, "15000.00", at(20))

    # 6. Python, 500 ₽: taken, paid → fee 60.00 (the minimum); refunded in full → reversal
    #    −60.00; net 0.00, revenue 0.00 — still a win.
    full = orders["full"] = _order(python, "full", "500.00", at(7))
    _item(full, state=QueueItem.State.ACTIVE, taken=dt.timedelta(minutes=5))
    _pay(full, hour)
    _refund(full, None, at(21))

    # 7. Python, 700 ₽: cancelled within the grace. Counted in orders, nowhere else.
    cancelled = orders["cancelled"] = _order(python, "cancelled", "700.00", at(8))
    order_cancel(order=cancelled)

    # 8. SQL, 1 500 ₽: taken, closed lost, never paid.
    lost = orders["lost"] = _order(sql, "lost", "1500.00", at(9))
    _item(
        lost,
        state=QueueItem.State.DONE,
        taken=dt.timedelta(minutes=10),
        outcome=QueueItem.Outcome.LOST,
        outcome_reason="not_interested",
        closed_at=lost.due_at + hour,
    )

    # 9. SQL, 800 ₽: queued, untaken, unpaid.
    queued = orders["queued"] = _order(sql, "queued", "800.00", at(10))
    _item(queued, state=QueueItem.State.QUEUED)

    # October: Python, 1 000 ₽, taken and paid → won, fee 69.00. Outside September.
    october = orders["october"] = _order(python, "october", "1000.00", at(15, month=10))
    _item(october, state=QueueItem.State.ACTIVE, taken=dt.timedelta(minutes=5))
    _pay(october, hour)

    # Another partner's September order, won with a fee of 69.00: never in the first's report.
    other_partner = PartnerFactory.create(name="Магазин Бета")
    other = orders["other"] = OrderFactory.create(
        partner=other_partner, external_id="other", amount=Decimal("1000.00"), created_at=at(4)
    )
    _item(other, state=QueueItem.State.ACTIVE, taken=dt.timedelta(minutes=5))
    _pay(other, hour)

    return World(partner, python, sql, other_partner, orders)


# September's totals, order by order (numbers as in build()):
#   orders             1..9                                   = 9
#   cancelled          7                                      = 1
#   paid_in_grace      1                                      = 1
#   sent_to_sales      2, 3, 4, 5, 6, 8, 9                    = 7
#   taken              3, 4, 5, 6, 8                          = 5
#   won                3, 4, 5, 6                             = 4
#   late_wins          4                                      = 1
#   paid_without_work  2                                      = 1
#   revenue_recovered  1005 + 3000 + 5000 + 0                 = 9 005.00
#   fees               69.35 + 207.00 + 345.00 + 0.00         = 621.35
#   share_recovered    4 ÷ 7 = 57.14… %                       = 57.1
SEPTEMBER = {
    "orders": 9,
    "cancelled": 1,
    "paid_in_grace": 1,
    "sent_to_sales": 7,
    "taken": 5,
    "won": 4,
    "late_wins": 1,
    "paid_without_work": 1,
    "revenue_recovered": "9005.00",
    "fees": "621.35",
    "share_recovered": "57.1",
}
# Per product in September:
#   Курс Python: orders 1, 2, 3, 6, 7 = 5; cancelled 7; in grace 1; sent 2, 3, 6 = 3;
#     taken 3, 6 = 2; won 3, 6 = 2; paid without work 2; revenue 1005 + 0 = 1 005.00;
#     fees 69.35 + 0 = 69.35; share 2 ÷ 3 = 66.7 %
#   Курс SQL: orders 4, 5, 8, 9 = 4; sent 4; taken 4, 5, 8 = 3; won 4, 5 = 2 (late 4);
#     revenue 3000 + 5000 = 8 000.00; fees 207.00 + 345.00 = 552.00; share 2 ÷ 4 = 50.0 %
PYTHON = {
    "orders": 5,
    "cancelled": 1,
    "paid_in_grace": 1,
    "sent_to_sales": 3,
    "taken": 2,
    "won": 2,
    "late_wins": 0,
    "paid_without_work": 1,
    "revenue_recovered": "1005.00",
    "fees": "69.35",
    "share_recovered": "66.7",
}
SQL = {
    "orders": 4,
    "cancelled": 0,
    "paid_in_grace": 0,
    "sent_to_sales": 4,
    "taken": 3,
    "won": 2,
    "late_wins": 1,
    "paid_without_work": 0,
    "revenue_recovered": "8000.00",
    "fees": "552.00",
    "share_recovered": "50.0",
}
# October alone: the one Python order, sent, taken, won; 1 000.00 kept, fee 69.00, share 100 %.
OCTOBER = {
    "orders": 1,
    "cancelled": 0,
    "paid_in_grace": 0,
    "sent_to_sales": 1,
    "taken": 1,
    "won": 1,
    "late_wins": 0,
    "paid_without_work": 0,
    "revenue_recovered": "1000.00",
    "fees": "69.00",
    "share_recovered": "100.0",
}
