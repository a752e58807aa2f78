"""Hot statements PostgreSQL plans once per connection instead of at every execution.

psycopg2 sends every statement as text, and PostgreSQL parses and plans it each time: for a
long statement run on every request (the take's claim, which also opens the deal) that is most
of its cost. :func:`prepared` turns such a statement (written with ``%(name)s`` parameters) into
``EXECUTE`` of a statement prepared on the connection the first time it runs there: one
``PREPARE`` round trip per connection, then the plan is reused (a change of the tables' schema
makes PostgreSQL plan it again by itself).

A prepared statement belongs to a session, so behind PgBouncer in transaction mode
(``DATABASE_PGBOUNCER``, README "Running at scale") the statement is sent as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import uuid
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

_PARAMETER = re.compile(r"%\((\w+)\)s")
# Python types of the parameters and the PostgreSQL types they are declared with (bool before
# int: a bool is an int).
_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "bigint"),
    (str, "text"),
    (uuid.UUID, "uuid"),
    (dt.datetime, "timestamptz"),
    (dt.timedelta, "interval"),
)


@functools.cache
def _positional(sql: str) -> tuple[str, tuple[str, ...], str]:
    """``sql`` with ``$n`` for its named parameters, their names in order, a statement name."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    body = _PARAMETER.sub(number, sql)
    name = "sd_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]
    return body, tuple(names), name


def _type_of(name: str, value: Any) -> str:
    for python, sql in _TYPES:
        if isinstance(value, python):
            return sql
    raise TypeError(f"prepared statement parameter {name!r}: no SQL type for {type(value)}")


def _prepared_on(connection: BaseDatabaseWrapper) -> set[str]:
    """The statements prepared on the connection's current session (a new session, after a
    reconnect, has none)."""
    connection.ensure_connection()
    raw = connection.connection
    state = getattr(connection, "_salesdesk_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        connection._salesdesk_prepared = state  # type: ignore[attr-defined]
    return state[1]


def session_bound_allowed(connection: BaseDatabaseWrapper) -> bool:
    # DATABASE_PGBOUNCER turns server-side cursors off: the same "no session" condition.
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )


def prepared(connection: BaseDatabaseWrapper, sql: str, params: dict[str, Any]) -> str:
    """The text to execute (with the same ``params``) for ``sql``: ``EXECUTE`` of it prepared
    on this connection — prepared now, in a round trip of its own, if it is the first time
    here — or ``sql`` itself where nothing may be bound to a session. Call inside the
    transaction that runs it."""
    if not session_bound_allowed(connection):
        return sql
    body, names, name = _positional(sql)
    done = _prepared_on(connection)
    if name not in done:
        types = ", ".join(_type_of(n, params[n]) for n in names)
        with connection.cursor() as cursor:
            # %% in the body stays a literal % once psycopg2 has read it.
            cursor.execute(f"PREPARE {name} ({types}) AS {body}", {})
        done.add(name)
    return f"EXECUTE {name} ({', '.join(f'%({n})s' for n in names)})"
