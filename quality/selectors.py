"""Reads of quality assurance: the checklist that applies to a partner, QA's queue, a
manager's feedback, and the touches QA may pick by hand. QA works across partners (it is the
service's department, like the head), so the staff reads take no tenant; a manager's reads
take the manager."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from accounts.models import SELLER_ROLES, User
from partners.models import Partner
from quality.defaults import DEFAULT_CHECKLIST
from quality.models import ChecklistItem, Review
from sales_queue.models import Outcome, Touch
from salesdesk.errors import NotFoundError

# Outcomes where a conversation took place: what QA prefers to listen to.
CONVERSATION_OUTCOMES = frozenset(
    {Outcome.REACHED, Outcome.REFUSED, Outcome.QUALIFIED, Outcome.CALLBACK}
)


def qa_checklist_for(partner: Partner | Any | None) -> list[ChecklistItem]:
    """The items QA checks on ``partner``'s touches: the partner's own list if it has one,
    else the service's default (``partner`` ``None``: the default)."""
    if partner is not None:
        own = list(ChecklistItem.objects.filter(partner=partner).order_by("position"))
        if own:
            return own
    default = list(ChecklistItem.objects.filter(partner__isnull=True).order_by("position"))
    return default or [
        ChecklistItem(partner=None, position=n, title=title, hint=hint)
        for n, (title, hint) in enumerate(DEFAULT_CHECKLIST, start=1)
    ]


def qa_checklist_is_own(partner: Partner) -> bool:
    return ChecklistItem.objects.filter(partner=partner).exists()


def touch_partner_id() -> Coalesce:
    """A touch's partner: its queue item's, else its deal's (a touch has one or the other)."""
    return Coalesce("item__partner_id", "deal__partner_id")


def touches_on(*, first: dt.datetime, end: dt.datetime) -> QuerySet[Touch]:
    """Sellers' touches made in ``[first, end)``, with their partner as ``partner_ref``."""
    return Touch.objects.filter(
        created_at__gte=first, created_at__lt=end, manager__role__in=SELLER_ROLES
    ).annotate(partner_ref=touch_partner_id())


def reviews_with_touch() -> QuerySet[Review]:
    return Review.objects.select_related(
        "touch",
        "touch__item",
        "touch__item__order",
        "touch__item__product",
        "touch__deal",
        "touch__deal__product",
        "partner",
        "manager",
        "reviewer",
    )


def qa_reviews_pending() -> QuerySet[Review]:
    """QA's queue: reviews waiting, the oldest sample first (hand-picked ones after it)."""
    return (
        reviews_with_touch()
        .filter(status=Review.Status.PENDING)
        .order_by("sample_day", "touch__created_at", "id")
    )


def qa_reviews_done() -> QuerySet[Review]:
    """Scored reviews, the newest first."""
    return (
        reviews_with_touch()
        .filter(status=Review.Status.DONE)
        .order_by("-reviewed_at", "-id")
        .prefetch_related("answers")
    )


def qa_review_get(*, review_id: Any) -> Review:
    """One review for QA (any partner's), or :class:`NotFoundError`."""
    try:
        return reviews_with_touch().prefetch_related("answers").get(pk=review_id)
    except (Review.DoesNotExist, ValueError) as exc:
        raise NotFoundError() from exc


def qa_feedback_for(*, manager: User) -> QuerySet[Review]:
    """A manager's scored reviews (their own touches only), the newest first."""
    return (
        reviews_with_touch()
        .filter(manager=manager, status=Review.Status.DONE)
        .order_by("-reviewed_at", "-id")
        .prefetch_related("answers")
    )


def qa_feedback_unseen_count(*, manager: User) -> int:
    return Review.objects.filter(
        manager=manager, status=Review.Status.DONE, seen_at__isnull=True
    ).count()


def qa_touches_to_pick(
    *, since: dt.datetime, manager_id: Any = None, limit: int = 50
) -> QuerySet[Touch]:
    """Recent sellers' touches not under review yet, the newest first: what QA may take by
    hand. ``manager_id`` narrows to one seller."""
    touches = (
        Touch.objects.filter(
            created_at__gte=since, manager__role__in=SELLER_ROLES, qa_review__isnull=True
        )
        .select_related("manager", "item__order", "item__product", "deal", "item__partner")
        .select_related("deal__partner")
        .order_by("-created_at", "-id")
    )
    if manager_id:
        touches = touches.filter(manager_id=manager_id)
    return touches[:limit]


def qa_touch_history(*, touch: Touch, limit: int = 20) -> list[Touch]:
    """The other touches of the same deal or queue item, in order: the call's context."""
    same = Q(pk__in=[])
    if touch.deal_id:
        same |= Q(deal_id=touch.deal_id)
    if touch.item_id:
        same |= Q(item_id=touch.item_id)
    return list(
        Touch.objects.filter(same)
        .exclude(pk=touch.pk)
        .select_related("manager")
        .order_by("created_at", "id")[:limit]
    )


def qa_sellers() -> QuerySet[User]:
    return User.objects.filter(role__in=SELLER_ROLES).order_by("full_name", "email")


def qa_partners() -> QuerySet[Partner]:
    return Partner.objects.order_by("name")


@dataclass(frozen=True)
class QaScoreColumns:
    """Per-user subqueries over the reviews scored in a period, to annotate a ``User``
    query with (the statistics read them in their sellers' query, no query of their own)."""

    reviews: Subquery
    score_sum: Subquery
    scored: Subquery
    scored_any: Exists


def qa_score_columns(*, start: dt.datetime, end: dt.datetime) -> QaScoreColumns:
    """The reviews done in ``[start, end)`` (by ``reviewed_at``) of the outer user: how many,
    the sum of their scores and how many have one (a review where no item applied has none)."""
    done = Review.objects.filter(
        manager=OuterRef("pk"),
        status=Review.Status.DONE,
        reviewed_at__gte=start,
        reviewed_at__lt=end,
    )
    per_manager = done.order_by().values("manager")

    def column(aggregate: Any, field: Any) -> Subquery:
        return Subquery(per_manager.annotate(v=aggregate).values("v")[:1], output_field=field)

    return QaScoreColumns(
        reviews=column(Count("pk"), IntegerField()),
        score_sum=column(Sum("score"), DecimalField(max_digits=12, decimal_places=2)),
        scored=column(Count("score"), IntegerField()),
        scored_any=Exists(done),
    )
