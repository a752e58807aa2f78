"""The deal as the API shows it (the public contract's shape) and the stage-move input."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.models import Deal, DealLostReason, Stage
from orders.models import Order
from orders.selectors import deal_linked_orders
from sales_queue.models import Touch
from sales_queue.selectors import deal_touches


class ContactSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    telegram = serializers.CharField()
    whatsapp = serializers.CharField()


class DealOrderSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_at = serializers.DateTimeField()
    own = serializers.BooleanField(
        help_text="The deal's own order (linked when it was paid), not one a manager linked."
    )


class DealTouchSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    channel = serializers.CharField(help_text="`phone`, `whatsapp`, `telegram` or `email`.")
    outcome = serializers.CharField(
        help_text="`reached`, `no_answer`, `callback` or `refused` (see the touch endpoints)."
    )
    comment = serializers.CharField()
    callback_at = serializers.DateTimeField(
        allow_null=True, help_text="The agreed time of a `callback`, otherwise null."
    )
    reason = serializers.CharField(help_text="A refusal's reason, otherwise empty.")
    queue = serializers.BooleanField(
        help_text="Logged on the deal's queue item (true) or on the deal outside the queue."
    )
    manager = serializers.UUIDField(help_text="The manager's user id.")
    manager_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class DealListSerializer(serializers.ListSerializer[Any]):
    """A page of deals: their touches and linked orders are read in one query each for the
    whole page."""

    def to_representation(self, data: Any) -> list[Any]:
        return [self.child.to_representation(p) for p in deal_payloads(list(data))]  # type: ignore[union-attr]


class DealSerializer(serializers.Serializer[Any]):
    """Renders a payload of :func:`deal_payload`; ``many=True`` renders a page of deals."""

    class Meta:
        list_serializer_class = DealListSerializer

    id = serializers.UUIDField()
    title = serializers.CharField()
    stage = serializers.CharField(
        allow_null=True, help_text="The stage's name in the partner's funnel."
    )
    stage_id = serializers.UUIDField(allow_null=True)
    stage_kind = serializers.ChoiceField(choices=Stage.Kind.choices, allow_null=True)
    status = serializers.ChoiceField(choices=Deal.Status.choices)
    responsible = serializers.UUIDField(help_text="The responsible employee's user id.")
    responsible_name = serializers.CharField()
    contact = ContactSerializer()
    product = serializers.UUIDField(allow_null=True)
    product_name = serializers.CharField(allow_null=True)
    source = serializers.CharField(help_text="The ad channel, or empty.")  # type: ignore[assignment]
    lead_created_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    deal_after_seconds = serializers.IntegerField(
        help_text="Seconds from the lead or order to the deal (`created_at - lead_created_at`)."
    )
    orders = DealOrderSerializer(
        many=True,
        help_text="Paid orders linked to the deal, first paid first: its own order once paid, "
        "and the buyer's other paid orders a manager linked.",
    )
    touches = DealTouchSerializer(many=True, help_text="The buyer's touches, newest first.")


def _name(user: Any) -> str:
    return str(user.full_name or user.email)


def deal_after_seconds(deal: Deal) -> int:
    return max(0, int((deal.created_at - deal.lead_created_at).total_seconds()))


def deal_payloads(deals: list[Deal]) -> list[dict[str, Any]]:
    """Payloads of a page of deals: touches and linked orders in one query each."""
    touches = deal_touches(deals=deals)
    linked = deal_linked_orders(deals=deals)
    return [deal_payload(d, touches[d.pk], linked[d.pk]) for d in deals]


def deal_payload(deal: Deal, touches: list[Any], linked: list[Order]) -> dict[str, Any]:
    """A deal (loaded by ``crm.selectors.deals_visible``) with its chronology of touches and its
    linked paid orders (``orders.selectors.deal_linked_orders``)."""
    stage = deal.stage
    product = deal.product
    return {
        "id": deal.pk,
        "title": deal.title,
        # Flat ids like the rest of the contract (an order's ``product`` is an id), with the
        # names beside them for people reading the response.
        "stage": stage.name if stage else None,
        "stage_id": stage.pk if stage else None,
        "stage_kind": stage.kind if stage else None,
        "status": deal.status,
        "responsible": deal.responsible_id,
        "responsible_name": _name(deal.responsible),
        "contact": {
            "name": deal.contact_name,
            "email": deal.contact_email,
            "phone": deal.contact_phone,
            "telegram": deal.contact_telegram,
            "whatsapp": deal.contact_whatsapp,
        },
        "product": product.pk if product else None,
        "product_name": product.name if product else None,
        "source": deal.source,
        "lead_created_at": deal.lead_created_at,
        "created_at": deal.created_at,
        "deal_after_seconds": deal_after_seconds(deal),
        "orders": linked_orders_payload(deal, linked),
        "touches": [touch_payload(t) for t in touches],
    }


def touch_payload(touch: Touch) -> dict[str, Any]:
    """One row of a deal's chronology (a queue touch or one logged on the deal)."""
    return {
        "id": touch.pk,
        "channel": touch.channel,
        "outcome": touch.outcome,
        "comment": touch.comment,
        "callback_at": touch.callback_at,
        "reason": touch.reason,
        "queue": touch.item_id is not None,
        "manager": touch.manager_id,
        "manager_name": _name(touch.manager),
        "created_at": touch.created_at,
    }


def linked_orders_payload(deal: Deal, linked: list[Order]) -> list[dict[str, Any]]:
    return [
        {
            "id": order.pk,
            "external_id": order.external_id,
            "amount": order.amount,
            "paid_at": order.paid_at,
            "own": order.pk == deal.order_id,
        }
        for order in linked
    ]


class DealStageMoveInputSerializer(serializers.Serializer[Any]):
    stage = serializers.UUIDField(help_text="A stage of the deal's partner's funnel.")
    reason = serializers.ChoiceField(
        choices=DealLostReason.choices,
        required=False,
        allow_blank=True,
        help_text="Required when moving to the lost stage.",
    )
