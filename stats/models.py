from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
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


class RollupDay(models.Model):
    """A Moscow day whose figures are in :class:`ManagerDay` / :class:`ManagerDayCount`
    (rolled up by ``stats.rollup`` once the day ended; see its docstring)."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")

    def __str__(self) -> str:
        return str(self.day)


class ManagerDay(models.Model):
    """One manager's countable figures over one rolled-up Moscow day (``stats.managers``
    defines each); the medians' histograms and the losses by reason are in
    :class:`ManagerDayCount`."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    taken = models.PositiveIntegerField(default=0)
    touches = models.PositiveIntegerField(default=0)
    deals_opened = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    fees = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "manager"], name="manager_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.day}"


class ManagerDayCount(models.Model):
    """A keyed count of one manager's rolled-up day: ``lost`` by reason (``key``: the reason),
    and the medians' histograms, ``first_touch`` and ``deal_after`` (``key``: the bucket's
    number, see ``stats.histogram``)."""

    class Kind(models.TextChoices):
        LOST = "lost"
        FIRST_TOUCH = "first_touch"
        DEAL_AFTER = "deal_after"

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=64)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "manager", "kind", "key"], name="manager_day_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.day} {self.kind} {self.key}: {self.n}"


class DirtyDay(models.Model):
    """An append-only log of past Moscow days whose source rows changed (written by the
    database triggers of migration 0003): such a day is read live until the next rollup run
    recomputes it and deletes exactly the rows it read. No unique key, so writers never wait
    on each other here."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["day"], name="stats_dirty_day_idx")]

    def __str__(self) -> str:
        return str(self.day)


class RollupMonth(models.Model):
    """A calendar month (its first day) whose :class:`ManagerMonthCount` rows are built: the
    sums of its days' :class:`ManagerDayCount` rows, built once every day of it is rolled up
    and dropped whenever one of its days is recomputed (so a year's histograms are read from
    twelve months' rows, not 365 days')."""

    month = models.DateField(primary_key=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rolled-up month")
        verbose_name_plural = _("rolled-up months")

    def __str__(self) -> str:
        return str(self.month)


class ManagerMonthCount(models.Model):
    """:class:`ManagerDayCount` summed over a rolled-up month (see :class:`RollupMonth`)."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    kind = models.CharField(max_length=16, choices=ManagerDayCount.Kind.choices)
    key = models.CharField(max_length=64)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "manager", "kind", "key"], name="manager_month_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.month} {self.kind} {self.key}: {self.n}"
