"""The held item as the manager's workspace shows it: the buyer's contact, one-click links for
the allowed channels, the questionnaire in sections, the touch history. Built from what
:mod:`sales_queue.selectors` reads; nothing here queries by itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from partners.models import Channel, Questionnaire
from sales_queue.models import Outcome, QueueItem, Touch
from sales_queue.selectors import (
    item_questionnaire,
    item_touches,
    offered_channels,
    suggested_channel,
)
from web.links import mailto_href, telegram_href

State = QueueItem.State
CHANNEL_LABELS = dict(Channel.choices)
_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9\s()\-]*$")
# Shown in full above the collapsible sections: the manager needs it the moment a buyer asks.
URGENT_FIELD = "urgent_contact"
# Open by default: what a manager reads during the call.
OPEN_FIELDS = frozenset({"faq", "objections"})


@dataclass(frozen=True)
class Contact:
    name: str
    email: str = ""
    phone: str = ""
    telegram: str = ""
    whatsapp: str = ""


@dataclass(frozen=True)
class ContactLink:
    channel: str
    label: str
    href: str
    text: str


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    text: str
    open: bool


@dataclass(frozen=True)
class HistoryRow:
    touch: Touch
    channel_label: str


@dataclass
class WorkItem:
    """Everything the current-item panel renders, read once."""

    item: QueueItem
    contact: Contact
    links: list[ContactLink]
    channels: list[tuple[str, str]]
    suggested: tuple[str, str] | None
    urgent_contact: str
    sections: list[Section]
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def handoff(self) -> Touch | None:
        """The caller's handoff to the closers (the last ``qualified`` touch), if any: the
        closer reads its note before calling."""
        return next((r.touch for r in self.history if r.touch.outcome == Outcome.QUALIFIED), None)

    @property
    def is_callback(self) -> bool:
        """The manager scheduled this one earlier and it came back to them."""
        return bool(self.history) and self.history[0].touch.outcome == Outcome.CALLBACK


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def item_contact(item: QueueItem) -> Contact:
    """The buyer: from the order, or from the lead (the deal's copy when neither is there)."""
    order = item.order
    if order is not None:
        return Contact(
            name=order.customer_name,
            email=order.customer_email,
            phone=order.customer_phone,
            telegram=order.customer_telegram,
            whatsapp=order.customer_whatsapp,
        )
    lead = item.lead if item.lead_id is not None else None
    if lead is not None:
        return Contact(
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            telegram=lead.telegram,
            whatsapp=lead.whatsapp,
        )
    deal = getattr(item, "deal", None)
    if deal is None:
        return Contact(name="")
    return Contact(
        name=deal.contact_name,
        email=deal.contact_email,
        phone=deal.contact_phone,
        telegram=deal.contact_telegram,
        whatsapp=deal.contact_whatsapp,
    )


def _contact_link(contact: Contact, channel: str) -> ContactLink | None:
    """The one-click link for ``channel``, if the buyer left a contact there."""
    if channel == Channel.PHONE and _digits(contact.phone):
        return ContactLink("phone", _("Call"), f"tel:+{_digits(contact.phone)}", contact.phone)
    whatsapp = contact.whatsapp or contact.phone
    if channel == Channel.WHATSAPP and _digits(whatsapp):
        return ContactLink("whatsapp", "WhatsApp", f"https://wa.me/{_digits(whatsapp)}", whatsapp)
    telegram = contact.telegram.strip()
    if channel == Channel.TELEGRAM and telegram:
        # Stored as @username, or as an E.164 number when the buyer gave a phone for Telegram.
        if _PHONE_LIKE.match(telegram):
            href = f"https://t.me/+{_digits(telegram)}"
        else:
            href = telegram_href(telegram)
        return ContactLink("telegram", "Telegram", href, telegram)
    if channel == Channel.EMAIL and contact.email:
        return ContactLink("email", _("Email"), mailto_href(contact.email), contact.email)
    return None


def contact_links(contact: Contact, channels: Iterable[str]) -> list[ContactLink]:
    """One-click links, only for the channels the partner allows and the buyer left, in the
    order of ``channels``."""
    links = (_contact_link(contact, channel) for channel in dict.fromkeys(channels))
    return [link for link in links if link is not None]


def _questionnaire(item: QueueItem) -> tuple[str, list[Section]]:
    questionnaire = item_questionnaire(item=item)
    if questionnaire is None:
        return "", []
    sections = [
        Section(
            name=name,
            label=str(Questionnaire._meta.get_field(name).verbose_name),  # type: ignore[union-attr]
            text=text,
            open=name in OPEN_FIELDS,
        )
        for name, text in questionnaire.answers().items()
        if name != URGENT_FIELD and text.strip()
    ]
    return questionnaire.urgent_contact, sections


def _channel_label(channel: str, *, priority: bool) -> str:
    label = str(CHANNEL_LABELS[channel])
    return _("%(channel)s (priority)") % {"channel": label} if priority else label


def work_item(*, item: QueueItem) -> WorkItem:
    """The held item as the workspace shows it. ``item`` comes from
    :func:`sales_queue.selectors.queue_current` (order, product, partner and deal joined)."""
    # The priority channel first, then the partner's order.
    allowed = [c for c in offered_channels(product=item.product) if c in CHANNEL_LABELS]
    contact = item_contact(item)
    urgent, sections = _questionnaire(item)
    suggested = suggested_channel(item=item)
    history = [
        HistoryRow(touch, str(CHANNEL_LABELS.get(touch.channel, touch.channel)))
        for touch in item_touches(item=item)
    ]
    return WorkItem(
        item=item,
        contact=contact,
        links=contact_links(contact, allowed),
        channels=[
            (c, _channel_label(c, priority=c == item.product.priority_channel)) for c in allowed
        ],
        suggested=(suggested, str(CHANNEL_LABELS.get(suggested, suggested))) if suggested else None,
        urgent_contact=urgent,
        sections=sections,
        history=history,
    )
