"""The statistics' period: Moscow days, presets and ranges, bad values a 400 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from salesdesk.errors import ApplicationError
from stats.periods import Period, period_from

# 28 Nov 2026, 22:30 UTC is already 29 Nov in Moscow (UTC+3).
LATE_EVENING_UTC = dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("params", "first", "last"),
    [
        ({"period": "today"}, dt.date(2026, 11, 29), dt.date(2026, 11, 29)),
        ({}, dt.date(2026, 11, 23), dt.date(2026, 11, 29)),  # 7 days by default
        ({"period": "7d"}, dt.date(2026, 11, 23), dt.date(2026, 11, 29)),
        ({"period": "month"}, dt.date(2026, 11, 1), dt.date(2026, 11, 29)),
        (
            {"date_from": "2026-10-01", "date_to": "2026-10-31"},
            dt.date(2026, 10, 1),
            dt.date(2026, 10, 31),
        ),
        ({"date_to": "2026-10-31"}, dt.date(2025, 11, 1), dt.date(2026, 10, 31)),
        ({"date_from": "2026-11-20"}, dt.date(2026, 11, 20), dt.date(2026, 11, 29)),
    ],
)
def test_presets_and_ranges_are_moscow_days(
    params: dict[str, str], first: dt.date, last: dt.date
) -> None:
    period = period_from(params, now=LATE_EVENING_UTC)

    assert (period.first, period.last) == (first, last)


def test_the_instants_are_moscow_midnights_and_the_end_is_excluded() -> None:
    period = Period("range", dt.date(2026, 11, 1), dt.date(2026, 11, 30))

    assert period.start == dt.datetime(2026, 10, 31, 21, 0, tzinfo=dt.UTC)
    assert period.end == dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)
    assert period.days == 30


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year"}, "period"),
        ({"date_from": "01.11.2026"}, "date_from"),
        ({"date_to": "2026-13-01"}, "date_to"),
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-01"}, "date_from"),
    ],
)
def test_bad_values_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        period_from(params, now=LATE_EVENING_UTC)

    assert refused.value.code == "validation_error"
    assert field in refused.value.details
