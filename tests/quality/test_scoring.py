"""Scoring a review: the arithmetic, every item answered, one score per review, the manager
told once, and a partner's own checklist."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import Notification
from quality.models import Answer, ChecklistItem, Review
from quality.scoring import qa_mean, qa_score
from quality.selectors import qa_checklist_for
from quality.services import qa_checklist_reset, qa_checklist_set, qa_review_score
from salesdesk.errors import ApplicationError, ConflictError
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.quality.factories import all_answers, pending_review, qa_user

pytestmark = pytest.mark.django_db

Y, N, NA = "yes", "no", "na"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([Y, Y, Y, Y, N, N, NA], Decimal("66.67")),  # 4 / 6 = 66.666…
        ([Y, N, N], Decimal("33.33")),  # 1 / 3 = 33.333…
        ([NA, NA, NA], None),  # nothing applied: no score
        ([Y, Y, Y, Y, Y, Y, Y], Decimal("100.00")),
        ([N, N, NA], Decimal("0.00")),
        ([Y] * 5 + [N] * 3, Decimal("62.50")),  # 5 / 8
        ([Y, N, N, N, N, N], Decimal("16.67")),  # 1 / 6 = 16.666…
    ],
)
def test_the_score_is_the_share_of_yes_among_yes_and_no(
    values: list[str], expected: Decimal | None
) -> None:
    assert qa_score(values) == expected


def test_the_mean_rounds_half_up() -> None:
    # 66.67 + 33.33 + 100.00 = 200.00, / 3 = 66.666… → 66.67; 0.01 + 0.02 = 0.03, / 2 = 0.015
    assert qa_mean(Decimal("200.00"), 3) == Decimal("66.67")
    assert qa_mean(Decimal("0.03"), 2) == Decimal("0.02")
    assert qa_mean(None, 0) is None


def test_scoring_the_default_checklist_stores_the_score_and_the_answers() -> None:
    # given a pending review of a touch, checked by the seven default items
    review = pending_review()
    reviewer = qa_user()
    assert len(qa_checklist_for(review.partner)) == 7

    # when QA answers 4 yes, 2 no, 1 not applicable
    done = qa_review_score(
        reviewer=reviewer,
        review_id=review.pk,
        answers=all_answers([Y, Y, Y, Y, N, N, NA], comment="ок"),
        comment="  Хороший звонок, но без следующего шага.  ",
    )

    # then
    assert done.status == Review.Status.DONE
    assert done.score == Decimal("66.67")
    assert done.reviewer == reviewer and done.reviewed_at is not None
    assert done.comment == "Хороший звонок, но без следующего шага."
    answers = list(done.answers.order_by("position"))
    assert [a.value for a in answers] == [Y, Y, Y, Y, N, N, NA]
    assert answers[0].title == "Поприветствовал и представился"
    assert answers[6].title == "Не давил на первом звонке"


def test_all_not_applicable_scores_nothing() -> None:
    review = pending_review()
    done = qa_review_score(reviewer=qa_user(), review_id=review.pk, answers=all_answers([NA] * 7))
    assert done.status == Review.Status.DONE and done.score is None


def test_every_item_must_be_answered_and_nothing_is_written_otherwise() -> None:
    review = pending_review()
    answers = all_answers([Y, Y, Y, Y, N, N, NA])
    del answers[3]
    answers[5] = ("maybe", "")
    answers[9] = (Y, "")

    with pytest.raises(ApplicationError) as caught:
        qa_review_score(reviewer=qa_user(), review_id=review.pk, answers=answers)

    assert caught.value.status_code == 400
    assert caught.value.code == "invalid_answers"
    assert set(caught.value.details) == {"3", "5", "9"}
    review.refresh_from_db()
    assert review.status == Review.Status.PENDING
    assert not Answer.objects.exists()
    assert not Notification.objects.exists()


def test_a_done_review_is_final_even_for_its_reviewer() -> None:
    review = pending_review()
    reviewer = qa_user()
    qa_review_score(reviewer=reviewer, review_id=review.pk, answers=all_answers([Y] * 7))

    with pytest.raises(ConflictError) as caught:
        qa_review_score(reviewer=reviewer, review_id=review.pk, answers=all_answers([N] * 7))

    assert caught.value.status_code == 409 and caught.value.code == "already_reviewed"
    review.refresh_from_db()
    assert review.score == Decimal("100.00")
    assert Answer.objects.filter(review=review).count() == 7


def test_the_manager_is_told_once_on_each_of_their_channels() -> None:
    manager = UserFactory.create(role="manager")
    review = pending_review(manager=manager)
    reviewer = qa_user()

    qa_review_score(reviewer=reviewer, review_id=review.pk, answers=all_answers([Y, N] + [Y] * 5))
    with pytest.raises(ConflictError):
        qa_review_score(reviewer=reviewer, review_id=review.pk, answers=all_answers([Y] * 7))

    rows = Notification.objects.filter(kind="qa_feedback")
    # the bell and the email, once each
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "in_app"]
    assert {row.user_id for row in rows} == {manager.pk}
    in_app = rows.get(channel="in_app")
    assert in_app.url.endswith(f"/workspace/qa/#review-{review.pk}")
    assert "85,71" in in_app.subject  # 6 / 7


def test_a_partners_own_checklist_replaces_the_default_for_its_touches() -> None:
    # given a partner with a two-item list of their own, and another partner without
    school = PartnerFactory.create()
    qa = qa_user()
    qa_checklist_set(
        actor=qa, partner=school, items=[("Назвал цену курса", ""), ("Предложил рассрочку", "")]
    )
    ours = pending_review(partner=school)
    theirs = pending_review()

    # then the partner's touches are checked by their two items, the others' by the default 7
    assert [i.title for i in qa_checklist_for(school)] == [
        "Назвал цену курса",
        "Предложил рассрочку",
    ]
    assert len(qa_checklist_for(theirs.partner)) == 7
    with pytest.raises(ApplicationError):
        qa_review_score(reviewer=qa, review_id=ours.pk, answers=all_answers([Y] * 7))
    done = qa_review_score(reviewer=qa, review_id=ours.pk, answers=all_answers([Y, N]))
    assert done.score == Decimal("50.00")

    # when the list is edited afterwards, the answers keep the words they were given with
    qa_checklist_set(actor=qa, partner=school, items=[("Назвал цену со скидкой", "")])
    assert list(done.answers.order_by("position").values_list("title", flat=True)) == [
        "Назвал цену курса",
        "Предложил рассрочку",
    ]

    # and a reset sends the partner back to the default list
    qa_checklist_reset(actor=qa, partner=school)
    assert len(qa_checklist_for(school)) == 7


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([("   ", "")], "items"),
        ([(f"Пункт {n}", "") for n in range(31)], "items"),
        ([("Ок", ""), ("x" * 201, "")], "2"),
        ([("", "Подсказка без пункта")], "1"),
    ],
)
def test_a_checklist_has_one_to_thirty_items_of_at_most_200_characters(
    items: list[tuple[str, str]], field: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        qa_checklist_set(actor=qa_user(), partner=None, items=items)
    assert caught.value.code == "invalid_checklist" and field in caught.value.details
    assert len(qa_checklist_for(None)) == 7


def test_the_default_checklist_can_be_replaced() -> None:
    items = [("x" * 200, "подсказка")] + [(f"Пункт {n}", "") for n in range(2, 31)]
    qa_checklist_set(actor=qa_user(), partner=None, items=items)
    saved = qa_checklist_for(None)
    assert len(saved) == 30 and saved[0].hint == "подсказка"
    assert [i.position for i in saved] == list(range(1, 31))


def test_without_default_rows_the_built_in_list_applies() -> None:
    # a flushed table (as after a transactional test) still checks calls by the seven items
    ChecklistItem.objects.filter(partner__isnull=True).delete()
    review = pending_review()

    assert [i.position for i in qa_checklist_for(None)] == list(range(1, 8))
    done = qa_review_score(reviewer=qa_user(), review_id=review.pk, answers=all_answers([Y] * 7))
    assert done.answers.get(position=1).title == "Поприветствовал и представился"
