from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import DealLostReason
from salesdesk.models import UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class QueueItem(UUIDModel):
    """A unit of the sales department's work: an unpaid order or a lead.

    ``queued`` items wait in line from ``available_at``; ``active`` is held by one manager;
    ``scheduled`` is a callback pinned to its manager, due at ``available_at``; ``done`` and
    ``withdrawn`` are closed. The database guarantees one item per order and at most one
    active item per manager.
    """

    class Source(models.TextChoices):
        ORDER = "order", _("Order")
        LEAD = "lead", _("Lead")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ACTIVE = "active", _("Active")
        SCHEDULED = "scheduled", _("Callback scheduled")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        WON = "won", _("Won (paid)")
        LOST = "lost", _("Lost")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.QUEUED, State.ACTIVE, State.SCHEDULED)

    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ORDER)
    # Not indexed alone: queue_partner_state_idx and queue_product_state_idx lead with them
    # (a take rewrites every index of the row it claims).
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="queue_items", db_index=False
    )
    product = models.ForeignKey(
        "partners.Product", on_delete=models.CASCADE, related_name="queue_items", db_index=False
    )
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="queue_item",
    )
    # A lead's item: the lead it came from (``source`` is ``lead``, no order).
    lead = models.OneToOneField(
        "crm.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="queue_item",
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    entered_at = models.DateTimeField(_("entered the queue"), default=timezone.now)
    available_at = models.DateTimeField(_("available from"), default=timezone.now)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queue_items",
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("unanswered attempts"), default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=32, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The callback time (``available_at``) its manager was last told has come
    # (sales_queue.alerts): each callback is announced once.
    callback_alerted_for = models.DateTimeField(null=True, blank=True, editable=False)
    # Whether the item's product still feeds the queue (switched on, approved, partner active):
    # kept on the item so that take-next reads one table. Set when the item enters the queue
    # (sweep, requeue) and rewritten in the transaction that switches, blocks or unblocks its
    # product or partner (sales_queue.services.supply, queue_items_sync_workable).
    workable = models.BooleanField(default=True, editable=False)
    # The fair-sharing sort key (sales_queue.fairness): take-next serves the smallest key first,
    # then the oldest ``available_at``. Per partner the keys follow due order; a partner whose
    # items join a long line starts at the line's head, not at its end.
    fair_key = models.BigIntegerField(default=0, editable=False)
    # Handed over by a caller (touch outcome ``qualified``, team mode split): the item waits in
    # the closers' pool, which closers take before the rest of the line. Cleared when a closer
    # takes it.
    warm = models.BooleanField(_("warm (qualified)"), default=False, db_default=False)
    # A lead marked cold (imported lists): trainees take these first.
    cold = models.BooleanField(_("cold"), default=False, db_default=False)

    objects = PartnerScopedQuerySet["QueueItem"].as_manager()

    class Meta:
        verbose_name = _("queue item")
        verbose_name_plural = _("queue items")
        ordering = ["available_at", "entered_at"]
        constraints = [
            # Never may a manager hold two active items.
            models.UniqueConstraint(
                fields=["holder"],
                condition=models.Q(state="active"),
                name="queue_one_active_item_per_manager",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["queued", "active", "scheduled", "done", "withdrawn"]
                ),
                name="queue_item_state_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state__in=["active", "scheduled"], holder__isnull=False)
                    | models.Q(state="queued", holder__isnull=True)
                    | models.Q(state__in=["done", "withdrawn"])
                ),
                name="queue_item_holder_matches_state",
            ),
            models.CheckConstraint(
                condition=models.Q(source="lead") | models.Q(order__isnull=False),
                name="queue_item_order_source_has_order",
            ),
            # An item comes from an order or from a lead, never both.
            models.CheckConstraint(
                condition=(
                    models.Q(source="order", lead__isnull=True)
                    | models.Q(source="lead", lead__isnull=False, order__isnull=True)
                ),
                name="queue_item_lead_source_has_lead",
            ),
        ]
        indexes = [
            # Take-next: the next workable queued item in fair order. Matches the claim's WHERE
            # and ORDER BY exactly, so the claim is one scan of this index whatever the planner
            # knows of the table (a million closed items are not in it).
            models.Index(
                fields=["fair_key", "available_at", "id"],
                condition=models.Q(state="queued", workable=True, warm=False),
                name="queue_take_idx",
            ),
            # The closers' pool (team mode split): warm items, first handed over first.
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(state="queued", workable=True, warm=True),
                name="queue_warm_idx",
            ),
            # A trainee's line: leads only, cold ones first, then the fair order.
            models.Index(
                models.F("cold").desc(),
                models.F("fair_key"),
                models.F("available_at"),
                models.F("id"),
                condition=models.Q(state="queued", workable=True, warm=False, source="lead"),
                name="queue_trainee_idx",
            ),
            # A partner's last key in line (sales_queue.fairness): the end of its own line.
            models.Index(
                fields=["partner", "fair_key"],
                condition=models.Q(state="queued"),
                name="queue_partner_key_idx",
            ),
            # A manager's own due callbacks come first.
            models.Index(
                fields=["holder", "available_at", "id"],
                condition=models.Q(state="scheduled"),
                name="queue_callbacks_idx",
            ),
            models.Index(fields=["partner", "state"], name="queue_partner_state_idx"),
            models.Index(fields=["product", "state"], name="queue_product_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.order_id or self.lead_id or self.pk} [{self.state}]"


class Outcome(models.TextChoices):
    """What a manager reports after contacting the buyer (``paid`` arrives by itself)."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    CALLBACK = "callback", _("Call back later")
    REFUSED = "refused", _("Refused")
    # Team mode split: the caller warmed the buyer up and hands the deal to the closers.
    QUALIFIED = "qualified", _("Qualified: hand over to a closer")


# Why an item (and its deal) was lost: one list, defined by crm, the floor below, where the
# deal's lost stage records it too. ``unreachable`` is set by the system, not by a manager.
LostReason = DealLostReason


class Touch(models.Model):
    """One contact attempt with the buyer: on a queue item by the manager holding it, or on a
    deal without a held item (a lead's deal, a deal whose item is closed or back in the queue).

    A queue touch carries its deal too when the item has one, so a deal's chronology is read by
    ``deal`` alone. ``item`` is empty for a touch logged on the deal outside the queue."""

    # Item and manager are not indexed alone: touch_item_created_idx and
    # touch_manager_created_idx lead with them.
    item = models.ForeignKey(
        QueueItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touches",
        db_index=False,
    )
    # Indexed together with ``created_at`` below (the chronology), not on its own.
    deal = models.ForeignKey(
        "crm.Deal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touches",
        db_index=False,
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="touches", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=LostReason.choices, blank=True)
    # A call recording (https only), played on quality assurance's review page.
    recording_url = models.URLField(_("call recording"), max_length=1000, blank=True, db_default="")
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item", "created_at"], name="touch_item_created_idx"),
            models.Index(fields=["manager", "created_at"], name="touch_manager_created_idx"),
            models.Index(fields=["deal", "created_at"], name="touch_deal_created_idx"),
            # The manager statistics: every manager's touches of a period.
            models.Index(fields=["created_at"], name="touch_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["phone", "whatsapp", "telegram", "email"]),
                name="touch_channel_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="callback") | models.Q(callback_at__isnull=False),
                name="touch_callback_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(item__isnull=False) | models.Q(deal__isnull=False),
                name="touch_item_or_deal",
            ),
            models.CheckConstraint(
                condition=models.Q(recording_url="")
                | models.Q(recording_url__startswith="https://"),
                name="touch_recording_https",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.outcome}"


class QueueEvent(models.Model):
    """The log of what happened to an item: taken, released (by hand or automatically),
    reassigned, closed. Statistics and the order timeline read it."""

    class Kind(models.TextChoices):
        ENTERED = "entered", _("Entered the queue")
        TAKEN = "taken", _("Taken")
        RELEASED = "released", _("Released")
        AUTO_RELEASED = "auto_released", _("Returned to the queue (untouched)")
        REASSIGNED = "reassigned", _("Reassigned")
        RETRY = "retry", _("Back to the queue after no answer")
        CALLBACK = "callback", _("Callback scheduled")
        HANDED_OVER = "handed_over", _("Handed over to the closers")
        CLOSED = "closed", _("Closed")

    # queue_event_item_idx (item, created_at) leads with it.
    item = models.ForeignKey(
        QueueItem, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The manager concerned (who took it, whose item it was)."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # For a take: when the taker first touched the item at or after it (the statistics'
    # first-touch delay), kept by the touch service so no statistic has to look it up per take.
    first_touch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("queue event")
        verbose_name_plural = _("queue events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item", "created_at"], name="queue_event_item_idx"),
            models.Index(fields=["kind", "created_at"], name="queue_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id}"


class ResponseBreachAlert(models.Model):
    """One alert to the heads about orders waiting too long, per 15-minute bucket: the row is
    the claim (its unique bucket refuses a second run), written with the alerts."""

    bucket = models.DateTimeField(_("period start"), unique=True)
    waiting = models.PositiveIntegerField(_("orders waiting too long"))
    oldest_since = models.DateTimeField(_("the oldest waits since"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("response-time alert")
        verbose_name_plural = _("response-time alerts")

    def __str__(self) -> str:
        return f"{self.bucket:%Y-%m-%d %H:%M}: {self.waiting}"


def takeable(now: object) -> models.Q:
    """What take-next may hand out at ``now``: queued, its time come, its product feeding
    (``workable``, kept on the item). The one rule take-next, the head's queue page and the
    response-time alert share."""
    return models.Q(state=QueueItem.State.QUEUED, available_at__lte=now, workable=True)
