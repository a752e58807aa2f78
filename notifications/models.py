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
        # Backends in notifications.channels; who gets which in NotificationPreference.
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("In the app")
        TELEGRAM = "telegram", _("Telegram")

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
        # Quality assurance scored one of the manager's calls.
        QA_FEEDBACK = "qa_feedback", _("Call review")
        # Messages about one's login (always by email, no preference): the sign-up's
        # confirmation link, an invitation to join a team, a password reset link.
        EMAIL_CONFIRMATION = "email_confirmation", _("Email confirmation")
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")

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
    # The page the message is about (absolute, from SITE_URL), for the in-app list's link.
    url = models.CharField(_("link"), max_length=500, blank=True)
    # In-app rows only: when the user marked it read (null: unread, counted by the bell).
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed"]),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "in_app", "telegram"]),
                name="notification_channel_valid",
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
            # The bell: a user's unread in-app rows, counted every 30 s by every open page.
            models.Index(
                fields=["user"],
                condition=models.Q(channel="in_app", read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The user's in-app list, newest first.
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(channel="in_app"),
                name="notification_inbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class NotificationPreference(UUIDModel):
    """One user's choice for one kind of message on one channel. No row: the default
    (notifications.preferences.DEFAULT_ENABLED)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Notification.Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Notification.Channel.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "in_app", "telegram"]),
                name="notification_preference_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.channel}: {self.enabled}"


class TelegramLink(UUIDModel):
    """A user's Telegram chat (at most one per user), or the one-time code that will link it.

    The code is kept as its SHA-256 only; ``/start <code>`` sent to the bot before
    ``code_expires_at`` sets ``chat_id`` and clears the code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link"
    )
    chat_id = models.BigIntegerField(_("chat"), null=True, blank=True)
    code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chat_id__isnull=True) | models.Q(linked_at__isnull=False),
                name="telegram_link_linked_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(code_hash__isnull=True)
                | models.Q(code_expires_at__isnull=False),
                name="telegram_link_code_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.chat_id or '—'}"


class TelegramPollState(models.Model):
    """The one row (pk 1) keeping ``getUpdates``' offset: the next update id to ask for."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    next_update_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("Telegram polling state")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="telegram_poll_one_row")
        ]

    def __str__(self) -> str:
        return str(self.next_update_id)
