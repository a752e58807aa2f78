"""README, "Running at scale": several web and worker nodes on one PostgreSQL and one Redis.

Two web processes (the shipped gunicorn setup, one worker each) and two Celery workers on the
test database and a ``redis-server`` of the test's own: orders posted alternately to both
webs, the sweep run by the workers, then 16 managers taking at once, alternately through both
webs — every order queued once, no item given to two managers; then every idle database
connection is ended and each web and each worker still serves the next order."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db import connection
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
SWEEP_TASK = "sales_queue.tasks.sweep_queue_task"


def _end_idle_connections() -> int:
    """End every idle connection to the test database but ours; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'
            """
        )
        return int(cursor.fetchone()[0])


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
            # Each also on a queue of its own, to give each a task at the end.
            processes += [
                celery_worker(env, log, queues=f"celery,node{n}")
                for n, log in enumerate(logs, start=1)
            ]
            for (process, port), n in zip(webs, (1, 2), strict=True):
                wait_until_serving(process, port, tmp_path / f"web{n}.log")
            for log in logs:

                def ready(log: Path = log) -> bool:
                    return b" ready." in log.read_bytes()

                wait_for(ready, what=f"{log.name}")
            ports = [port for _process, port in webs]

            def post_order(n: int) -> tuple[int, Any]:
                body = {
                    "external_id": f"scale-{n}",
                    "product": str(product.pk),
                    "amount": "1000.00",
                    "currency": "RUB",
                    "customer": {"name": "Покупатель", "phone": f"+7912{n:07d}"},
                }
                return http_request(ports[n % 2], "POST", "/api/v1/orders/", body, storefront)

            # when: the storefront posts its orders to one web, then the other
            posted = [post_order(n) for n in range(ORDERS)]
            # … both workers sweep at once …
            for _ in range(2):
                sender.send_task(SWEEP_TASK, kwargs={"batch_size": 7})
            wait_for(lambda: QueueItem.objects.count() >= ORDERS, timeout=60, what="the sweeps")

            # … and 16 managers take at the same moment, alternately through both webs
            def take(n: int) -> tuple[int, Any]:
                return http_request(ports[n % 2], "POST", "/api/v1/queue/take/", {}, managers[n])

            takes = run_concurrently(*[lambda n=n: take(n) for n in range(MANAGERS)])

            # … and after every connection the nodes keep open is ended (a database restart,
            # PgBouncer recycling its pool), one more order goes through each web and worker
            ended = _end_idle_connections()
            late = [post_order(ORDERS), post_order(ORDERS + 1)]
            sweeps = [
                sender.send_task(SWEEP_TASK, kwargs={"batch_size": 7}, queue=f"node{n}").id
                for n in (1, 2)
            ]
            for log, task_id in zip(logs, sweeps, strict=True):

                def swept(log: Path = log, task_id: str = task_id) -> bool:
                    text = log.read_text(errors="replace")
                    if f"{task_id}] raised" in text:
                        raise AssertionError(f"{log.name}: the sweep failed: {text[-3000:]}")
                    return f"{task_id}] succeeded" in text

                wait_for(swept, what=f"{log.name}'s sweep after the connections ended")
        finally:
            sender.close()
            for process in processes:
                stop_group(process)

    # then: every order was taken in once and queued once
    assert [status for status, _body in posted + late] == [201] * (ORDERS + 2), posted + late
    assert Order.objects.filter(partner=product.partner).count() == ORDERS + 2
    per_order = QueueItem.objects.values("order_id").annotate(n=Count("id"))
    assert per_order.count() == ORDERS + 2 and {row["n"] for row in per_order} == {1}
    # the two workers' pool processes had kept theirs (CONN_MAX_AGE); the health check before
    # each task replaced them
    assert ended >= 2
    # and each manager got an item of their own
    assert [status for status, _body in takes] == [200] * MANAGERS, takes
    taken = [body["item"]["id"] for _status, body in takes]
    assert len(set(taken)) == MANAGERS
    active = QueueItem.objects.filter(state=QueueItem.State.ACTIVE)
    assert active.count() == MANAGERS
    assert active.values("holder").distinct().count() == MANAGERS
    assert {str(pk) for pk in active.values_list("pk", flat=True)} == set(taken)


def _other_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_web_process_keeps_one_database_connection_across_requests(tmp_path: Path) -> None:
    # given the shipped web setup with one worker process, and a storefront's key
    product = ProductFactory.create(on_sale=True)
    _key, raw_key = ApiKeyFactory.issue(partner=product.partner)
    storefront = {"Authorization": f"Bearer {raw_key}"}
    before = _other_backends()
    process, port = web_server(subprocess_env(redis_url=None, var_dir=tmp_path), tmp_path / "w.log")
    try:
        # when it serves one request after another
        seen = []
        for n in range(12):
            body = {
                "external_id": f"kept-{n}",
                "product": str(product.pk),
                "amount": "1000.00",
                "currency": "RUB",
                "customer": {"name": "Покупатель"},
            }
            status, _answer = http_request(port, "POST", "/api/v1/orders/", body, storefront)
            assert status == 201
            seen.append(_other_backends() - before)

        # then every request used the same connection (one PostgreSQL backend), kept open
        # between them — neither a new one per request nor one more per request left behind
        assert len(seen[0]) == 1, seen[0]
        assert all(backends == seen[0] for backends in seen), seen
    finally:
        stop_group(process)
