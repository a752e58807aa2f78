"""Channel backends: each delivers one rendered notification or raises. A new channel is one
more class here, one more ``Notification.Channel`` and one more entry in ``CHANNELS``."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.models import Notification
from notifications.telegram import TelegramError, telegram_send, telegram_unlink_chat


class ChannelBackend(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver it; any exception means not delivered (the caller records it and retries,
        unless the exception has a true ``permanent`` attribute: then it is failed at once)."""


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


class InAppChannel:
    """The bell: the row itself is the message, shown to its user from the moment the event's
    transaction commits; delivering it only marks it sent."""

    def send(self, notification: Notification) -> None:
        return None


class TelegramChannel:
    """``sendMessage`` to the user's chat (the row's recipient), the subject then the text, as
    plain text. A chat that is gone (the user blocked the bot: HTTP 403; "chat not found") fails
    at once and is unlinked, so the next messages are not even written for Telegram."""

    def send(self, notification: Notification) -> None:
        chat_id = int(notification.recipient)
        try:
            telegram_send(chat_id=chat_id, text=f"{notification.subject}\n\n{notification.text}")
        except TelegramError as exc:
            if exc.chat_gone:
                telegram_unlink_chat(chat_id=chat_id)
            raise


CHANNELS: dict[str, ChannelBackend] = {
    Notification.Channel.EMAIL: EmailChannel(),
    Notification.Channel.IN_APP: InAppChannel(),
    Notification.Channel.TELEGRAM: TelegramChannel(),
}
