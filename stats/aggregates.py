"""A median aggregate for both databases: PostgreSQL's ``percentile_cont`` (over intervals
too), and on the embedded SQLite an aggregate function registered on each connection."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, DurationField


class Median(Aggregate):
    """The median of a duration (``F("a") - F("b")``), as a ``timedelta``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # SQLite subtracts datetimes into integer microseconds (django_timestamp_diff).
        return self.as_sql(
            compiler,
            connection,
            function="stats_median",
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class _SqliteMedian:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> int | None:
        return int(statistics.median(self.values)) if self.values else None


def install_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("stats_median", 1, _SqliteMedian)


def connect() -> None:
    connection_created.connect(install_sqlite_median, dispatch_uid="stats-sqlite-median")
