"""Input and output of the leads API, and the lead as the queue's work item shows it.

The input serializers check only the shape (which keys, strings); what a valid buyer, ad
channel, comment or external id is, is :func:`crm.leads.lead_contact_clean` and
:func:`crm.leads.lead_create`'s — the same checks for the form, the API and the import."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.models import Lead
from crm.selectors import SalesStatus
from salesdesk.serializers import StrictSerializer, StringField

_datetime = serializers.DateTimeField()


class LeadCustomerInputSerializer(StrictSerializer):
    """The buyer: a name and at least one way to reach them; unknown keys are a 400."""

    name = StringField(help_text="The buyer's name, 1–200 characters on one line.")
    email = StringField(required=False, allow_blank=True, help_text="The buyer's email.")
    phone = StringField(
        required=False,
        allow_blank=True,
        help_text='Any common notation ("8 (912) 345-67-89", "+7 912 345 67 89"); stored as E.164.',
    )
    telegram = StringField(
        required=False,
        allow_blank=True,
        help_text='Telegram username ("@name", "t.me/name") or a phone number.',
    )
    whatsapp = StringField(
        required=False, allow_blank=True, help_text="WhatsApp phone number; stored as E.164."
    )


class LeadCreateInputSerializer(StrictSerializer):
    """A lead from the partner's site or CRM; unknown keys are a 400."""

    lead_list = serializers.UUIDField(help_text="The partner's lead list the lead goes to.")
    customer = LeadCustomerInputSerializer()
    external_id = StringField(
        required=False,
        allow_blank=True,
        help_text="The partner's id of this lead (idempotency key), at most 200 characters.",
    )
    # The metaclass takes declared fields off the class; mypy only sees the attribute.
    source = StringField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        help_text="The ad channel, at most 100 characters; default the list's ad channel. It "
        "becomes the deal's source.",
    )
    comment = StringField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="What the buyer wrote, at most 2000 characters.",
    )


class LeadCustomerOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField(help_text="E.164, or empty.")
    telegram = serializers.CharField()
    whatsapp = serializers.CharField(help_text="E.164, or empty.")


class LeadOutputSerializer(serializers.Serializer):
    """A lead as the API shows it (built by :func:`lead_output`)."""

    id = serializers.UUIDField()
    lead_list = serializers.UUIDField()
    product = serializers.UUIDField()
    customer = LeadCustomerOutputSerializer()
    external_id = serializers.CharField(help_text="The partner's id, or empty.")
    source = serializers.CharField(help_text="The ad channel, or empty.")  # type: ignore[assignment]
    comment = serializers.CharField()
    origin = serializers.ChoiceField(choices=Lead.Origin.choices)
    cold = serializers.BooleanField(help_text="Imported from a cold list.")
    created_at = serializers.DateTimeField()
    sales_status = serializers.ChoiceField(
        choices=[(value, value) for value in SalesStatus.values],
        help_text="none: never entered the queue (the product's sales department was not "
        "working); queued: waiting; active: held by a manager (incl. a scheduled callback); "
        "closed: won, lost or withdrawn.",
    )
    deal = serializers.UUIDField(
        allow_null=True, help_text="The deal taking the lead opened; null until taken."
    )

    def to_representation(self, instance: Lead) -> dict[str, Any]:
        return lead_output(instance)


def lead_customer(lead: Lead) -> dict[str, str]:
    return {
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "telegram": lead.telegram,
        "whatsapp": lead.whatsapp,
    }


def lead_output(lead: Lead) -> dict[str, Any]:
    """The API's lead; ``lead`` comes from :func:`crm.lead_selectors.lead_list_api`."""
    deal = getattr(lead, "deal_ref", None)
    return {
        "id": str(lead.pk),
        "lead_list": str(lead.lead_list_id),
        "product": str(lead.product_id),
        "customer": lead_customer(lead),
        "external_id": lead.external_id,
        "source": lead.source,
        "comment": lead.comment,
        "origin": lead.origin,
        "cold": lead.cold,
        "created_at": _datetime.to_representation(lead.created_at),
        "sales_status": getattr(lead, "sales_status", SalesStatus.NONE),
        "deal": None if deal is None else str(deal),
    }
