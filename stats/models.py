from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommissionRate(models.Model):
    """A manager's commission rate, set by the head: this percent of the paid revenue of the
    manager's deals. A manager without a row earns ``settings.SALES_COMMISSION_PERCENT``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.CASCADE,
        related_name="commission_rate",
    )
    percent = models.DecimalField(_("commission, %"), max_digits=5, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=Decimal("0"))
                & models.Q(percent__lte=Decimal("100")),
                name="commission_rate_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.percent}%"


class HeadDigest(models.Model):
    """A head's daily digest, written once per head and day (stats.digest): the row is the
    claim a second run of the same day finds taken."""

    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head of sales"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["head", "day"], name="head_digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.head_id} {self.day}"
