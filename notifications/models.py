"""The outbox: one row per logical message, written in the transaction of the event that
causes it and delivered by a Celery task (notifications.tasks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel


class Notification(UUIDModel):
    class Channel(models.TextChoices):
        # Only email so far; an in-app bell and Telegram plug in as further channels
        # (notifications.channels).
        EMAIL = "email", _("Email")

    class Kind(models.TextChoices):
        PARTNER_DECISION = "partner_decision", _("Decision of the head of sales")
        STALE_DEAL = "stale_deal", _("Stale deal reminder")
        NEW_APPLICATION = "new_application", _("New application")
        CALL_BOOKED = "call_booked", _("Alignment call booked")
        CALL_REMINDER = "call_reminder", _("Alignment call reminder")
        NEW_TASK = "new_task", _("New task")
        CALLBACK_DUE = "callback_due", _("Callback due")
        RESPONSE_BREACH = "response_breach", _("Orders waiting too long")
        HEAD_DIGEST = "head_digest", _("Daily digest")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    # One logical message, e.g. ``decision:<status change>:<address>``: writing it again is a
    # no-op, so an event handled twice, or two workers racing, never send twice.
    key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    # Tries started so far (a claim counts one, before sending).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Pending: not to be tried before this. Sending: the claim's deadline; a row still sending
    # after it belonged to a worker that died, and the periodic job takes it back.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed"]),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email"]), name="notification_channel_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The periodic job: due rows of the unfinished statuses.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="notification_due_idx",
            ),
            # The head's page: failed and pending ones, newest first.
            models.Index(fields=["status", "-created_at"], name="notification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
