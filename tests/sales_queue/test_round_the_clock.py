"""``SALES_WORKING_HOURS=00:00-24:00`` means the sales department never closes."""

from __future__ import annotations

import datetime as dt

import pytest

from sales_queue.hours import is_working_time, next_working_time
from sales_queue.services import queue_take_next
from salesdesk.config import parse_working_hours
from salesdesk.errors import ConflictError
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

pytestmark = pytest.mark.django_db

THREE_AM = NOON.replace(hour=3)  # Friday 20 November 2026, 03:00 Moscow time


def test_round_the_clock_a_take_at_3_am_moscow_time_succeeds(settings) -> None:
    # given
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    item = queued_item(entered_at=THREE_AM - dt.timedelta(hours=1))

    # when
    taken = queue_take_next(manager=manager(), now=THREE_AM)

    # then
    assert taken is not None and taken.pk == item.pk
    assert taken.taken_at == THREE_AM


def test_with_the_default_hours_the_same_take_at_3_am_is_refused(settings) -> None:
    queued_item(entered_at=THREE_AM - dt.timedelta(hours=1))

    with pytest.raises(ConflictError) as refused:
        queue_take_next(manager=manager(), now=THREE_AM)

    assert refused.value.code == "outside_working_hours"


def test_round_the_clock_every_moment_is_working_time(settings) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    midnight = dt.datetime(2026, 11, 21, 0, 0, tzinfo=MSK)

    for moment in (midnight, midnight - dt.timedelta(seconds=1), THREE_AM, NOON):
        assert is_working_time(moment)
        assert next_working_time(moment) == moment


def test_a_day_ending_at_midnight_opens_again_at_its_start(settings) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("09:00-24:00")

    assert is_working_time(dt.datetime(2026, 11, 20, 23, 59, 59, tzinfo=MSK))
    assert not is_working_time(THREE_AM)
    assert next_working_time(THREE_AM) == dt.datetime(2026, 11, 20, 9, 0, tzinfo=MSK)


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        ("00:00-24:00", "Клиенты из очереди берутся в работу круглосуточно."),
        ("09:00-21:00", "в рабочее время: 09:00-21:00 по московскому времени"),
    ],
)
def test_the_workspace_says_when_orders_are_taken(settings, client, hours, shown) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours(hours)
    client.force_login(manager())

    html = client.get("/workspace/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert shown in html
