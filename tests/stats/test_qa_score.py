"""The QA score column of the manager statistics: the mean of the scores given in the period
(by when they were given), with how many — on the page, in the API and in the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from quality.models import Review
from quality.services import qa_review_score
from stats.managers import manager_stats
from stats.periods import period_from
from tests.accounts.factories import UserFactory
from tests.quality.factories import all_answers, pending_review, qa_user
from tests.sales_queue.factories import MSK

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"date_from": "2026-11-10", "date_to": "2026-11-16"}
IN_PERIOD = dt.datetime(2026, 11, 12, 15, 0, tzinfo=MSK)
BEFORE = dt.datetime(2026, 11, 9, 23, 59, tzinfo=MSK)  # the evening before the period


def _scored(manager: Any, values: list[str], at: dt.datetime) -> Review:
    review = pending_review(manager=manager)
    done = qa_review_score(reviewer=qa_user(), review_id=review.pk, answers=all_answers(values))
    Review.objects.filter(pk=done.pk).update(reviewed_at=at)
    return done


@pytest.fixture
def anna() -> Any:
    """Anna: in the period 66.67 (4 yes, 2 no, 1 n/a), 33.33 (1 yes, 2 no), 100.00 and one
    where nothing applied; before it a 0.00; one still pending. Mean (66.67 + 33.33 + 100.00)
    / 3 = 66.666… → 66.67 over 4 reviews."""
    anna = UserFactory.create(role="manager", full_name="Анна Иванова")
    _scored(anna, ["yes"] * 4 + ["no"] * 2 + ["na"], IN_PERIOD)
    _scored(anna, ["yes", "no", "no"] + ["na"] * 4, IN_PERIOD + dt.timedelta(days=1))
    _scored(anna, ["yes"] * 7, IN_PERIOD + dt.timedelta(days=2))
    _scored(anna, ["na"] * 7, IN_PERIOD + dt.timedelta(days=3))
    _scored(anna, ["no"] * 7, BEFORE)
    pending_review(manager=anna)
    return anna


def test_the_score_is_the_mean_of_the_periods_scores(anna: Any) -> None:
    boris = UserFactory.create(role="manager", full_name="Борис Петров")
    rows = {r.manager_id: r for r in manager_stats(period=period_from(PERIOD_QUERY))}

    assert rows[anna.pk].qa_score == Decimal("66.67")
    assert rows[anna.pk].qa_reviews == 4
    assert rows[boris.pk].qa_score is None and rows[boris.pk].qa_reviews == 0


def test_a_day_alone_has_its_own_mean(anna: Any) -> None:
    (row,) = manager_stats(
        period=period_from({"date_from": "2026-11-13", "date_to": "2026-11-13"}),
        manager_ids=[anna.pk],
    )
    assert (row.qa_score, row.qa_reviews) == (Decimal("33.33"), 1)


def test_the_api_the_page_and_the_csv_show_it(anna: Any, api_client: Any) -> None:
    head = UserFactory.create(role="head")
    api_client.force_authenticate(head)
    body = api_client.get("/api/v1/stats/managers/", PERIOD_QUERY).json()
    (row,) = [r for r in body["results"] if r["manager"] == str(anna.pk)]
    assert (row["qa_score"], row["qa_reviews"]) == ("66.67", 4)

    client = Client()
    client.force_login(head)
    html = client.get("/head/stats/", {"period": "range", **PERIOD_QUERY}).content.decode()
    assert "Оценка качества" in html and "66,67" in html

    text = client.get("/head/stats/export.csv", {"period": "range", **PERIOD_QUERY})
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))
    (csv_row,) = [r for r in rows if r["Менеджер"] == "Анна Иванова"]
    assert csv_row["Оценка качества (из 100)"] == "66.67"
    assert csv_row["Звонков проверено контролем качества"] == "4"


def test_the_manager_sees_their_score_on_their_own_page(anna: Any) -> None:
    client = Client()
    client.force_login(anna)
    html = client.get("/workspace/stats/", {"period": "range", **PERIOD_QUERY}).content.decode()
    assert "66,67 из 100" in html and "4 звонка оценено" in html
