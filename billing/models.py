from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.policy import DEFAULT_ATTRIBUTION_DAYS, fee_amount
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
    # A payment after the item closed (lost, or withdrawn after a manager's take) still counts
    # as the sales department's work for this many days after the close.
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window, days"), default=DEFAULT_ATTRIBUTION_DAYS
    )
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

    @property
    def attribution_window(self) -> dt.timedelta:
        return dt.timedelta(days=self.attribution_days)

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
            # The manager statistics: every partner's ledger rows of a period.
            models.Index(fields=["created_at"], name="ledger_created_idx"),
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


class PaymentRecord(models.Model):
    """What billing saw when the storefront reported an order's payment: when it was paid, when
    the report arrived, the amounts, the sales department's state then, and the verdict on the
    fee. One row per order, written once with the payment and never changed.

    It is the trail behind a fee (or its absence) and the source of the head's under-reporting
    signals: a payment reported long after its ``paid_at`` while a manager worked the order, a
    payment below the order's amount.
    """

    class Verdict(models.TextChoices):
        WORKED = "worked", _("Fee: a manager had taken the order before it was paid")
        LATE_WIN = "late_win", _("Fee: paid within the attribution window after the item closed")
        NOT_IN_SALES = "not_in_sales", _("No fee: the order never entered the sales department")
        WITHIN_GRACE = "paid_within_grace", _("No fee: paid within the grace period")
        BEFORE_WORK = "paid_before_work", _("No fee: paid before a manager took the order")
        OUTSIDE_WINDOW = (
            "outside_window",
            _("No fee: paid after the attribution window of the closed item"),
        )

    OWED = (Verdict.WORKED, Verdict.LATE_WIN)

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="payment_records",
    )
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="payment_record",
    )
    paid_at = models.DateTimeField(_("paid (as reported)"))
    recorded_at = models.DateTimeField(_("payment recorded"), default=timezone.now)
    order_amount = models.DecimalField(_("order amount, RUB"), max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(
        _("amount reported paid, RUB"), max_digits=12, decimal_places=2
    )
    # The item as the payment found it: when a manager took it, when it closed (if it had).
    item_taken_at = models.DateTimeField(_("taken by a manager"), null=True, blank=True)
    item_closed_at = models.DateTimeField(
        _("item closed before the payment"), null=True, blank=True
    )
    verdict = models.CharField(_("verdict"), max_length=24, choices=Verdict.choices)

    objects = PartnerScopedQuerySet["PaymentRecord"].as_manager()

    class Meta:
        verbose_name = _("payment record")
        verbose_name_plural = _("payment records")
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["partner", "recorded_at"], name="payrec_partner_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.verdict}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Payment records are written once; they are never changed.")
        super().save(*args, **kwargs)

    @property
    def fee_owed(self) -> bool:
        return self.verdict in self.OWED
