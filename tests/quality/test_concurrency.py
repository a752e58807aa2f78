"""Two QA scoring one call at once, and two sample runs at once (PostgreSQL, real threads)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import Notification
from quality.models import Answer, Review
from quality.services import qa_review_score, qa_sample_day
from salesdesk.errors import ConflictError
from tests.accounts.factories import UserFactory
from tests.concurrency import failures, run_concurrently
from tests.quality.factories import (
    DAY,
    DAY_NOON,
    all_answers,
    item_of,
    pending_review,
    qa_user,
    touch,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_scorings_at_once_one_wins_the_other_gets_409() -> None:
    # given a pending review and two QA
    review = pending_review()
    vera, gleb = qa_user(), qa_user()

    def score(reviewer, values):
        return lambda: qa_review_score(
            reviewer=reviewer, review_id=review.pk, answers=all_answers(values)
        ).score

    # when both save their scores at the same moment
    results = run_concurrently(score(vera, ["yes"] * 7), score(gleb, ["no"] * 7))

    # then one score stands, the other got already_reviewed, and only the winner's answers
    # and one message to the manager were written
    errors = failures(results)
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert errors[0].code == "already_reviewed" and errors[0].status_code == 409
    (won,) = [r for r in results if not isinstance(r, BaseException)]
    review.refresh_from_db()
    assert review.status == Review.Status.DONE and review.score == won
    assert won in {Decimal("100.00"), Decimal("0.00")}
    assert Answer.objects.filter(review=review).count() == 7
    assert Notification.objects.filter(kind="qa_feedback", channel="in_app").count() == 1


def test_two_sample_runs_at_once_pick_three_per_seller() -> None:
    anna = UserFactory.create(role="manager")
    item = item_of()
    for n in range(6):
        touch(manager=anna, item=item, at=DAY_NOON.replace(minute=n))

    results = run_concurrently(*[lambda: len(qa_sample_day(day=DAY)) for _ in range(4)])

    assert not failures(results), results
    assert Review.objects.filter(manager=anna, sample_day=DAY).count() == 3
