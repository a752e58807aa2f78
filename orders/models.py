from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel
from salesdesk.money import MONEY_MAX
from salesdesk.tenancy import PartnerScopedQuerySet


class Order(UUIDModel):
    """An order pushed by a partner's storefront."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="orders",
    )
    product = models.ForeignKey(
        "partners.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    external_id = models.CharField(_("external id"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")

    # The buyer as crm knows them (found again by phone or email at intake). The customer_*
    # columns stay as the storefront sent them, so losing a contact loses nothing of the order.
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("buyer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    customer_name = models.CharField(_("buyer's name"), max_length=200)
    customer_email = models.EmailField(_("buyer's email"), blank=True)
    customer_phone = models.CharField(_("buyer's phone (E.164)"), max_length=20, blank=True)
    customer_telegram = models.CharField(_("buyer's Telegram"), max_length=64, blank=True)
    customer_whatsapp = models.CharField(_("buyer's WhatsApp"), max_length=20, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    due_at = models.DateTimeField(_("payment due"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("paid amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    # Whether the product fed the queue when the order was received (its sales department
    # approved and switched on, the partner not blocked). An order received while it did not
    # is never queued later: approving a product must not flood the managers with its backlog.
    sales_active_at_intake = models.BooleanField(
        _("received while the sales department was active"), default=True, db_default=True
    )
    # The storefront's https link to pay this order, offered to the buyer by the manager.
    payment_url = models.CharField(
        _("payment link"), max_length=2000, blank=True, default="", db_default=""
    )
    # The ad channel the buyer came from; it becomes the deal's source.
    source = models.CharField(
        _("ad channel"), max_length=100, blank=True, default="", db_default=""
    )
    # The intake body as first received (normalised), to tell a retry from a conflicting resend.
    intake_payload = models.JSONField(default=dict, editable=False)
    # The deal this paid order is linked to: its own deal when it is paid, or another deal of
    # the same buyer a manager linked it to (orders.services.order_link_to_deal). One deal at
    # most by construction; it counts for that deal's manager's statistics and commission
    # (not for fees). A refund does not unlink it.
    deal = models.ForeignKey(
        "crm.Deal",
        verbose_name=_("linked deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=True,
        related_name="linked_orders",
    )

    objects = PartnerScopedQuerySet["Order"].as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_id"], name="order_external_id_unique_per_partner"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) & models.Q(amount__lte=MONEY_MAX),
                name="order_amount_range",
            ),
            models.CheckConstraint(condition=models.Q(currency="RUB"), name="order_currency_rub"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "paid", "cancelled", "refunded"]),
                name="order_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__gte=models.F("created_at")),
                name="order_due_after_created",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "cancelled"])
                | models.Q(paid_at__isnull=False, paid_amount__isnull=False),
                name="order_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0)
                & (
                    models.Q(paid_amount__isnull=True, refunded_amount=0)
                    | models.Q(refunded_amount__lte=models.F("paid_amount"))
                ),
                name="order_refund_within_paid",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_amount__isnull=True) | models.Q(paid_amount__gt=0),
                name="order_paid_amount_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | models.Q(cancelled_at__isnull=False),
                name="order_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refunded")
                | models.Q(refunded_at__isnull=False, refunded_amount=models.F("paid_amount")),
                name="order_refunded_in_full",
            ),
        ]
        indexes = [
            # The grace-period sweep scans exactly these rows, oldest due first (and, with
            # the age limit, only the recent end of them).
            # The sweep walks it in (due_at, id) order, batch after batch (a keyset).
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="pending", sales_active_at_intake=True),
                name="order_due_pending_idx",
            ),
            models.Index(fields=["partner", "-created_at"], name="order_partner_created_idx"),
            models.Index(fields=["partner", "status"], name="order_partner_status_idx"),
            # The manager statistics: paid revenue of linked orders in a period.
            models.Index(
                fields=["paid_at"],
                condition=models.Q(deal__isnull=False),
                name="order_paid_linked_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.amount} {self.currency})"


class Refund(models.Model):
    """One refund the storefront reported. A resent refund is recognised as the same one by
    its ``refund_id`` or, when the storefront sends none, by its amount; the database holds
    both rules."""

    class Kind(models.TextChoices):
        PARTIAL = "partial", _("Partial")
        REST = "rest", _("Everything left")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    refund_id = models.CharField(_("refund id"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("refunded"), default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "refund_id"],
                condition=~models.Q(refund_id=""),
                name="refund_id_unique_per_order",
            ),
            models.UniqueConstraint(
                fields=["order", "amount"],
                condition=models.Q(refund_id="", kind="partial"),
                name="refund_anonymous_partial_unique_amount",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["partial", "rest"]), name="refund_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.refund_id or self.kind})"
