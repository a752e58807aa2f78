from __future__ import annotations

import factory

from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    """A pending email; pass ``status="failed"``, ``attempts=6``… for other states."""

    class Meta:
        model = Notification

    key = factory.Sequence(lambda n: f"test:{n}")
    kind = Notification.Kind.PARTNER_DECISION
    channel = Notification.Channel.EMAIL
    recipient = factory.Sequence(lambda n: f"person{n}@example.com")
    subject = "SalesDesk: Курс — одобрен"
    text = "Здравствуйте!\n"
    html = "<p>Здравствуйте!</p>"
