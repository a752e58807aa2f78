"""Channel backends: each delivers one rendered notification or raises. Email is the only one
so far; an in-app bell or Telegram would be one more class and one more entry in ``CHANNELS``."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.models import Notification


class ChannelBackend(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver it; any exception means not delivered (the caller records it and retries)."""


class EmailChannel:
    """Django's email backend (``EMAIL_URL``): the text body, and the HTML one as an
    alternative when there is one."""

    def send(self, notification: Notification) -> None:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            connection=get_connection(fail_silently=False),
        )
        if notification.html:
            message.attach_alternative(notification.html, "text/html")
        message.send(fail_silently=False)


CHANNELS: dict[str, ChannelBackend] = {
    Notification.Channel.EMAIL: EmailChannel(),
}
