from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.policy import fee_amount
from salesdesk.models import UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class FeePolicy(models.Model):
    """The terms of the fee from ``effective_from`` on.

    A change of terms is a new row, never an edit: every ledger row points at the policy it was
    computed with, so past charges (and the refunds recomputed on them) keep their terms.
    """

    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=5)
    minimum = models.DecimalField(_("minimum fee, RUB"), max_digits=12, decimal_places=2)
    maximum = models.DecimalField(_("maximum fee, RUB"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    effective_from = models.DateTimeField(_("effective from"), unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee policy")
        verbose_name_plural = _("fee policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gt=0) & models.Q(rate__lt=1), name="fee_policy_rate_range"
            ),
            models.CheckConstraint(
                condition=models.Q(minimum__gte=0) & models.Q(maximum__gte=models.F("minimum")),
                name="fee_policy_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(currency="RUB"), name="fee_policy_currency_rub"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.rate * 100:.2f}% [{self.minimum}–{self.maximum} {self.currency}] "
            f"from {self.effective_from:%Y-%m-%d}"
        )

    @property
    def rate_percent(self) -> Decimal:
        return (self.rate * 100).normalize()

    def fee_for(self, amount: Decimal | int | str) -> Decimal:
        return fee_amount(amount, rate=self.rate, minimum=self.minimum, maximum=self.maximum)


class LedgerEntry(UUIDModel):
    """One append-only row of a partner's ledger; the sum of an order's rows is what it owes.

    The database holds the invariants: at most one fee per order, fees positive, reversals
    negative. Rows are never updated: a correction is a new row.
    """

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount, RUB"), max_digits=12, decimal_places=2)
    # What the fee was computed on: the amount paid, or after a refund the amount kept.
    base_amount = models.DecimalField(_("computed on, RUB"), max_digits=12, decimal_places=2)
    policy = models.ForeignKey(
        FeePolicy, verbose_name=_("fee policy"), on_delete=models.PROTECT, related_name="+"
    )
    # A default rather than auto_now_add: the row's own time decides its statement month, and
    # tests (and data repairs) must be able to state it.
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PartnerScopedQuerySet["LedgerEntry"].as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="fee"),
                name="ledger_one_fee_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["fee", "reversal", "adjustment"]),
                name="ledger_kind_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="fee", amount__gt=0)
                    | models.Q(kind="reversal", amount__lt=0)
                    | (models.Q(kind="adjustment") & ~models.Q(amount=0))
                ),
                name="ledger_amount_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(base_amount__gte=0), name="ledger_base_amount_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "created_at"], name="ledger_partner_created_idx"),
            models.Index(fields=["order", "created_at"], name="ledger_order_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.order_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Ledger entries are append-only; write a new row instead.")
        super().save(*args, **kwargs)


class MonthlyStatement(models.Model):
    """A partner's closed month: its totals frozen at the close and never changed after.

    Open months are not stored; they are computed from the ledger when asked.
    """

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the Moscow-time month."))
    orders_handled = models.PositiveIntegerField(_("orders handled"))
    paid = models.DecimalField(_("paid revenue, RUB"), max_digits=14, decimal_places=2)
    fees = models.DecimalField(_("fees, RUB"), max_digits=14, decimal_places=2)
    reversals = models.DecimalField(_("reversals, RUB"), max_digits=14, decimal_places=2)
    adjustments = models.DecimalField(_("adjustments, RUB"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total, RUB"), max_digits=14, decimal_places=2)
    closed_at = models.DateTimeField(_("closed"), default=timezone.now)

    objects = PartnerScopedQuerySet["MonthlyStatement"].as_manager()

    class Meta:
        verbose_name = _("monthly statement")
        verbose_name_plural = _("monthly statements")
        ordering = ["-month", "partner"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "month"], name="statement_one_per_partner_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.month:%Y-%m}"
