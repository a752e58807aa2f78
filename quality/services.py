"""Writes of quality assurance: the daily sample, picking a touch by hand, scoring a review
(and telling the manager), and the checklists.

A score is final: once a review is done, scoring it again — by anyone, its reviewer too — is a
409 ``already_reviewed``. The manager may have read it, and the statistics counted it on the
day it was given; a QA who changes their mind writes to the manager instead. This is also what
makes two QA scoring one review at once safe: the pending → done step is one compare-and-swap
``UPDATE``, and the loser gets the 409 without having written an answer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES, TeamSettings, User
from accounts.team import team_settings
from notifications.models import Notification
from notifications.services import notify_user
from partners.models import Partner
from quality.models import (
    CHECKLIST_HINT_MAX,
    CHECKLIST_ITEM_MAX,
    CHECKLIST_ITEMS_MAX,
    REVIEW_COMMENT_MAX,
    Answer,
    ChecklistItem,
    Review,
)
from quality.scoring import qa_score
from quality.selectors import (
    CONVERSATION_OUTCOMES,
    qa_checklist_for,
    touch_partner_id,
    touches_on,
)
from sales_queue.models import Touch
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.timezones import MOSCOW

V = Answer.Value


# --- the sample ------------------------------------------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=MOSCOW)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=MOSCOW)


def _draw(day: dt.date, manager_id: Any, touch_id: int) -> str:
    """The touch's place in the day's draw for the manager: a hash, so a rerun draws the same
    touches in the same order whatever else changed."""
    return hashlib.sha256(f"qa:{day.isoformat()}:{manager_id}:{touch_id}".encode()).hexdigest()


@transaction.atomic
def qa_sample_day(*, day: dt.date, size: int | None = None) -> list[Review]:
    """Pick up to ``size`` (default: the team's ``qa_sample_size``) touches per seller made on
    the Moscow ``day`` for QA to review, as pending reviews. Touches where a conversation took
    place (reached, refused, qualified, callback) come first, the others only to fill up; within
    each the order is a pseudo-random draw seeded by the day and the seller, so a rerun picks
    the same touches. Idempotent: a seller already holding ``size`` reviews of that day's sample
    gets none, and two runs at once pick the same touches and meet on the unique touch (the
    second inserts nothing). Returns the reviews of this run's picks (a run racing another
    may list rows the other wrote; a rerun after it lists none)."""
    size = team_settings().qa_sample_size if size is None else size
    if size <= 0:
        return []
    start, end = _day_bounds(day)
    already: dict[Any, int] = defaultdict(int)
    for manager_id in Review.objects.filter(sample_day=day).values_list("manager_id", flat=True):
        already[manager_id] += 1
    candidates: dict[Any, list[tuple[bool, str, Touch]]] = defaultdict(list)
    for touch in (
        touches_on(first=start, end=end)
        .filter(qa_review__isnull=True)
        .only("id", "manager_id", "outcome", "item_id", "deal_id")
    ):
        chatty = touch.outcome in CONVERSATION_OUTCOMES
        candidates[touch.manager_id].append(
            (not chatty, _draw(day, touch.manager_id, touch.pk), touch)
        )
    new = []
    for manager_id in sorted(candidates, key=str):
        need = size - already[manager_id]
        if need <= 0:
            continue
        for _rest, _key, touch in sorted(candidates[manager_id], key=lambda c: c[:2])[:need]:
            new.append(
                Review(
                    touch=touch,
                    partner_id=touch.partner_ref,  # type: ignore[attr-defined]
                    manager_id=manager_id,
                    sample_day=day,
                )
            )
    Review.objects.bulk_create(new, ignore_conflicts=True)
    return list(Review.objects.filter(touch__in=[r.touch for r in new], sample_day=day))


def qa_sample_yesterday(*, now: dt.datetime | None = None) -> int:
    """The beat's job: the sample of the Moscow day before ``now``; how many were picked."""
    today = (now or timezone.now()).astimezone(MOSCOW).date()
    return len(qa_sample_day(day=today - dt.timedelta(days=1)))


@transaction.atomic
def qa_review_add(*, actor: User, touch_id: Any) -> tuple[Review, bool]:
    """QA takes a seller's touch for review by hand (outside the daily sample); the touch's
    review if it already has one. Returns the review and whether it was created."""
    touch = (
        Touch.objects.filter(pk=touch_id, manager__role__in=SELLER_ROLES)
        .annotate(partner_ref=touch_partner_id())
        .first()
        if str(touch_id).isdigit()
        else None
    )
    if touch is None:
        raise NotFoundError(_("No such touch."), code="not_found")
    review, created = Review.objects.get_or_create(
        touch=touch,
        defaults={
            "partner_id": touch.partner_ref,
            "manager_id": touch.manager_id,
        },
    )
    return review, created


# --- scoring ---------------------------------------------------------------------------------


def _clean_answers(
    checklist: list[ChecklistItem], answers: Mapping[int, tuple[str, str]]
) -> list[Answer]:
    errors: dict[str, list[str]] = {}
    known = {item.position for item in checklist}
    for position in sorted(set(answers) - known):
        errors[str(position)] = [_("There is no such item in the checklist.")]
    rows = []
    for item in checklist:
        value, comment = answers.get(item.position, ("", ""))
        comment = (comment or "").strip()
        if value not in V.values:
            errors[str(item.position)] = [_("Answer yes, no or not applicable.")]
        elif len(comment) > REVIEW_COMMENT_MAX:
            errors[str(item.position)] = [
                _("At most %d characters in a comment.") % REVIEW_COMMENT_MAX
            ]
        rows.append(Answer(position=item.position, title=item.title, value=value, comment=comment))
    if errors:
        raise ApplicationError(
            _("Answer every item of the checklist."), code="invalid_answers", details=errors
        )
    return rows


@transaction.atomic
def qa_review_score(
    *,
    reviewer: User,
    review_id: Any,
    answers: Mapping[int, tuple[str, str]],
    comment: str = "",
) -> Review:
    """Score a pending review: ``answers`` maps each checklist position (the checklist of the
    touch's partner, :func:`qa_checklist_for`) to ``(value, comment)``, ``value`` one of
    ``yes`` / ``no`` / ``na``. Every item must be answered (400 ``invalid_answers``, the
    positions in ``details``). The answers keep the items' text as it is now. The review goes
    pending → done by one compare-and-swap; a review already done is a 409
    ``already_reviewed`` (see the module's docstring). The manager is told in this transaction
    (kind ``qa_feedback``, key ``qa_feedback:<review>``)."""
    review = Review.objects.filter(pk=review_id).select_related("manager", "partner").first()
    if review is None:
        raise NotFoundError(_("No such review."), code="not_found")
    comment = (comment or "").strip()
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ApplicationError(
            _("At most %d characters in a comment.") % REVIEW_COMMENT_MAX,
            code="invalid_answers",
            details={"comment": [_("At most %d characters.") % REVIEW_COMMENT_MAX]},
        )
    rows = _clean_answers(qa_checklist_for(review.partner), answers)
    now = timezone.now()
    score = qa_score(row.value for row in rows)
    claimed = Review.objects.filter(pk=review.pk, status=Review.Status.PENDING).update(
        status=Review.Status.DONE,
        reviewer=reviewer,
        reviewed_at=now,
        score=score,
        comment=comment,
    )
    if not claimed:
        raise ConflictError(_("This call has already been scored."), code="already_reviewed")
    for row in rows:
        row.review = review
    Answer.objects.bulk_create(rows)
    review.refresh_from_db()
    _tell_the_manager(review)
    return review


def _tell_the_manager(review: Review) -> None:
    manager = review.manager
    if not manager.is_active or manager.role not in SELLER_ROLES:
        return
    notify_user(
        key=f"qa_feedback:{review.pk}",
        kind=Notification.Kind.QA_FEEDBACK,
        user=manager,
        template="qa_feedback",
        context={
            "review": review,
            "score": review.score,
            "touch_at": review.touch.created_at,
            "url": settings.SITE_URL + reverse("quality_mine:list") + f"#review-{review.pk}",
        },
    )


def qa_feedback_mark_seen(*, manager: User, now: dt.datetime | None = None) -> int:
    """The manager opened their feedback: every scored review of theirs not seen yet is marked
    seen now. Returns how many."""
    return Review.objects.filter(
        manager=manager, status=Review.Status.DONE, seen_at__isnull=True
    ).update(seen_at=now or timezone.now())


# --- checklists ------------------------------------------------------------------------------


def _lock_checklist(partner: Partner | None) -> None:
    """Serialise two edits of one list (delete-then-insert would meet on the positions)."""
    if partner is None:
        team_settings()
        TeamSettings.objects.select_for_update().filter(pk=1).first()
    else:
        Partner.objects.select_for_update().filter(pk=partner.pk).first()


@transaction.atomic
def qa_checklist_set(
    *, actor: User, partner: Partner | None, items: Iterable[tuple[str, str]]
) -> list[ChecklistItem]:
    """Replace the default checklist (``partner`` ``None``) or a partner's own by ``items``,
    ``(title, hint)`` each, in order: 1 to 30 items, a title of at most 200 characters, a hint
    of at most 1000 (400 ``invalid_checklist`` with the rows in ``details``). Reviews already
    scored keep their answers' text."""
    cleaned = [((t or "").strip(), (h or "").strip()) for t, h in items]
    cleaned = [(t, h) for t, h in cleaned if t or h]
    errors: dict[str, list[str]] = {}
    if not cleaned:
        errors["items"] = [_("Add at least one item.")]
    elif len(cleaned) > CHECKLIST_ITEMS_MAX:
        errors["items"] = [_("At most %d items.") % CHECKLIST_ITEMS_MAX]
    for n, (title, hint) in enumerate(cleaned, start=1):
        if not title:
            errors[str(n)] = [_("An item needs its text.")]
        elif len(title) > CHECKLIST_ITEM_MAX:
            errors[str(n)] = [_("At most %d characters.") % CHECKLIST_ITEM_MAX]
        elif len(hint) > CHECKLIST_HINT_MAX:
            errors[str(n)] = [_("At most %d characters in a hint.") % CHECKLIST_HINT_MAX]
    if errors:
        raise ApplicationError(
            _("The checklist was not saved."), code="invalid_checklist", details=errors
        )
    _lock_checklist(partner)
    if partner is None:
        ChecklistItem.objects.filter(partner__isnull=True).delete()
    else:
        ChecklistItem.objects.filter(partner=partner).delete()
    return ChecklistItem.objects.bulk_create(
        ChecklistItem(partner=partner, position=n, title=title, hint=hint)
        for n, (title, hint) in enumerate(cleaned, start=1)
    )


@transaction.atomic
def qa_checklist_reset(*, actor: User, partner: Partner) -> int:
    """The partner's touches go back to the default checklist; how many own items were removed."""
    _lock_checklist(partner)
    deleted, _by_model = ChecklistItem.objects.filter(partner=partner).delete()
    return deleted
