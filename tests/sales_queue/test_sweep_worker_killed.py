"""A Celery worker ``kill -9``'d in the middle of a large sweep, ten times (issue 14, "Faults"):
each due order still enters the queue exactly once, and nothing else does.

A real ``celery -A salesdesk worker`` (prefork, one pool process) on the test database and a
``redis-server`` of the test's own; the pool process running the sweep is killed with SIGKILL
while its ``INSERT … SELECT`` is running (its transaction is left to PostgreSQL to roll back),
and the worker's main process forks a new one for the next round."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from orders.models import Order
from partners.models import Partner, Product
from sales_queue.models import QueueItem
from tests.processes import (
    celery_worker,
    children_of,
    redis_server,
    stop_group,
    subprocess_env,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DUE = 10_000
KILLS = 10
BATCH = 500  # small batches: many commits, so each round can be killed after some progress
SWEEP_TASK = "sales_queue.tasks.sweep_queue_task"


def _orders(product: Product, off: Product, due: int) -> None:
    """``due`` due pending orders, plus one in ten that must stay out: paid, not yet due, or of
    a product without a sales department. Bulk SQL: the factories would take minutes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_order
                (id, partner_id, product_id, external_id, amount, currency, customer_name,
                 customer_email, customer_phone, customer_telegram, customer_whatsapp,
                 created_at, received_at, due_at, status, paid_at, paid_amount,
                 refunded_amount, intake_payload, sales_active_at_intake)
            SELECT gen_random_uuid(), %(partner)s,
                   CASE WHEN g > %(due)s AND g %% 3 = 0 THEN %(off)s ELSE %(product)s END,
                   'kill-' || g, 1000.00, 'RUB', 'Buyer ' || g, '',
                   '+7912' || lpad(g::text, 7, '0'), '', '',
                   now() - interval '2 hours' - g * interval '1 millisecond', now(),
                   CASE WHEN g > %(due)s AND g %% 3 = 1 THEN now() + interval '1 hour'
                        ELSE now() - interval '1 hour' - g * interval '1 millisecond' END,
                   CASE WHEN g > %(due)s AND g %% 3 = 2 THEN 'paid' ELSE 'pending' END,
                   CASE WHEN g > %(due)s AND g %% 3 = 2 THEN now() - interval '90 minutes' END,
                   CASE WHEN g > %(due)s AND g %% 3 = 2 THEN 1000.00 END,
                   0, '{}'::jsonb, true
              FROM generate_series(1, %(total)s) AS g
            """,
            {
                "partner": product.partner_id,
                "product": product.pk,
                "off": off.pk,
                "due": due,
                "total": due + due // 10,
            },
        )
        cursor.execute("ANALYZE orders_order")


def _queued() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM queue_queueitem")
        return int(cursor.fetchone()[0])


def _sweep_running() -> bool:
    """A sweep's ``INSERT … SELECT`` is running in another session right now (named by its
    leading comment: pg_stat_activity cuts a statement's text at 1 KB)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND query LIKE '%%salesdesk: queue sweep batch%%'
            """
        )
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_ten_times_mid_sweep_queues_each_due_order_exactly_once(
    tmp_path: Path,
) -> None:
    # given: 10 000 due orders (and 1 000 that must stay out), a worker on our own Redis
    partner = Partner.objects.create(name="Школа под нагрузкой")
    product = Product.objects.create(
        partner=partner,
        name="Курс",
        price=1000,
        sales_enabled=True,
        sales_status="approved",
        grace_period_minutes=60,
    )
    off = Product.objects.create(partner=partner, name="Без отдела продаж", price=1000)
    _orders(product, off, DUE)
    log = tmp_path / "worker.log"

    with redis_server(tmp_path) as redis:
        worker = celery_worker(subprocess_env(redis_url=redis.url, var_dir=tmp_path), log)
        sender = Celery("fault-test", broker=redis.url, set_as_current=False)
        try:
            wait_for(lambda: b" ready." in log.read_bytes(), what="the worker to be ready")
            killed: list[tuple[int, int]] = []  # (pool process, items queued when it died)

            # when: ten times, a sweep starts and its pool process is killed mid-statement —
            # after at least one of its batches committed in all but the first round
            for round_no in range(KILLS):
                before = _queued()
                child = wait_for(lambda: children_of(worker.pid), what="a pool process")[0]
                sender.send_task(SWEEP_TASK, kwargs={"batch_size": BATCH})

                def mid_batch(before: int = before, first: bool = round_no == 0) -> bool:
                    return _sweep_running() and (first or _queued() > before)

                # Polled often: a round must not let the sweep run through all its batches.
                wait_for(
                    mid_batch,
                    interval=0.005,
                    what=f"round {round_no + 1}'s sweep to be mid-batch",
                )
                os.kill(child, signal.SIGKILL)
                killed.append((child, _queued()))

                def respawned(child: int = child) -> bool:
                    alive = children_of(worker.pid)
                    return bool(alive) and child not in alive

                wait_for(respawned, what="the worker to fork a new pool process")

            partial = _queued()
            # then a last sweep, by the same worker, completes
            sender.send_task(SWEEP_TASK)
            wait_for(lambda: _queued() >= DUE, timeout=60, what="the final sweep")
            wait_for(lambda: not _sweep_running(), what="the final sweep to finish")
        finally:
            sender.close()
            stop_group(worker)

    # then: every due order has exactly one item, and no other order has any
    assert len(killed) == KILLS and len({pid for pid, _ in killed}) == KILLS
    assert 0 < partial < DUE, (partial, killed)
    per_order = QueueItem.objects.values("order_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_order} == {1}
    assert per_order.count() == DUE
    assert not QueueItem.objects.exclude(order__product=product).exists()
    assert not QueueItem.objects.filter(order__status=Order.Status.PAID).exists()
    assert not QueueItem.objects.filter(order__due_at__gt=timezone.now()).exists()
