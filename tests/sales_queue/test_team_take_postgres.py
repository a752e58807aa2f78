"""The take by team mode on PostgreSQL: each branch of the one claim statement is one scan of
its partial index, and closers racing for the closers' pool never get one item twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial

import pytest
from django.db import connection

from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next
from sales_queue.services.take import CLOSER, LINE, TRAINEE, claim_params, claim_sql
from tests.concurrency import failures, run_concurrently
from tests.crm.lead_factories import lead, lead_list
from tests.sales_queue.factories import NOON, manager, queued_item
from tests.sales_queue.team_helpers import team_mode, warm_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def pick_plan(variant: str) -> str:
    """The plan of the claim's pick (the part before it claims anything)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + claim_sql(variant), claim_params(manager(), NOON))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan.split("CTE claimed")[0]


def a_few_of_each() -> None:
    for minutes in (90, 80, 70):
        queued_item(entered_at=NOON - dt.timedelta(minutes=minutes))
        warm_item(at=NOON - dt.timedelta(minutes=minutes))
    lst = lead_list()
    for n in range(3):
        lead(of=lst, phone=f"+7912000001{n}", now=NOON - dt.timedelta(minutes=60 + n), cold=n == 1)


@pytest.mark.parametrize(
    ("variant", "indexes"),
    [
        (LINE, ["queue_callbacks_idx", "queue_take_idx"]),
        (CLOSER, ["queue_callbacks_idx", "queue_warm_idx", "queue_take_idx"]),
        (TRAINEE, ["queue_callbacks_idx", "queue_trainee_idx"]),
    ],
)
def test_each_branch_of_the_claim_is_one_scan_of_its_index(variant: str, indexes: list) -> None:
    a_few_of_each()

    pick = pick_plan(variant)

    for index in indexes:
        assert f"Index Scan using {index}" in pick, pick
    assert "Seq Scan" not in pick and "partners_" not in pick, pick
    assert pick.count("Index Scan") == len(indexes), pick


def test_the_claim_text_is_one_statement_per_variant_in_branch_order() -> None:
    closer = claim_sql(CLOSER)

    assert claim_sql(CLOSER) is closer  # cached per variant
    assert closer.index("own_callback") < closer.index("warm_pool") < closer.index("head_of_line")
    assert "warm_pool" not in claim_sql(LINE) and "warm_pool" not in claim_sql(TRAINEE)
    assert "trainee_line" in claim_sql(TRAINEE) and "head_of_line" not in claim_sql(TRAINEE)


def test_sixteen_closers_drain_the_closers_pool_each_item_to_exactly_one() -> None:
    # given: 120 buyers handed over, 30 unqualified orders, a split team with 16 closers
    team_mode("split")
    warm = {warm_item(at=NOON - dt.timedelta(minutes=200 - n)).pk for n in range(120)}
    plain = {queued_item(entered_at=NOON - dt.timedelta(hours=5)).pk for _n in range(30)}
    closers = [manager() for _n in range(16)]

    def drain(taker) -> list:
        mine = []
        while (item := queue_take_next(manager=taker, now=NOON)) is not None:
            mine.append(item.pk)
            QueueItem.objects.filter(pk=item.pk).update(state=QueueItem.State.DONE)
        return mine

    # when
    results = run_concurrently(*[partial(drain, c) for c in closers])

    # then: every item taken once; each closer's warm items all came before their plain ones
    assert failures(results) == []
    claimed = Counter(pk for taken in results for pk in taken)
    assert set(claimed) == warm | plain
    assert max(claimed.values()) == 1
    for taken in results:
        kinds = [pk in warm for pk in taken]
        assert kinds == sorted(kinds, reverse=True)
    assert not QueueItem.objects.filter(state=QueueItem.State.QUEUED).exists()


def test_callers_racing_closers_never_get_a_warm_item() -> None:
    team_mode("split")
    warm = {warm_item(at=NOON - dt.timedelta(minutes=100 - n)).pk for n in range(40)}
    for _n in range(40):
        queued_item(entered_at=NOON - dt.timedelta(hours=3))
    callers = [manager(role="caller") for _n in range(8)]
    closers = [manager() for _n in range(8)]

    def drain(taker) -> list:
        mine = []
        while (item := queue_take_next(manager=taker, now=NOON)) is not None:
            mine.append(item.pk)
            QueueItem.objects.filter(pk=item.pk).update(state=QueueItem.State.DONE)
        return mine

    results = run_concurrently(*[partial(drain, t) for t in [*callers, *closers]])

    assert failures(results) == []
    assert not warm & {pk for taken in results[:8] for pk in taken}
    assert max(Counter(pk for taken in results for pk in taken).values()) == 1
