"""The deal pipeline. This first cut holds what the queue needs: a deal opened when a manager
takes an item. Stages, tasks, lead lists and settings arrive with the CRM issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class Deal(UUIDModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        # Closed without a sale or a loss: the order was cancelled, paid within its grace
        # period, or its product was switched off or blocked. Counts neither way in statistics.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="deals")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    queue_item = models.OneToOneField(
        "queue.QueueItem", on_delete=models.CASCADE, null=True, blank=True, related_name="deal"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    product = models.ForeignKey(
        "partners.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_telegram = models.CharField(_("Telegram"), max_length=64, blank=True)
    contact_whatsapp = models.CharField(_("WhatsApp"), max_length=20, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    lead_created_at = models.DateTimeField(_("lead or order created"))
    created_at = models.DateTimeField(_("deal created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = PartnerScopedQuerySet["Deal"].as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="deal_partner_created_idx"),
            models.Index(fields=["responsible", "status"], name="deal_responsible_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# Stale-deal reminder interval, minutes: a quarter of an hour to 30 days.
STALE_AFTER_MIN_MINUTES = 15
STALE_AFTER_MAX_MINUTES = 30 * 24 * 60
STALE_AFTER_DEFAULT_MINUTES = 24 * 60
REMINDER_EMAILS_MAX = 10


class DealSettings(models.Model):
    """A partner's deal settings: whether and when to remind by email about deals that have not
    changed (the reminders themselves are sent by the notifications app). One row per partner,
    created with the defaults the first time it is read."""

    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.CASCADE, related_name="deal_settings"
    )
    stale_reminder_enabled = models.BooleanField(_("remind about stale deals"), default=False)
    stale_after_minutes = models.PositiveIntegerField(
        _("a deal is stale after, minutes"), default=STALE_AFTER_DEFAULT_MINUTES
    )
    # A JSON list (not an ArrayField) so the SQLite test run stores it too; the service keeps
    # it valid: lowercased, deduplicated, at most REMINDER_EMAILS_MAX addresses.
    reminder_emails = models.JSONField(_("reminder emails"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PartnerScopedQuerySet["DealSettings"].as_manager()

    class Meta:
        verbose_name = _("deal settings")
        verbose_name_plural = _("deal settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    stale_after_minutes__gte=STALE_AFTER_MIN_MINUTES,
                    stale_after_minutes__lte=STALE_AFTER_MAX_MINUTES,
                ),
                name="deal_settings_stale_after_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.partner)
