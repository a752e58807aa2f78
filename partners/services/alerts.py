"""Alerts to the heads of sales about partners' steps (issue 13): a product submitted for
review, an alignment call booked. Written in the transaction of the step, one per head, with a
unique key, so a step that rolls back tells nobody and a step written twice tells once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Role, User
from notifications.models import Notification
from notifications.services import notify_user
from partners.models import CallBooking, Product, StatusChange


def heads() -> QuerySet[User]:
    """Every active head of sales, the recipients of the floor's alerts."""
    return User.objects.filter(role=Role.HEAD, is_active=True).order_by("email")


def heads_notify(*, key: str, kind: str, template: str, context: Mapping[str, Any]) -> int:
    """Tell every active head (``key`` names the event); returns how many heads were told."""
    told = 0
    for head in heads():
        notify_user(key=key, kind=kind, user=head, template=template, context=context)
        told += 1
    return told


def application_submitted_alert(*, product: Product, change: StatusChange) -> int:
    """The partner sent the product's questionnaire for review: each head gets a link to the
    product's review page. Keyed by the status change, so a resubmission after a refusal is a
    new application."""
    return heads_notify(
        key=f"application:{change.pk}",
        kind=Notification.Kind.NEW_APPLICATION,
        template="new_application",
        context={
            "product": product,
            "partner": product.partner,
            "review_url": settings.SITE_URL
            + reverse("partners_head:product", kwargs={"pk": product.pk}),
        },
    )


def call_booked_alert(*, booking: CallBooking, products: Iterable[Product]) -> int:
    """The partner booked an alignment call: each head gets the time, the partner and its
    products, with a link to the slots page."""
    return heads_notify(
        key=f"call_booked:{booking.pk}",
        kind=Notification.Kind.CALL_BOOKED,
        template="call_booked",
        context={
            "booking": booking,
            "partner": booking.partner,
            "products": list(products),
            "starts_at": booking.slot.starts_at,
            "slots_url": settings.SITE_URL + reverse("partners_head:slots"),
        },
    )
