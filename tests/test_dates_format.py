"""salesdesk.timezones: one format for a moment, and a grammatical one inside a sentence."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.template import Context, Template

from salesdesk.timezones import MOSCOW, moscow_date_at, moscow_datetime, moscow_day

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


def test_a_calendar_day_in_words_and_a_moment_by_its_moscow_day() -> None:
    assert moscow_day(dt.date(2026, 10, 1), now=NOW) == "1 октября"
    assert moscow_day(dt.date(2025, 12, 31), now=NOW) == "31 декабря 2025"
    # 22:30 UTC on 28 November is already 29 November in Moscow.
    late = dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC)
    assert moscow_day(late, now=NOW) == "29 ноября"


def test_no_page_formats_a_moment_its_own_way() -> None:
    # Tables, prose and e-mails show moments through the filters above, never a d.m.Y of
    # their own: one format across the service.
    offenders = [
        f"{path}: {match.group(0)}"
        for path in Path("templates").rglob("*.*")
        for match in re.finditer(r'\|date:"[^"]*[dm]\.[^"]*"', path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
