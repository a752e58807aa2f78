from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from crm.models import Lead
from partners.models import ALL_CHANNELS, Product
from sales_queue.models import LostReason, Outcome, QueueItem, Touch
from salesdesk.serializers import StrictSerializer, StringField
from web.crm.leads_serializers import LeadCustomerOutputSerializer, lead_customer


class QueueProductSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField())
    priority_channel = serializers.SerializerMethodField()

    def get_priority_channel(self, product: Product) -> str | None:
        return product.priority_channel or None


class QueueItemSerializer(serializers.ModelSerializer):
    product = QueueProductSerializer()
    partner = serializers.CharField(source="partner.name")
    holder = serializers.EmailField(source="holder.email", allow_null=True, default=None)

    class Meta:
        model = QueueItem
        fields = [
            "id",
            "state",
            "source",
            "partner",
            "product",
            "holder",
            "entered_at",
            "available_at",
            "taken_at",
            "last_touch_at",
            "attempts",
            "outcome",
            "outcome_reason",
            "closed_at",
        ]


class QueueCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(source="customer_name")
    email = serializers.CharField(source="customer_email")
    phone = serializers.CharField(source="customer_phone")
    telegram = serializers.CharField(source="customer_telegram")
    whatsapp = serializers.CharField(source="customer_whatsapp")


class QueueOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    customer = QueueCustomerSerializer(source="*")


class QueueDealSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    title = serializers.CharField()
    responsible = serializers.EmailField(source="responsible.email")


class HandoffSerializer(serializers.Serializer):
    """A caller's handoff of the buyer to the closers (team mode split): who, when, the note."""

    by = serializers.CharField(help_text="The caller's name (their email when they have none).")
    by_email = serializers.EmailField()
    note = serializers.CharField(help_text="The caller's note for the closer.")
    at = serializers.DateTimeField()


def handoff_data(touch: Touch | None) -> dict[str, Any] | None:
    if touch is None:
        return None
    return {
        "by": touch.manager.get_full_name(),
        "by_email": touch.manager.email,
        "note": touch.comment,
        "at": touch.created_at,
    }


class WorkItemSerializer(serializers.Serializer):
    """What a manager needs to work an order's item: the item, its order, its deal."""

    item = QueueItemSerializer()
    order = QueueOrderSerializer(allow_null=True)
    deal = QueueDealSerializer(allow_null=True)
    questionnaire = serializers.DictField(allow_null=True)
    suggested_channel = serializers.CharField(allow_null=True)
    handoff = HandoffSerializer(
        allow_null=True, help_text="A caller handed this buyer over to the closers: null if not."
    )


class QueueLeadListSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class QueueLeadSerializer(serializers.Serializer):
    """The lead of a lead's item: the buyer, the list it came to, what they wrote."""

    id = serializers.UUIDField()
    lead_list = QueueLeadListSerializer()
    customer = LeadCustomerOutputSerializer()
    source = serializers.CharField(help_text="The ad channel, or empty.")  # type: ignore[assignment]
    comment = serializers.CharField(help_text="What the buyer wrote, or empty.")
    created_at = serializers.DateTimeField()
    cold = serializers.BooleanField(help_text="Imported from a cold list.")


class LeadWorkItemSerializer(serializers.Serializer):
    """A lead's item: ``"lead"`` where an order's item has ``"order"`` (and no ``"order"``)."""

    item = QueueItemSerializer()
    lead = QueueLeadSerializer()
    deal = QueueDealSerializer(allow_null=True)
    questionnaire = serializers.DictField(allow_null=True)
    suggested_channel = serializers.CharField(allow_null=True)
    handoff = HandoffSerializer(
        allow_null=True, help_text="A caller handed this buyer over to the closers: null if not."
    )


# The schema of take / current: an order's item or a lead's, told apart by their keys.
ANY_WORK_ITEM = PolymorphicProxySerializer(
    component_name="AnyWorkItem",
    serializers=[WorkItemSerializer, LeadWorkItemSerializer],
    resource_type_field_name=None,
)


class TouchInputSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=ALL_CHANNELS)
    outcome = serializers.ChoiceField(choices=Outcome.values)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    callback_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.ChoiceField(
        choices=[r for r in LostReason.values if r != LostReason.UNREACHABLE],
        required=False,
        allow_blank=True,
        default="",
    )
    recording_url = StringField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="The call's recording: an https address of at most 1000 characters "
        "(400 `invalid_recording_url` otherwise).",
    )


class TouchSerializer(serializers.ModelSerializer):
    manager = serializers.EmailField(source="manager.email")

    class Meta:
        model = Touch
        fields = [
            "id",
            "channel",
            "outcome",
            "comment",
            "callback_at",
            "reason",
            "recording_url",
            "manager",
            "created_at",
        ]


class TouchResultSerializer(serializers.Serializer):
    touch = TouchSerializer()
    item = QueueItemSerializer()


class ReassignInputSerializer(StrictSerializer):
    manager = serializers.UUIDField()


class QueueHealthSerializer(serializers.Serializer):
    length = serializers.IntegerField()
    oldest_waiting_seconds = serializers.IntegerField(allow_null=True)
    intake_last_hour = serializers.IntegerField()
    active = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    deferred = serializers.IntegerField()
    per_partner = serializers.ListField(child=serializers.DictField())
    holders = serializers.ListField(child=serializers.DictField())


def _lead(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "lead_list": {"id": lead.lead_list_id, "name": lead.lead_list.name},
        "customer": lead_customer(lead),
        "source": lead.source,
        "comment": lead.comment,
        "created_at": lead.created_at,
        "cold": lead.cold,
    }


def work_item_payload(
    item: QueueItem, *, suggested: str | None, handoff: Touch | None = None
) -> dict[str, Any]:
    questionnaire = getattr(item.product, "questionnaire", None)
    payload: dict[str, Any] = {"item": item}
    if item.lead_id is not None:
        payload["lead"] = _lead(item.lead)  # type: ignore[arg-type]
    else:
        payload["order"] = item.order
    payload["deal"] = getattr(item, "deal", None)
    payload["questionnaire"] = questionnaire.answers() if questionnaire else None
    payload["suggested_channel"] = suggested
    payload["handoff"] = handoff_data(handoff)
    return payload


def work_item_data(
    item: QueueItem, *, suggested: str | None, handoff: Touch | None = None
) -> dict[str, Any]:
    """The body of take / current: an order's item as :class:`WorkItemSerializer`, a lead's
    as :class:`LeadWorkItemSerializer`."""
    payload = work_item_payload(item, suggested=suggested, handoff=handoff)
    serializer = LeadWorkItemSerializer if "lead" in payload else WorkItemSerializer
    return dict(serializer(payload).data)
