"""salesdesk.prepared: a hot statement is planned once per PostgreSQL connection — prepared the
first time it runs there, executed by name after — and sent as text behind PgBouncer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.prepared import prepared

pytestmark = [pytest.mark.postgres]

SQL = (
    "SELECT %(a)s::text || '%%' || %(b)s::text, %(when)s + %(span)s,"
    " %(id)s IS NOT NULL AND %(flag)s, %(a)s"
)


def params(a: str) -> dict[str, Any]:
    return {
        "a": a,
        "b": "x",
        "when": dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        "span": dt.timedelta(hours=1),
        "id": uuid.uuid4(),
        "flag": True,
    }


def run(a: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as sent:
        text = prepared(connection, SQL, params(a))
        with connection.cursor() as cursor:
            cursor.execute(text, params(a))
            row = cursor.fetchone()
    return row, [q["sql"].split(" ")[0] for q in sent.captured_queries]


@pytest.mark.django_db(transaction=True)  # a reconnect: outside a test transaction
def test_a_statement_is_prepared_once_per_connection_and_again_after_a_reconnect() -> None:
    # when it runs twice, then on a new connection
    first, first_sent = run("one")
    second, second_sent = run("two")
    connection.close()
    third, third_sent = run("three")

    # then the answers are the statement's, the PREPARE came once per connection
    moment = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    assert first == ("one%x", moment, True, "one")
    assert second[0] == "two%x" and third[0] == "three%x"
    assert first_sent == ["PREPARE", "EXECUTE"]
    assert second_sent == ["EXECUTE"]
    assert third_sent == ["PREPARE", "EXECUTE"]


@pytest.mark.django_db
def test_behind_pgbouncer_the_statement_is_sent_as_it_is() -> None:
    # given the transaction-pooling mode (DATABASE_PGBOUNCER)
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        # when
        row, sent = run("pooled")
    finally:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = False

    # then
    assert row[0] == "pooled%x"
    assert sent == ["SELECT"]
