from __future__ import annotations

from typing import Any

from rest_framework import serializers

from partners.models import ALL_CHANNELS, Product
from sales_queue.models import LostReason, Outcome, QueueItem, Touch
from salesdesk.serializers import StrictSerializer


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


class WorkItemSerializer(serializers.Serializer):
    """What a manager needs to work an item: the item, its order, its deal."""

    item = QueueItemSerializer()
    order = QueueOrderSerializer(allow_null=True)
    deal = QueueDealSerializer(allow_null=True)
    questionnaire = serializers.DictField(allow_null=True)
    suggested_channel = serializers.CharField(allow_null=True)


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


def work_item_payload(item: QueueItem, *, suggested: str | None) -> dict[str, Any]:
    questionnaire = getattr(item.product, "questionnaire", None)
    return {
        "item": item,
        "order": item.order,
        "deal": getattr(item, "deal", None),
        "questionnaire": questionnaire.answers() if questionnaire else None,
        "suggested_channel": suggested,
    }
