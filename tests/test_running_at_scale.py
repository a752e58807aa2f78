"""README, "Running at scale": several web and worker nodes on one PostgreSQL and one Redis.

Two web processes (the shipped gunicorn setup, one worker each) and two Celery workers on the
test database and a ``redis-server`` of the test's own: orders posted alternately to both
webs, the sweep run by the workers, then 16 managers taking at once, alternately through both
webs — every order queued once, no item given to two managers."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db.models import Count

from orders.models import Order
from sales_queue.models import QueueItem
from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory, UserFactory
from tests.concurrency import run_concurrently
from tests.partners.factories import ProductFactory
from tests.processes import (
    celery_worker,
    http_request,
    redis_server,
    stop_group,
    subprocess_env,
    wait_for,
    wait_until_serving,
    web_server,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 40
MANAGERS = 16


def test_two_webs_and_two_workers_on_one_database_queue_each_order_once_and_never_double_assign(
    tmp_path: Path,
) -> None:
    # given: a storefront's key, 16 managers' tokens, and the nodes
    product = ProductFactory.create(on_sale=True, grace_period_minutes=0)
    _key, raw_key = ApiKeyFactory.issue(partner=product.partner)
    storefront = {"Authorization": f"Bearer {raw_key}"}
    managers = []
    for _ in range(MANAGERS):
        manager = UserFactory.create(role="manager")
        managers.append({"Authorization": f"Bearer {PersonalTokenFactory.issue(user=manager)[1]}"})

    processes: list[subprocess.Popen[bytes]] = []
    with redis_server(tmp_path) as redis:
        env = subprocess_env(
            redis_url=redis.url, var_dir=tmp_path, SALES_WORKING_HOURS="00:00-24:00"
        )
        sender = Celery("scale-test", broker=redis.url, set_as_current=False)
        try:
            webs = [web_server(env, tmp_path / f"web{n}.log", wait=False) for n in (1, 2)]
            processes += [process for process, _port in webs]
            logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
            processes += [celery_worker(env, log) for log in logs]
            for (process, port), n in zip(webs, (1, 2), strict=True):
                wait_until_serving(process, port, tmp_path / f"web{n}.log")
            for log in logs:

                def ready(log: Path = log) -> bool:
                    return b" ready." in log.read_bytes()

                wait_for(ready, what=f"{log.name}")
            ports = [port for _process, port in webs]

            # when: the storefront posts its orders to one web, then the other
            posted = [
                http_request(
                    ports[n % 2],
                    "POST",
                    "/api/v1/orders/",
                    {
                        "external_id": f"scale-{n}",
                        "product": str(product.pk),
                        "amount": "1000.00",
                        "currency": "RUB",
                        "customer": {"name": "Покупатель", "phone": f"+7912{n:07d}"},
                    },
                    storefront,
                )
                for n in range(ORDERS)
            ]
            # … both workers sweep at once …
            for _ in range(2):
                sender.send_task("sales_queue.tasks.sweep_queue_task", kwargs={"batch_size": 7})
            wait_for(lambda: QueueItem.objects.count() >= ORDERS, timeout=60, what="the sweeps")

            # … and 16 managers take at the same moment, alternately through both webs
            def take(n: int) -> tuple[int, Any]:
                return http_request(ports[n % 2], "POST", "/api/v1/queue/take/", {}, managers[n])

            takes = run_concurrently(*[lambda n=n: take(n) for n in range(MANAGERS)])
        finally:
            sender.close()
            for process in processes:
                stop_group(process)

    # then: every order was taken in once and queued once
    assert [status for status, _body in posted] == [201] * ORDERS, posted
    assert Order.objects.filter(partner=product.partner).count() == ORDERS
    per_order = QueueItem.objects.values("order_id").annotate(n=Count("id"))
    assert per_order.count() == ORDERS and {row["n"] for row in per_order} == {1}
    # and each manager got an item of their own
    assert [status for status, _body in takes] == [200] * MANAGERS, takes
    taken = [body["item"]["id"] for _status, body in takes]
    assert len(set(taken)) == MANAGERS
    active = QueueItem.objects.filter(state=QueueItem.State.ACTIVE)
    assert active.count() == MANAGERS
    assert active.values("holder").distinct().count() == MANAGERS
    assert {str(pk) for pk in active.values_list("pk", flat=True)} == set(taken)
