"""The daily sample: up to N touches per seller and Moscow day, conversations first, the same
touches on a rerun, nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.team import team_settings_update
from quality.models import Review
from quality.services import qa_review_add, qa_sample_day, qa_sample_yesterday
from quality.tasks import qa_sample_task
from salesdesk.errors import NotFoundError
from tests.accounts.factories import UserFactory
from tests.quality.factories import DAY, DAY_NOON, item_of, qa_user, touch

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def _touches(manager, outcomes: list[str], *, at: dt.datetime = DAY_NOON) -> list:
    item = item_of()
    return [
        touch(manager=manager, item=item, outcome=outcome, at=at + n * MIN)
        for n, outcome in enumerate(outcomes)
    ]


def _sampled(manager) -> set[int]:
    return set(Review.objects.filter(manager=manager).values_list("touch_id", flat=True))


def test_three_per_seller_conversations_first_then_anything() -> None:
    # given Anna's five touches of the day (three conversations, two unanswered), Boris' two
    # unanswered ones, a touch of Anna's on the next day and one by the head
    anna, boris = UserFactory.create(role="manager"), UserFactory.create(role="caller")
    annas = _touches(anna, ["no_answer", "reached", "refused", "no_answer", "callback"])
    boris_touches = _touches(boris, ["no_answer", "no_answer"])
    _touches(anna, ["reached"], at=DAY_NOON + dt.timedelta(days=1))
    _touches(UserFactory.create(role="head"), ["reached"])

    # when the day's sample is drawn
    created = qa_sample_day(day=DAY)

    # then Anna gets her three conversations, Boris both of his touches, nobody else anything
    assert len(created) == 5
    assert _sampled(anna) == {annas[1].pk, annas[2].pk, annas[4].pk}
    assert _sampled(boris) == {t.pk for t in boris_touches}
    assert Review.objects.count() == 5
    assert set(Review.objects.values_list("sample_day", flat=True)) == {DAY}
    assert set(Review.objects.values_list("status", flat=True)) == {"pending"}
    review = Review.objects.get(touch=annas[1])
    assert review.partner_id == annas[1].item.partner_id and review.manager == anna


def test_a_rerun_creates_nothing_and_never_exceeds_the_size() -> None:
    anna = UserFactory.create(role="manager")
    _touches(anna, ["reached"] * 6)
    first = qa_sample_day(day=DAY)

    again = qa_sample_day(day=DAY)

    assert len(first) == 3 and again == []
    assert Review.objects.filter(manager=anna, sample_day=DAY).count() == 3


def test_the_draw_is_the_same_on_every_run() -> None:
    anna = UserFactory.create(role="manager")
    _touches(anna, ["reached"] * 8)
    qa_sample_day(day=DAY)
    first = _sampled(anna)
    Review.objects.all().delete()

    qa_sample_day(day=DAY)

    assert _sampled(anna) == first and len(first) == 3


def test_the_size_is_the_teams_setting() -> None:
    anna = UserFactory.create(role="manager")
    _touches(anna, ["reached"] * 4)
    team_settings_update(actor=UserFactory.create(role="head"), qa_sample_size=1)

    assert len(qa_sample_day(day=DAY)) == 1
    team_settings_update(actor=UserFactory.create(role="head"), qa_sample_size=0)
    assert qa_sample_day(day=DAY + dt.timedelta(days=1)) == []


def test_a_touch_taken_by_hand_is_not_drawn_again() -> None:
    anna = UserFactory.create(role="manager")
    annas = _touches(anna, ["reached"] * 3)
    review, created = qa_review_add(actor=qa_user(), touch_id=annas[0].pk)
    assert created and review.sample_day is None

    qa_sample_day(day=DAY)

    # the hand-picked one is not in the day's three; the other two are
    assert Review.objects.filter(manager=anna).count() == 3
    assert Review.objects.filter(manager=anna, sample_day=DAY).count() == 2


def test_taking_a_touch_twice_gives_its_one_review() -> None:
    anna = UserFactory.create(role="manager")
    (made,) = _touches(anna, ["reached"])
    first, created = qa_review_add(actor=qa_user(), touch_id=made.pk)
    second, again = qa_review_add(actor=qa_user(), touch_id=made.pk)
    assert created and not again and first.pk == second.pk
    with pytest.raises(NotFoundError):
        qa_review_add(actor=qa_user(), touch_id="not-a-touch")
    with pytest.raises(NotFoundError):
        qa_review_add(actor=qa_user(), touch_id=made.pk + 1000)


def test_the_nightly_job_samples_the_moscow_day_before() -> None:
    anna = UserFactory.create(role="manager")
    # 23:30 Moscow on DAY, 00:10 Moscow the day after
    _touches(anna, ["reached"], at=dt.datetime(2026, 11, 20, 23, 30, tzinfo=DAY_NOON.tzinfo))
    _touches(anna, ["reached"], at=dt.datetime(2026, 11, 21, 0, 10, tzinfo=DAY_NOON.tzinfo))
    # 00:20 Moscow on the 21st is 21:20 UTC on the 20th
    now = dt.datetime(2026, 11, 20, 21, 20, tzinfo=dt.UTC)

    assert qa_sample_yesterday(now=now) == 1
    assert Review.objects.get().sample_day == DAY
    assert qa_sample_task(day="2026-11-21") == 1
    assert qa_sample_task(day="2026-11-21") == 0
