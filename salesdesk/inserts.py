"""One row written with ``INSERT … ON CONFLICT DO NOTHING RETURNING …``: whether it went in is
the answer, in one round trip, with no savepoint and no exception to recover from.

Django's ``bulk_create(ignore_conflicts=True)`` writes the same statement but does not say
whether the row went in; ``create()`` inside a savepoint says it with an ``IntegrityError``
and two more statements. PostgreSQL and SQLite (3.35+) both accept this form.

The statement is built once per model, conflict target, computed columns and backend from the
model's concrete fields, and each value is prepared by its field as Django's own insert does
(``pre_save`` fills ``auto_now_add`` times, ``get_db_prep_save`` adapts UUIDs, JSON, decimals).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


@functools.cache
def _statement(
    model: type[Model],
    vendor: str,
    conflict: tuple[str, ...],
    computed: tuple[str, ...],
    returning: tuple[str, ...],
) -> tuple[str, tuple[Any, ...]]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(model._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]

    # An auto-incremented key is the database's to give (and comes back with RETURNING).
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in computed and not (f.primary_key and getattr(f, "db_returning", False))
    ]
    columns = [quote(f.column) for f in fields] + [column(name) for name in computed]
    values = ["%s"] * len(fields) + [f"{{{name}}}" for name in computed]
    target = "(" + ", ".join(column(name) for name in conflict) + ") " if conflict else ""
    sql = (
        # Identifiers from the model's metadata; every value is a parameter.
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(values)}) ON CONFLICT {target}DO NOTHING "
        f"RETURNING {', '.join(column(name) for name in returning)}"
    )
    return sql, tuple(fields)


def insert_unless_conflict(
    instance: Model,
    *,
    conflict: Sequence[str] = (),
    computed: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
    returning: Sequence[str] = ("pk",),
) -> tuple[Any, ...] | None:
    """Insert ``instance`` (pk and defaults already set on it, as a model's ``__init__`` does);
    return the ``returning`` columns of the new row, raw as the driver gives them, or ``None``
    when a unique constraint (the one on ``conflict``'s fields, or any when empty) already
    holds such a row — nothing is written then.

    ``computed`` gives columns their value as SQL evaluated by the INSERT itself: ``{field:
    (sql_with_%s, params)}``, e.g. a subquery read at the moment of writing.
    """
    model = type(instance)
    computed = computed or {}
    using = router.db_for_write(model)
    connection = connections[using]
    returning = tuple(model._meta.pk.name if name == "pk" else name for name in returning)
    names = tuple(computed)
    sql, fields = _statement(model, connection.vendor, tuple(conflict), names, returning)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    for name in names:
        params.extend(computed[name][1])
    sql = sql.format(**{name: computed[name][0] for name in names})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk = model._meta.pk
    if pk is not None and pk.name in returning and getattr(pk, "db_returning", False):
        instance.pk = row[returning.index(pk.name)]
    instance._state.adding = False
    instance._state.db = using
    return tuple(row)
