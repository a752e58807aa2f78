"""The CRM: contacts (a partner's buyers) and the deal pipeline. Deals hold what the queue needs:
a deal opened when a manager takes an item. Stages, tasks, lead lists and settings arrive with
the rest of the CRM issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
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
        ]

    def __str__(self) -> str:
        return self.name


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
