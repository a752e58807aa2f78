from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesdesk.models import TimeStampedModel, UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class Partner(UUIDModel, TimeStampedModel):
    """An online school or store that uses the sales department (the tenant)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    block_reason = models.TextField(_("block reason"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "blocked"]), name="partner_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_blocked(self) -> bool:
        return self.status == self.Status.BLOCKED


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")


ALL_CHANNELS = [c.value for c in Channel]
GRACE_MAX_MINUTES = 10_080  # one week


def default_channels() -> list[str]:
    return list(ALL_CHANNELS)


class SalesStatus(models.TextChoices):
    """The product's sales-department status as partners and the API see it."""

    OFF = "off", _("Off")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CALL_BOOKED = "call_booked", _("Call booked")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    BLOCKED = "blocked", _("Blocked")


# The stored workflow status never says "off": being off is the `sales_enabled` flag, so a
# product switched off and on again keeps its approval.
WORKFLOW_STATUSES = [
    SalesStatus.DRAFT,
    SalesStatus.SUBMITTED,
    SalesStatus.CALL_BOOKED,
    SalesStatus.APPROVED,
    SalesStatus.REFUSED,
    SalesStatus.BLOCKED,
]


class RefusalReason(models.TextChoices):
    MISSING_INFO = "missing_info", _("Information is missing")
    INCONSISTENT_INFO = "inconsistent_info", _("Information is inconsistent")
    UNACCEPTABLE_PRICE = "unacceptable_price", _("Unacceptable price")
    SECURITY_BLOCK = "security_block", _("Security block")
    PARTNER_UNREACHABLE = "partner_unreachable", _("Partner unreachable")
    OTHER = "other", _("Other")


# Why a status changed, besides the head's refusal reasons (written by the services).
AUDIT_REASONS = {
    "enabled": _("Sales department switched on"),
    "disabled": _("Sales department switched off"),
    "call_cancelled": _("Alignment call cancelled"),
    "call_held": _("Alignment call held"),
    "adhoc_call": _("Ad-hoc alignment call, notes given with the approval"),
    "unblocked": _("Block lifted"),
}


class Product(UUIDModel, TimeStampedModel):
    """A partner's product, with its sales-department settings."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(_("name"), max_length=200)
    price = models.DecimalField(_("price, RUB"), max_digits=12, decimal_places=2)
    external_id = models.CharField(_("external id"), max_length=200, blank=True, default="")

    sales_enabled = models.BooleanField(_("sales department enabled"), default=False)
    grace_period_minutes = models.PositiveIntegerField(_("grace period, minutes"), default=60)
    channels = models.JSONField(_("allowed channels"), default=default_channels)
    # Offered first in the workspace; one of ``channels`` or empty.
    priority_channel = models.CharField(
        _("priority channel"), max_length=16, choices=Channel.choices, blank=True, default=""
    )
    sales_status = models.CharField(
        _("sales department status"),
        max_length=16,
        choices=[(s.value, s.label) for s in WORKFLOW_STATUSES],
        default=SalesStatus.DRAFT,
    )
    # Where an unblock returns to.
    status_before_block = models.CharField(max_length=16, blank=True)
    refusal_reason = models.CharField(
        _("refusal reason"), max_length=32, choices=RefusalReason.choices, blank=True
    )
    refusal_comment = models.TextField(_("refusal comment"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    objects = PartnerScopedQuerySet["Product"].as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_id"],
                condition=~models.Q(external_id=""),
                name="product_external_id_unique_per_partner",
            ),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=models.Q(grace_period_minutes__gte=0)
                & models.Q(grace_period_minutes__lte=GRACE_MAX_MINUTES),
                name="product_grace_period_range",
            ),
            models.CheckConstraint(
                condition=models.Q(sales_status__in=[s.value for s in WORKFLOW_STATUSES]),
                name="product_sales_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "sales_status"]),
            # The API lists a partner's products newest first (cursor pagination).
            models.Index(fields=["partner", "-created_at"], name="product_partner_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_sales_status(self) -> str:
        """What the partner and the API see: blocked beats off beats the workflow status."""
        if self.sales_status == SalesStatus.BLOCKED or self.partner.is_blocked:
            return SalesStatus.BLOCKED
        if not self.sales_enabled:
            return SalesStatus.OFF
        return self.sales_status

    @property
    def feeds_queue(self) -> bool:
        return (
            self.sales_enabled
            and self.sales_status == SalesStatus.APPROVED
            and not self.partner.is_blocked
        )


class Questionnaire(TimeStampedModel):
    """The partner's briefing (анкета) for the managers who will sell the product."""

    REQUIRED_FIELDS = (
        "project_description",
        "product_description",
        "audience",
        "price_and_payment",
        "faq",
        "objections",
        "urgent_contact",
    )
    TEXT_FIELDS = (
        "project_description",
        "product_description",
        "audience",
        "price_and_payment",
        "start_dates",
        "course_content",
        "faq",
        "objections",
        "platform_terms",
        "access_problems",
        "urgent_contact",
    )

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="questionnaire"
    )
    project_description = models.TextField(_("about the project"), blank=True)
    product_description = models.TextField(_("about the product"), blank=True)
    audience = models.TextField(_("audience"), blank=True)
    price_and_payment = models.TextField(_("price and payment options"), blank=True)
    start_dates = models.TextField(_("course start dates"), blank=True)
    course_content = models.TextField(_("course content"), blank=True)
    faq = models.TextField(_("FAQ"), blank=True)
    objections = models.TextField(_("typical objections and answers"), blank=True)
    platform_terms = models.TextField(_("platform terms"), blank=True)
    access_problems = models.TextField(_("known access problems"), blank=True)
    urgent_contact = models.TextField(
        _("contact for urgent questions in working hours"), blank=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.product}"

    def answers(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.TEXT_FIELDS}


class QuestionnaireVersion(models.Model):
    """A frozen copy of the answers: at each submission, approval and change after approval."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        CHANGED = "changed", _("Changed after approval")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    answers = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "number"], name="questionnaire_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.number}"


class AlignmentSlot(UUIDModel):
    """A time the head of sales offers for an alignment call with a partner."""

    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), default=30)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head of sales"),
        on_delete=models.PROTECT,
        related_name="alignment_slots",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alignment call slot")
        verbose_name_plural = _("alignment call slots")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5) & models.Q(duration_minutes__lte=240),
                name="alignment_slot_duration_range",
            ),
            models.UniqueConstraint(
                fields=["head", "starts_at"],
                condition=models.Q(cancelled_at__isnull=True),
                name="alignment_slot_unique_per_head_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class CallBooking(UUIDModel):
    """A partner's booking of a slot, covering one or more of its submitted products."""

    slot = models.ForeignKey(AlignmentSlot, on_delete=models.PROTECT, related_name="bookings")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="call_bookings")
    products = models.ManyToManyField(Product, related_name="call_bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The head of sales records the call as held, with notes (the oral agreement): what
    # product approval requires. A held call is never cancelled.
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("call notes"), blank=True, default="")
    # When the reminders to the partner were written (partners.reminders): each once.
    day_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    hour_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PartnerScopedQuerySet["CallBooking"].as_manager()

    class Meta:
        verbose_name = _("call booking")
        verbose_name_plural = _("call bookings")
        ordering = ["-created_at"]
        constraints = [
            # A slot holds at most one live booking: the database refuses the second.
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(cancelled_at__isnull=True),
                name="call_booking_one_live_per_slot",
            ),
            # Held and its notes come together: no held call without notes, no notes on a
            # call not held.
            models.CheckConstraint(
                condition=(models.Q(held_at__isnull=True) & models.Q(notes=""))
                | (models.Q(held_at__isnull=False) & ~models.Q(notes="")),
                name="call_booking_held_with_notes",
            ),
            models.CheckConstraint(
                condition=models.Q(held_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="call_booking_held_not_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="call_booking_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} @ {self.slot}"


# The stored "who" (``StatusChange.actor_label``) of a change nobody made by hand; the pages
# show it in words.
SYSTEM_ACTOR = "system"


class StatusChange(models.Model):
    """Audit trail of sales-department and partner status changes: who, when, from, to, why."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="status_changes")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="status_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Set when the partner has been emailed about this change (claimed once).
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = PartnerScopedQuerySet["StatusChange"].as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A product's history, newest first.
            models.Index(fields=["product", "-created_at"], name="status_change_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"

    @staticmethod
    def _label(status: str) -> str:
        labels = {**dict(SalesStatus.choices), **dict(Partner.Status.choices)}
        return str(labels.get(status, status))

    @property
    def from_label(self) -> str:
        return self._label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)

    @property
    def reason_label(self) -> str:
        labels = {**dict(RefusalReason.choices), **AUDIT_REASONS}
        return str(labels.get(self.reason, self.reason))
