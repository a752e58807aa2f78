"""Quality assurance: checklists, the daily sample of touches to review, and the scores.

A checklist is the service's default (``partner`` empty) or a partner's own, which replaces
the default for that partner's touches. A review is one sampled touch (one review per touch,
unique); its answers copy the checklist item's text, so a later edit of the checklist does
not change a score already given."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel

CHECKLIST_ITEM_MAX = 200
CHECKLIST_HINT_MAX = 1000
CHECKLIST_ITEMS_MAX = 30
REVIEW_COMMENT_MAX = 5000


class ChecklistItem(UUIDModel):
    """One point QA checks on a call: the default list (``partner`` empty) or a partner's."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="qa_checklist",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("what is checked"), max_length=CHECKLIST_ITEM_MAX)
    hint = models.TextField(_("how to judge"), max_length=CHECKLIST_HINT_MAX, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["partner", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "position"],
                condition=models.Q(partner__isnull=False),
                name="qa_item_position_unique_per_partner",
            ),
            models.UniqueConstraint(
                fields=["position"],
                condition=models.Q(partner__isnull=True),
                name="qa_item_position_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Review(UUIDModel):
    """A touch picked for QA's review (the daily sample, or by hand): pending until scored.

    ``score`` is the share of «yes» among the items answered yes or no (not applicable ones
    left out), in percent with two decimals; empty while pending or when every item was «not
    applicable»."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        DONE = "done", _("Scored")

    touch = models.OneToOneField(
        "queue.Touch", verbose_name=_("touch"), on_delete=models.CASCADE, related_name="qa_review"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="qa_reviews"
    )
    # The seller whose touch it is (the touch's manager), kept for the per-manager lists.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="qa_reviews",
    )
    # The Moscow day whose sample picked it (empty: picked by hand).
    sample_day = models.DateField(_("sample of"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), max_length=REVIEW_COMMENT_MAX, blank=True)
    score = models.DecimalField(
        _("score, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    # When the manager opened the feedback (their list marks the unread ones).
    seen_at = models.DateTimeField(_("seen by the manager"), null=True, blank=True)

    class Meta:
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "done"]), name="qa_review_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | models.Q(reviewed_at__isnull=False, reviewer__isnull=False),
                name="qa_review_done_has_reviewer",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (models.Q(score__gte=0) & models.Q(score__lte=100)),
                name="qa_review_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="qa_review_queue_idx"),
            models.Index(fields=["manager", "-reviewed_at"], name="qa_review_manager_idx"),
            models.Index(fields=["sample_day", "manager"], name="qa_review_sample_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.touch_id}: {self.status}"


class Answer(models.Model):
    """One checklist item's answer in a review."""

    class Value(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("what is checked"), max_length=CHECKLIST_ITEM_MAX)
    value = models.CharField(_("answer"), max_length=3, choices=Value.choices)
    comment = models.TextField(_("comment"), max_length=REVIEW_COMMENT_MAX, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="qa_answer_one_per_item"),
            models.CheckConstraint(
                condition=models.Q(value__in=["yes", "no", "na"]), name="qa_answer_value_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.value}"
