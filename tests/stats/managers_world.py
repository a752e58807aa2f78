"""The crafted world of the manager statistics tests, every figure worked out by hand.

Period: 10–16 November 2026 (Moscow days). ``T0`` = Thursday 12 November, 10:00 MSK.

Anna (active, commission rate 10 % set by the head):
  taken      3   takes of A1 (T0), A2 (T0+1h), A3 (T0+2h); a take at 09.11 23:59 is outside
  first touch    A1: first touch by Anna 5 min after the take (300 s), another at +20 min;
                 A2: Boris touches at +1 min (not the taker), Anna at +15 min (900 s);
                 A3: never touched (left out)            → median(300, 900) = 600 s
  touches    4   A1 ×2, A2 ×1, one touch on deal D1 (no item) at T0+3h; one on 17.11 00:00 is out
  deal after     D1 opened 2 h after its order, D2 4 h after (D3–D5 and D7 opened before the
                 period)                                 → median(2 h, 4 h) = 3 h = 10 800 s
  won        2   D1 won 13.11; D4 lost 05.11, won late 14.11 (deal_win_late) — counts now
  lost       3   D2 lost «too_expensive» (hand move: its stage change's reason),
                 D7 lost «not_interested» (crm.services.deals_close, as the queue's refusal),
                 D3 lost «unreachable» (no stage change reason: the queue item's outcome_reason)
                 D5 withdrawn in the period: neither; D6 won on 17.11: outside
  conversion     2 / (2 + 3) = 0.4
  revenue        O1 1 000.00 (D1, paid 13.11) + O4 3 000.00 − 500.00 refunded (D4, paid 14.11)
                 + O9 700.00 refunded in full (D2): 0 — O8 (D1) paid 05.11 is outside
                                                         → 3 500.00
  fees           O1 fee 69.00 + O4 fee 207.00 − reversal 34.50 + O9 fee 60.00 − reversal 60.00
                 (O8's fee on 05.11 is outside)          → 241.50
  commission     3 500.00 × 10 % = 350.00
  tasks          now: 3 open (one overdue: due an hour ago), 1 done → 3 / 1

Boris (active, default rate 5 %): B1 taken T0, touched +10 min (600 s), plus his touch on A2
  → taken 1, touches 2, delay 600 s; DB1 won 12.11 with OB1 1 000.00 paid 12.11 → won 1,
  lost 0, conversion 1, revenue 1 000.00, fees 0, commission 50.00; no tasks.
Vera (left: is_active=False): took V1 on T0, never touched → taken 1, delay None; shown.
Gleb (active): nothing at all → a row of zeros, conversion None.
Dmitry (left, nothing in the period): not shown. The head and QA: not sellers, not shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from billing.models import LedgerEntry
from billing.selectors import policy_in_effect
from crm.models import Deal, Stage, StageChange, Task
from crm.services import deal_win_late, deals_close, stage_of_kind
from orders.models import Order
from partners.models import Product
from sales_queue.models import QueueEvent, QueueItem, Touch
from salesdesk.timezones import MOSCOW
from stats.periods import Period
from stats.services import commission_rate_set
from tests.accounts.factories import UserFactory
from tests.crm.factories import DealFactory, TaskFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory

T0 = dt.datetime(2026, 11, 12, 10, 0, tzinfo=MOSCOW)
PERIOD = Period("range", dt.date(2026, 11, 10), dt.date(2026, 11, 16))
EMPTY_PERIOD = Period("range", dt.date(2026, 10, 1), dt.date(2026, 10, 7))
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)


@dataclass
class World:
    anna: User
    boris: User
    vera: User
    gleb: User
    dmitry: User
    head: User
    qa: User
    product: Product


def _item(product: Product, holder: User, taken_at: dt.datetime, **fields: Any) -> QueueItem:
    order = OrderFactory.create(product=product, created_at=taken_at - 3 * H)
    fields.setdefault("state", QueueItem.State.DONE)
    return QueueItemFactory.create(
        order=order, holder=holder, taken_at=taken_at, entered_at=taken_at - H, **fields
    )


def _take(item: QueueItem, manager: User, at: dt.datetime) -> None:
    # The take's first touch, as the touch service keeps it (whichever is written first here).
    first = (
        Touch.objects.filter(item=item, manager=manager, created_at__gte=at)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    QueueEvent.objects.create(
        item=item, kind=QueueEvent.Kind.TAKEN, manager=manager, created_at=at, first_touch_at=first
    )


def _touch(manager: User, at: dt.datetime, *, item: Any = None, deal: Any = None) -> None:
    Touch.objects.create(
        item=item, deal=deal, manager=manager, channel="phone", outcome="reached", created_at=at
    )
    if item is not None:
        takes = QueueEvent.objects.filter(
            item=item, kind=QueueEvent.Kind.TAKEN, manager=manager, created_at__lte=at
        )
        takes.filter(Q(first_touch_at__isnull=True) | Q(first_touch_at__gt=at)).update(
            first_touch_at=at
        )


def _deal(
    product: Product,
    responsible: User,
    *,
    created_at: dt.datetime,
    after: dt.timedelta,
    status: str = Deal.Status.OPEN,
    closed_at: dt.datetime | None = None,
    queue_item: QueueItem | None = None,
    lost_reason: str = "",
) -> Deal:
    deal = DealFactory.create(product=product, responsible=responsible, queue_item=queue_item)
    fields: dict[str, Any] = {
        "created_at": created_at,
        "lead_created_at": created_at - after,
        "status": status,
        "closed_at": closed_at,
        # as the closing services keep it
        "lost_reason": lost_reason,
    }
    if status in (Deal.Status.WON, Deal.Status.LOST):
        fields["stage"] = stage_of_kind(partner_id=product.partner_id, kind=status)
    Deal.objects.filter(pk=deal.pk).update(**fields)
    deal.refresh_from_db()
    return deal


def _paid_order(
    product: Product,
    deal: Deal,
    amount: str,
    paid_at: dt.datetime,
    *,
    refunded: str = "0",
) -> Order:
    order = OrderFactory.create(product=product, amount=Decimal(amount), created_at=paid_at - 5 * H)
    refunded_amount = Decimal(refunded)
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.REFUNDED if refunded_amount == order.amount else Order.Status.PAID,
        paid_at=paid_at,
        paid_amount=order.amount,
        refunded_amount=refunded_amount,
        refunded_at=paid_at + H if refunded_amount else None,
        deal=deal,
    )
    order.refresh_from_db()
    return order


def _ledger(order: Order, kind: str, amount: str, at: dt.datetime) -> None:
    LedgerEntry.objects.create(
        partner=order.partner,
        order=order,
        kind=kind,
        amount=Decimal(amount),
        base_amount=order.amount,
        policy=policy_in_effect(at),
        created_at=at,
    )


def build_world() -> World:
    product = ProductFactory.create(on_sale=True)
    anna = UserFactory.create(role=Role.MANAGER, full_name="Анна Иванова")
    boris = UserFactory.create(role=Role.CALLER, full_name="Борис Петров")
    vera = UserFactory.create(role=Role.MANAGER, full_name="Вера Сидорова", is_active=False)
    gleb = UserFactory.create(role=Role.MANAGER, full_name="Глеб Орлов")
    dmitry = UserFactory.create(role=Role.MANAGER, full_name="Дмитрий Ушёл", is_active=False)
    head = UserFactory.create(role=Role.HEAD, full_name="Руководитель")
    qa = UserFactory.create(role=Role.QA, full_name="Контроль Качества")

    # --- Anna's takes and touches
    a1 = _item(product, anna, T0)
    a2 = _item(product, anna, T0 + H)
    a3 = _item(product, anna, T0 + 2 * H)
    early = _item(product, anna, dt.datetime(2026, 11, 9, 23, 59, tzinfo=MOSCOW))
    _take(a1, anna, T0)
    _take(a2, anna, T0 + H)
    _take(a3, anna, T0 + 2 * H)
    _take(early, anna, dt.datetime(2026, 11, 9, 23, 59, tzinfo=MOSCOW))
    _touch(anna, T0 + 5 * M, item=a1)
    _touch(anna, T0 + 20 * M, item=a1)
    _touch(boris, T0 + H + M, item=a2)
    _touch(anna, T0 + H + 15 * M, item=a2)

    # --- Anna's deals
    d1 = _deal(
        product, anna, created_at=T0, after=2 * H, status="won", closed_at=T0 + D, queue_item=a1
    )
    _touch(anna, T0 + 3 * H, deal=d1)
    _touch(anna, dt.datetime(2026, 11, 17, 0, 0, tzinfo=MOSCOW), deal=d1)
    d2 = _deal(
        product,
        anna,
        created_at=T0 + H,
        after=4 * H,
        status="lost",
        closed_at=T0 + 2 * H,
        lost_reason="too_expensive",
    )
    StageChange.objects.create(
        deal=d2,
        to_stage=stage_of_kind(partner_id=product.partner_id, kind=Stage.Kind.LOST),
        reason="too_expensive",
        created_at=T0 + 2 * H,
    )
    before = dt.datetime(2026, 11, 1, 12, 0, tzinfo=MOSCOW)
    d3_item = _item(product, anna, before, outcome="lost", outcome_reason="unreachable")
    _deal(
        product,
        anna,
        created_at=before,
        after=H,
        status="lost",
        closed_at=T0 + 3 * H,
        queue_item=d3_item,
        lost_reason="unreachable",
    )
    # D4: lost on 5.11, the buyer paid within the window on 14.11 — a late win.
    d4_item = _item(product, anna, before, outcome="lost", outcome_reason="not_interested")
    d4 = _deal(
        product,
        anna,
        created_at=before,
        after=H,
        status="lost",
        closed_at=dt.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
        queue_item=d4_item,
        lost_reason="not_interested",
    )
    assert deal_win_late(queue_item_id=d4_item.pk, now=T0 + 2 * D) == 1
    _deal(product, anna, created_at=before, after=H, status="withdrawn", closed_at=T0 + H)
    _deal(
        product,
        anna,
        created_at=before,
        after=H,
        status="won",
        closed_at=dt.datetime(2026, 11, 17, 0, 0, tzinfo=MOSCOW),
    )
    d7_item = _item(product, anna, before, state=QueueItem.State.ACTIVE)
    _deal(product, anna, created_at=before, after=H, queue_item=d7_item)
    assert (
        deals_close(
            queue_item_ids=[d7_item.pk], status="lost", now=T0 + 4 * H, reason="not_interested"
        )
        == 1
    )

    # --- Anna's orders and the ledger
    o1 = _paid_order(product, d1, "1000.00", T0 + D)
    o4 = _paid_order(product, d4, "3000.00", T0 + 2 * D, refunded="500.00")
    o8 = _paid_order(product, d1, "1500.00", dt.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW))
    o9 = _paid_order(product, d2, "700.00", T0 + 2 * H, refunded="700.00")
    _ledger(o1, "fee", "69.00", T0 + D)
    _ledger(o4, "fee", "207.00", T0 + 2 * D)
    _ledger(o4, "reversal", "-34.50", T0 + 2 * D + H)
    _ledger(o8, "fee", "103.50", dt.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW))
    _ledger(o9, "fee", "60.00", T0 + 2 * H)
    _ledger(o9, "reversal", "-60.00", T0 + 3 * H)
    commission_rate_set(user=anna, percent=Decimal("10"), actor=head)

    # --- Boris
    b1 = _item(product, boris, T0)
    _take(b1, boris, T0)
    _touch(boris, T0 + 10 * M, item=b1)
    db1 = _deal(product, boris, created_at=before, after=H, status="won", closed_at=T0 + H)
    _paid_order(product, db1, "1000.00", T0 + H)

    # --- Vera, who has left since
    v1 = _item(product, vera, T0)
    _take(v1, vera, T0)

    # --- Tasks: the services above wrote some; the world keeps only these.
    Task.objects.all().delete()
    now = timezone.now()
    TaskFactory.create(assignee=anna, due_at=now - H)
    TaskFactory.create(assignee=anna, due_at=now + D)
    TaskFactory.create(assignee=anna)
    TaskFactory.create(assignee=anna, due_at=now - H, done_at=now - 2 * H)

    return World(anna, boris, vera, gleb, dmitry, head, qa, product)
