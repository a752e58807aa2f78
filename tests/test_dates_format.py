"""salesdesk.timezones: one format for a moment, and a grammatical one inside a sentence."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from salesdesk.timezones import MOSCOW, moscow_date_at, moscow_datetime

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=MOSCOW)
# 17:13 UTC is 20:13 in Moscow (UTC+3 all year).
EVENING = dt.datetime(2026, 11, 28, 17, 13, tzinfo=dt.UTC)
LAST_YEAR = dt.datetime(2025, 3, 1, 7, 5, tzinfo=MOSCOW)


def test_a_moment_in_moscow_time_without_the_current_year() -> None:
    assert moscow_datetime(EVENING, now=NOW) == "28 ноября, 20:13"
    assert moscow_datetime(LAST_YEAR, now=NOW) == "1 марта 2025, 07:05"


def test_inside_a_sentence_the_preposition_goes_with_the_time() -> None:
    assert moscow_date_at(EVENING, now=NOW) == "28 ноября в 20:13"
    assert moscow_date_at(LAST_YEAR, now=NOW) == "1 марта 2025 в 07:05"


def test_the_filters_render_the_same_and_a_dash_for_none() -> None:
    html = Template("{% load dates %}{{ a|moscow_at }}|{{ b|moscow_dt }}").render(
        Context({"a": None, "b": LAST_YEAR})
    )
    assert html == "—|1 марта 2025, 07:05"
