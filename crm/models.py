"""The CRM: contacts (a partner's buyers), deals on a per-partner funnel of stages with their
history, the tasks every change of a deal writes, deal settings and touch scripts. Only
:mod:`crm.services` writes these tables."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OrderBy, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class Contact(UUIDModel):
    """A buyer of one partner, found again by normalised phone (E.164) or lower-cased email.

    The database keeps one contact per partner and phone, and one per partner and email (partial
    unique constraints on the non-empty values), so two concurrent intakes of one buyer cannot
    make two contacts: see :func:`crm.services.contact_find_or_create`.
    """

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    telegram = models.CharField(_("Telegram"), max_length=64, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=20, blank=True)
    # Team mode split: after a won deal the buyer goes to an account manager (round robin),
    # who keeps the client from then on (their portfolio).
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portfolio",
    )
    account_manager_since = models.DateTimeField(
        _("with the account manager since"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedQuerySet["Contact"].as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "phone"],
                condition=~models.Q(phone=""),
                name="contact_phone_unique_per_partner",
            ),
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=~models.Q(email=""),
                name="contact_email_unique_per_partner",
            ),
            # Matching is on the stored form: an email in capitals would be a second buyer.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="contact_email_lowercase",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="contact_partner_created_idx"),
            models.Index(
                fields=["account_manager", "-account_manager_since"],
                condition=models.Q(account_manager__isnull=False),
                name="contact_portfolio_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _next_step_first() -> Case:
    return Case(When(status="open", then=F("next_step_at")), default=None)


def deal_list_order() -> list[OrderBy]:
    """How the deal lists sort: open deals by their next step (the earliest, so the overdue,
    first), then the closed ones, last change first. ``deal_my_deals_idx`` indexes exactly
    these expressions after the responsible, so a seller's page is read from the index."""
    return [_next_step_first().asc(nulls_last=True), F("updated_at").desc(), F("id").desc()]


class Deal(UUIDModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        # Closed without a sale or a loss: the order was cancelled, paid within its grace
        # period, or its product was switched off or blocked. Counts neither way in statistics.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Not indexed alone: the composite indexes below lead with the partner and with the
    # responsible (each write of a deal maintains every index; a take writes one).
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="deals", db_index=False
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
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
    # Starts as the touch script's steps (see crm.services.deal_open); the manager edits it.
    description = models.TextField(_("description"), max_length=10000, blank=True)
    # The buyer, found again across orders; the contact_* columns keep what the order said.
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
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
    # Why a lost deal was lost (one of DealLostReason; empty otherwise), kept by the services
    # that close and reopen deals, so statistics group losses without looking each one up.
    lost_reason = models.CharField(_("lost reason"), max_length=32, blank=True)
    # Nullable only so the migration could fill it for deals opened before stages existed;
    # every service sets it.
    stage = models.ForeignKey(
        "crm.Stage",
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        db_index=False,  # deal_stage_updated_idx leads with it
    )
    # What the seller does next and when: every open deal has one (the first is set when the
    # deal opens); «Мои сделки» sorts by it.
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_at = models.DateTimeField(_("next step at"), null=True, blank=True)
    # The last touch with the buyer (kept by crm.services.deal_touch_recorded).
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True)
    # The stale period last reminded of, named by the ``updated_at`` it started from
    # (crm.reminders): a change moves ``updated_at`` on and so starts a new period.
    stale_reminded_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PartnerScopedQuerySet["Deal"].as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="deal_partner_created_idx"),
            # The manager statistics: deals opened and deals closed in a period.
            models.Index(fields=["created_at"], name="deal_created_at_idx"),
            models.Index(
                fields=["closed_at"],
                condition=models.Q(closed_at__isnull=False),
                name="deal_closed_at_idx",
            ),
            # The deal lists: a manager's own, a partner's, by stage; newest change first.
            models.Index(fields=["responsible", "-updated_at"], name="deal_responsible_upd_idx"),
            models.Index(fields=["partner", "-updated_at"], name="deal_partner_updated_idx"),
            models.Index(fields=["stage", "-updated_at"], name="deal_stage_updated_idx"),
            # Stale-deal reminders: open deals by their last change.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status="open"),
                name="deal_open_updated_idx",
            ),
            # The board: a seller's open deals by their next step.
            models.Index(
                fields=["responsible", "status", "next_step_at"], name="deal_resp_next_step_idx"
            ),
            # «Мои сделки»: a seller's deals in the lists' order (deal_list_order). PostgreSQL
            # sorts ASC with NULLS LAST by default, so this is the lists' order there; SQLite
            # cannot spell NULLS LAST in an index.
            models.Index(
                F("responsible"),
                _next_step_first().asc(),
                F("updated_at").desc(),
                F("id").desc(),
                name="deal_my_deals_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Stage(UUIDModel):
    """One step of a partner's deal funnel. ``open`` stages are ordered by ``position``; the
    ``won`` and ``lost`` stages are terminal (one of each per partner, always after the open
    ones), cannot be deleted or turned into open ones."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    TERMINAL = (Kind.WON, Kind.LOST)

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OPEN)

    objects = PartnerScopedQuerySet["Stage"].as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["partner", "position"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="stage_partner_name_unique"),
            # One won and one lost stage per partner: the queue's payment and refusal land there.
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=~models.Q(kind="open"),
                name="stage_one_terminal_of_each_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["open", "won", "lost"]), name="stage_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_terminal(self) -> bool:
        return self.kind in self.TERMINAL


class DealLostReason(models.TextChoices):
    """Why a deal was lost — also the queue's refusal reasons (``sales_queue.models.LostReason``
    is this class: one list for the item and its deal)."""

    NOT_INTERESTED = "not_interested", _("Not interested")
    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    NO_TIME = "no_time", _("No time")
    BOUGHT_ELSEWHERE = "bought_elsewhere", _("Bought elsewhere")
    OTHER = "other", _("Other")
    UNREACHABLE = "unreachable", _("Unreachable")


class StageChange(models.Model):
    """A deal moved from one stage to another: by a person (``actor``) or by the queue
    (``actor`` empty: taken, paid, refused). The deal's stage history and every funnel figure
    are computed from these rows."""

    # stage_change_deal_idx (deal, created_at) leads with it.
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=DealLostReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["deal", "created_at"], name="stage_change_deal_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


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


class Task(UUIDModel):
    """Something for the responsible employee to look at: written by a crm service in the
    transaction of each creation or change of a deal (one row per change). ``kind`` types the
    change; ``text`` is the change in words, rendered in the site's language when the task is
    written (so it reads the same later, whatever the stage is renamed to)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Deal opened")
        REOPENED = "reopened", _("Deal reopened")
        RESPONSIBLE_CHANGED = "responsible_changed", _("Responsible changed")
        STAGE_CHANGED = "stage_changed", _("Stage changed")
        TOUCH = "touch", _("Touch")
        CALLBACK = "callback", _("Callback")
        WON = "won", _("Won")
        WON_LATE = "won_late", _("Won after closing")
        LOST = "lost", _("Lost")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        NEXT_STEP = "next_step", _("Next step")
        FIELD_CHANGED = "field_changed", _("Field changed")
        ORDER_LINKED = "order_linked", _("Paid order linked")
        # Team mode split: the account manager's follow-up with a buyer after a won deal.
        FOLLOW_UP = "follow_up", _("Follow-up with a client")

    # Partner and assignee are not indexed alone: task_partner_created_idx and
    # task_assignee_idx lead with them.
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="crm_tasks",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=500)
    due_at = models.DateTimeField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PartnerScopedQuerySet["Task"].as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A manager's list (open / done, newest first) and the monitor's counts per manager.
            models.Index(fields=["assignee", "done_at", "created_at"], name="task_assignee_idx"),
            models.Index(fields=["partner", "-created_at"], name="task_partner_created_idx"),
            # The manager statistics: open (and overdue) tasks per manager.
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="task_open_assignee_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def done(self) -> bool:
        return self.done_at is not None


# Touch scripts: what a manager says, step by step. Limits the cabinet and the services keep.
SCRIPT_STEP_TITLE_MAX = 120
SCRIPT_STEP_TEXT_MAX = 4000
SCRIPT_STEPS_MAX = 30


class TouchScript(UUIDModel):
    """A partner's talk script of one kind: for one product (``product`` set) or the partner's
    default (``product`` empty). A product's script beats the partner's; with neither, the
    built-in default of :mod:`crm.scripts` is shown (no rows are written for it)."""

    class Kind(models.TextChoices):
        OUTBOUND_ORDER = "outbound_order", _("Outbound call about an unpaid order")
        INBOUND_CALL = "inbound_call", _("Inbound call")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="touch_scripts"
    )
    product = models.ForeignKey(
        "partners.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touch_scripts",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedQuerySet["TouchScript"].as_manager()

    class Meta:
        verbose_name = _("touch script")
        verbose_name_plural = _("touch scripts")
        ordering = ["partner", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product", "kind"],
                condition=models.Q(product__isnull=False),
                name="touch_script_unique_per_product",
            ),
            # NULLs are distinct in a unique index: the partner's default gets its own.
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=models.Q(product__isnull=True),
                name="touch_script_unique_partner_default",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["outbound_order", "inbound_call"]),
                name="touch_script_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TouchScriptStep(UUIDModel):
    """One step of a script, in ``position`` order."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    script = models.ForeignKey(TouchScript, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=SCRIPT_STEP_TITLE_MAX)
    text = models.TextField(_("text"), max_length=SCRIPT_STEP_TEXT_MAX, blank=True)

    objects = PartnerScopedQuerySet["TouchScriptStep"].as_manager()

    class Meta:
        verbose_name = _("script step")
        verbose_name_plural = _("script steps")
        ordering = ["script", "position"]
        indexes = [models.Index(fields=["script", "position"], name="touch_step_script_pos_idx")]

    def __str__(self) -> str:
        return self.title


# A lead list's form token: the secret in the public form's address. 32 random bytes.
FORM_TOKEN_BYTES = 32
LEAD_LIST_NAME_MAX = 200
LEAD_COMMENT_MAX = 2000
CONSENT_TEXT_MAX = 1000
# The sites that may post a list's form from a script (CORS), and the longest address.
ALLOWED_ORIGINS_MAX = 20
# The tracking parameters a form captures into the lead's source (with the referrer).
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def new_form_token() -> str:
    return secrets.token_urlsafe(FORM_TOKEN_BYTES)


class LeadList(UUIDModel):
    """A partner's list of leads («Список заявок») for one product: its form on a landing page
    posts to ``/forms/<form_token>/``; leads also come over the API and from a CSV import. Each
    lead enters the sales queue at once (no grace period).

    ``form_token`` is a secret: a new one (``crm.leads.lead_list_rotate_token``) retires the old
    form address. An archived list takes no more leads from any side."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="lead_lists"
    )
    product = models.ForeignKey(
        "partners.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="lead_lists",
    )
    name = models.CharField(_("name"), max_length=LEAD_LIST_NAME_MAX)
    form_token = models.CharField(
        max_length=64, unique=True, default=new_form_token, editable=False
    )
    # Origins (scheme://host[:port]) allowed to post the form from a script; a plain HTML form
    # posts from anywhere (a browser's form post is not subject to CORS).
    allowed_origins = models.JSONField(_("allowed sites"), default=list, blank=True)
    thank_you_url = models.URLField(_("thank-you page"), max_length=500, blank=True)
    default_source = models.CharField(_("default ad channel"), max_length=100, blank=True)
    # What the buyer agrees to by ticking the form's box; empty: the default text.
    consent_text = models.TextField(_("consent text"), max_length=CONSENT_TEXT_MAX, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedQuerySet["LeadList"].as_manager()

    class Meta:
        verbose_name = _("lead list")
        verbose_name_plural = _("lead lists")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="lead_list_name_unique"),
        ]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="lead_list_partner_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Lead(UUIDModel):
    """A request from a buyer: a landing page's form, the API or a CSV import. It finds or
    creates its contact and enters the queue at once; taking it opens a deal titled with the
    list's name. ``cold``: imported from a list of people who did not ask (trainees take these
    first). A lead never makes a fee: fees come from paid orders.

    The same ``external_id`` (API) with the same body is the same lead: the database keeps one
    per partner and external id."""

    class Origin(models.TextChoices):
        FORM = "form", _("Web form")
        API = "api", _("API")
        IMPORT = "import", _("CSV import")

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="leads")
    lead_list = models.ForeignKey(
        LeadList, verbose_name=_("lead list"), on_delete=models.CASCADE, related_name="leads"
    )
    product = models.ForeignKey("partners.Product", on_delete=models.CASCADE, related_name="leads")
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    cold = models.BooleanField(_("cold"), default=False)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    telegram = models.CharField(_("Telegram"), max_length=64, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), max_length=LEAD_COMMENT_MAX, blank=True)
    source = models.CharField(_("ad channel"), max_length=100, blank=True)
    # utm_* parameters and the referrer the form was posted from.
    tracking = models.JSONField(_("tracking"), default=dict, blank=True)
    # What the buyer agreed to, as shown on the form, and when (form leads).
    consent_text = models.TextField(_("consent"), blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    # The normalised body a retry must repeat to be the same lead (API leads).
    intake_payload = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PartnerScopedQuerySet["Lead"].as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_id"],
                condition=~models.Q(external_id=""),
                name="lead_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=["form", "api", "import"]),
                name="lead_origin_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="lead_email_lowercase"
            ),
        ]
        indexes = [
            models.Index(fields=["lead_list", "-created_at"], name="lead_list_created_idx"),
            models.Index(fields=["partner", "-created_at"], name="lead_partner_created_idx"),
            models.Index(fields=["contact"], name="lead_contact_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class LeadImport(UUIDModel):
    """A CSV file of a cold list a partner imports into one lead list, and how far it got.

    The file's bytes are kept in the row (``data``): the web process that takes the upload and
    the worker that imports it may run on different hosts with no shared disk, the file is
    small (``LEAD_IMPORT_MAX_BYTES``) and goes with its import. ``processed_rows`` counts the
    file's non-empty data rows done so far; it moves in the same transaction as the leads of
    its batch, so a worker that died resumes exactly where the last batch committed.
    Only rows that were not simply created are kept as :class:`LeadImportRow` (the report)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Columns chosen")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="lead_imports"
    )
    lead_list = models.ForeignKey(
        LeadList, verbose_name=_("lead list"), on_delete=models.CASCADE, related_name="imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    data = models.BinaryField(editable=False)
    encoding = models.CharField(_("encoding"), max_length=16)
    delimiter = models.CharField(_("delimiter"), max_length=1)
    # The header row as read, and which column (its index) gives which field of a lead.
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    merged_count = models.PositiveIntegerField(_("merged into existing contacts"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates in the file"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    # Why a failed import stopped (shown to the partner).
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # The last time a batch committed: a running import whose progress has not moved for
    # LEAD_IMPORT_STALL_MINUTES may be resumed.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = PartnerScopedQuerySet["LeadImport"].as_manager()

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["uploaded", "mapped", "running", "done", "failed"]),
                name="lead_import_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=F("total_rows")),
                name="lead_import_processed_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_list", "-created_at"], name="lead_import_list_idx"),
        ]

    def __str__(self) -> str:
        return self.file_name or str(self.pk)

    def get_encoding_label(self) -> str:
        return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1251": "Windows-1251"}.get(
            self.encoding, self.encoding
        )

    def get_delimiter_label(self) -> str:
        return str(
            {";": _("semicolons"), ",": _("commas"), "\t": _("tabs")}.get(self.delimiter, "")
        )

    @staticmethod
    def stall_after() -> dt.timedelta:
        return dt.timedelta(minutes=settings.LEAD_IMPORT_STALL_MINUTES)

    @property
    def is_stalled(self) -> bool:
        """Running, and no batch has committed for ``LEAD_IMPORT_STALL_MINUTES``."""
        return (
            self.status == self.Status.RUNNING
            and self.progress_at is not None
            and self.progress_at < timezone.now() - self.stall_after()
        )

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class LeadImportRow(models.Model):
    """One row of an import's report that was not simply created: merged into a contact the
    partner had, a duplicate of an earlier row of the file, or rejected (with the reason, in
    the partner's language). Created rows are the leads themselves (``external_id``
    ``import:<import id>:<row>``), so a 10 000-row file keeps only its exceptions here."""

    class Status(models.TextChoices):
        MERGED = "merged", _("Merged into an existing contact")
        DUPLICATE = "duplicate", _("Duplicate in the file")
        REJECTED = "rejected", _("Rejected")

    id = models.BigAutoField(primary_key=True)
    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # What the row said (name and contacts), for the partner to find and fix it.
    values = models.CharField(_("values"), max_length=500, blank=True)

    class Meta:
        ordering = ["lead_import", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead_import", "row_number"], name="lead_import_row_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["merged", "duplicate", "rejected"]),
                name="lead_import_row_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_import_id}:{self.row_number} {self.status}"
