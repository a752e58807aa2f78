"""Rows read into model instances without building the query each time: for the few lookups
every storefront request makes (its API key, its product), where compiling a queryset costs
more than the database does.

The caller writes the statement once (``columns(Model, "alias")`` names every concrete column)
and turns each row back into instances with :func:`instances`, which applies the same
converters as Django's own iteration (so SQLite's UUIDs, booleans and datetimes come back as
they would from the ORM) and builds them with ``Model.from_db``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


@functools.cache
def _layout(model: type[Model], vendor: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    connection = connections[router.db_for_read(model)]
    attnames: list[str] = []
    converters: list[Any] = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        attnames.append(field.attname)
        converters.append(
            (
                tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection)),
                col,
            )
        )
    return tuple(attnames), tuple(converters)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` behind ``alias``, in the order :func:`instances`
    expects them."""
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def param(model: type[Model], field: str, value: Any) -> Any:
    """``value`` prepared for a comparison with ``model.field`` (a UUID is text in SQLite)."""
    connection = connections[router.db_for_read(model)]
    return model._meta.get_field(field).get_db_prep_value(value, connection)  # type: ignore[union-attr]


def instances(row: Sequence[Any], *models: type[Model]) -> list[Model]:
    """One instance of each of ``models`` from ``row``, their columns one after the other as
    :func:`columns` wrote them."""
    built: list[Model] = []
    offset = 0
    for model in models:
        using = router.db_for_read(model)
        connection = connections[using]
        attnames, converters = _layout(model, connection.vendor)
        values = list(row[offset : offset + len(attnames)])
        offset += len(attnames)
        for i, (convert, col) in enumerate(converters):
            for converter in convert:
                values[i] = converter(values[i], col, connection)
        built.append(model.from_db(using, attnames, values))
    return built
