"""The manager's workspace: take the next order, work it, log touches, see one's callbacks.

Every action is an htmx POST answered with the ``#workspace`` fragment; the same URLs answer a
plain form post with the whole page, and a GET of the page shows the current state, so a
reload never loses anything. Writes go through ``sales_queue.workflow``; its errors carry a
translated message that is shown as is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import SELLER_ROLES, Role, User
from accounts.team import team_is_split
from partners.models import Channel
from sales_queue.models import LostReason, Outcome, QueueItem, Touch
from sales_queue.selectors import HeldNews, ItemNews, held_item_news, my_callbacks, queue_current
from sales_queue.services import (
    queue_release,
    queue_take_callback,
    queue_take_next,
    queue_touch,
)
from salesdesk.errors import ApplicationError, NotFoundError
from salesdesk.timezones import MOSCOW, moscow_date_at, moscow_datetime
from web.links import mailto_href
from web.sales_queue.forms import TouchForm
from web.sales_queue.presenters import WorkItem, work_item
from web.tenancy import RoleRequiredMixin

PAGE = "sales_queue/workspace.html"
FRAGMENT = "sales_queue/_workspace.html"


def moscow_time(moment: dt.datetime) -> str:
    return moscow_datetime(moment)


def _touch_field_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    """Messages per touch-form input; other details (an item's state...) are not field errors."""
    return {
        name: [str(m) for m in messages] if isinstance(messages, list | tuple) else [str(messages)]
        for name, messages in errors.items()
        if name in TouchForm.base_fields
    }


class SellerPageMixin(RoleRequiredMixin):
    allowed_roles = frozenset(SELLER_ROLES)


# --- the payment link: copy it, or send it through an allowed channel ---------------------

# Channels a link can be sent through; a call cannot carry one.
PAYMENT_LINK_CHANNELS = (Channel.WHATSAPP, Channel.TELEGRAM, Channel.EMAIL)


@dataclass(frozen=True)
class PaymentLinkSend:
    channel: str
    label: str
    href: str


@dataclass(frozen=True)
class PaymentLink:
    url: str
    sends: list[PaymentLinkSend]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def payment_link(work: WorkItem) -> PaymentLink | None:
    """The order's payment link and a prefilled message per allowed channel the buyer left a
    contact on, in the partner's channel order; ``None`` when the order carries no link.

    The message is always in Russian: it goes to the buyer, whatever language the manager's
    screen is in.
    """
    order = work.item.order
    if order is None or not order.payment_url:
        return None
    url, contact = order.payment_url, work.contact
    with translation.override("ru"):
        greeting = _("Hello, %(name)s!") % {"name": contact.name} if contact.name else _("Hello!")
        about = _("Here is the link to pay for your order “%(product)s”:") % {
            "product": work.item.product.name
        }
        subject = _("Payment link for your order “%(product)s”") % {
            "product": work.item.product.name
        }
    text = f"{greeting} {about}"
    message = f"{text} {url}"
    sends: list[PaymentLinkSend] = []
    send_labels: dict[str, str] = {
        Channel.WHATSAPP: _("Send via WhatsApp"),
        Channel.TELEGRAM: _("Send via Telegram"),
        Channel.EMAIL: _("Send by email"),
    }
    for channel, _label in work.channels:
        whatsapp = _digits(contact.whatsapp or contact.phone)
        if channel == Channel.WHATSAPP and whatsapp:
            href = f"https://wa.me/{whatsapp}?text={quote(message, safe='')}"
        elif channel == Channel.TELEGRAM and contact.telegram.strip():
            # A bot-free link cannot write to a user directly: the share page opens Telegram
            # with the message ready, and the manager picks the buyer's chat.
            href = f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text, safe='')}"
        elif channel == Channel.EMAIL and contact.email:
            href = mailto_href(contact.email, subject=subject, body=message)
        else:
            continue
        sends.append(PaymentLinkSend(channel, str(send_labels[channel]), href))
    return PaymentLink(url=url, sends=sends)


def render_workspace(
    request: HttpRequest,
    *,
    notice: str = "",
    error: str = "",
    field_errors: dict[str, Any] | None = None,
    form_data: Any = None,
    opens_at: dt.datetime | None = None,
    empty: bool = False,
    news: str = "",
) -> HttpResponse:
    manager = cast(User, request.user)
    now = timezone.now()
    held = queue_current(manager=manager)
    callbacks = my_callbacks(manager=manager, now=now)
    work = work_item(item=held) if held else None
    context = {
        # The handoff to the closers is a caller's, in split mode (one read, for callers only).
        "can_hand_over": bool(work) and manager.role == Role.CALLER and team_is_split(),
        "work": work,
        "payment": payment_link(work) if work else None,
        "callbacks": callbacks,
        "due_callbacks": sum(1 for c in callbacks if c.due),
        "holding": held is not None,
        "poll_seconds": settings.SALES_WORKSPACE_POLL_SECONDS,
        "news": news,
        "notice": notice,
        "error": error,
        "field_errors": _touch_field_errors(field_errors or {}),
        # Only the touch form echoes input back, after an error, so nothing typed is lost.
        "form_data": form_data or {},
        "opens_at": opens_at,
        "empty": empty,
        "now": now,
        "outcome_labels": dict(Outcome.choices),
        "reasons": [r for r in LostReason if r != LostReason.UNREACHABLE],
        "working_hours": settings.SALES_WORKING_HOURS,
        "callback_min": timezone.localtime(now, MOSCOW).strftime("%Y-%m-%dT%H:%M"),
    }
    return render(request, FRAGMENT if request.htmx else PAGE, context)  # type: ignore[attr-defined]


class WorkspaceView(SellerPageMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render_workspace(request)


class CallbacksView(SellerPageMixin, View):
    """The "my callbacks" panel alone, refreshed now and then so due ones light up."""

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        manager = cast(User, request.user)
        callbacks = my_callbacks(manager=manager, now=now)
        return render(
            request,
            "sales_queue/_callbacks.html",
            {
                "callbacks": callbacks,
                "due_callbacks": sum(1 for c in callbacks if c.due),
                "holding": QueueItem.objects.filter(
                    holder=manager, state=QueueItem.State.ACTIVE
                ).exists(),
            },
        )


class TakeView(SellerPageMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            item = queue_take_next(manager=cast(User, request.user))
        except ApplicationError as exc:
            opens_at = None
            if exc.code == "outside_working_hours":
                opens_at = dt.datetime.fromisoformat(exc.details["opens_at"])
            # already_holding: the page shows the held item under the message.
            return render_workspace(request, error=exc.message, opens_at=opens_at)
        if item is None:
            return render_workspace(request, empty=True)
        return render_workspace(request)


class TakeCallbackView(SellerPageMixin, View):
    """«Взять сейчас» on one of the manager's callbacks: it becomes the held order, due or not."""

    def post(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
        try:
            queue_take_callback(manager=cast(User, request.user), item_id=item_id)
        except NotFoundError:
            raise
        except ApplicationError as exc:
            opens_at = None
            if exc.code == "outside_working_hours":
                opens_at = dt.datetime.fromisoformat(exc.details["opens_at"])
            return render_workspace(request, error=exc.message, opens_at=opens_at)
        return render_workspace(request)


def news_message(news: ItemNews) -> str:
    """What the workspace tells the manager when their held order left them without their
    doing."""
    if news.is_lead:
        # A lead is neither paid nor cancelled: it is withdrawn with its product, or taken away.
        if news.kind == HeldNews.WITHDRAWN:
            return _(
                "The lead was withdrawn from the sales department: its product is paused. "
                "Take the next one."
            )
        return _(
            "The lead is no longer yours: the head of sales took it back or handed it to "
            "another manager, or it went back to the queue untouched. Take the next one."
        )
    ext = news.order_external_id
    order = _("order No. %(number)s") % {"number": ext} if ext else _("the order")
    messages = {
        HeldNews.PAID: _("The buyer paid %(order)s — the deal is won. Take the next one."),
        HeldNews.PAID_UNWORKED: _("The buyer paid %(order)s. Take the next one."),
        HeldNews.CANCELLED: _("The buyer's %(order)s was cancelled. Take the next one."),
        HeldNews.WITHDRAWN: _(
            "%(order)s was withdrawn from the sales department: its product is paused. "
            "Take the next one."
        ),
    }
    default = _(
        "%(order)s is no longer yours: the head of sales took it back or handed it to another "
        "manager, or it went back to the queue untouched. Take the next one."
    )
    text = messages.get(news.kind, default) % {"order": order}
    return text[:1].upper() + text[1:]


class HeldNewsView(SellerPageMixin, View):
    """Polled every few seconds while the workspace shows a held order: nothing (204) while it
    is still the manager's, or after the manager moved it on themselves (in another tab: that
    answer shows it); otherwise the workspace as it is now, with what happened in place of the
    stale order. One query while held."""

    def get(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
        news = held_item_news(manager=cast(User, request.user), item_id=item_id)
        if news is None:
            # Gone altogether (or never theirs): show the workspace as it is.
            return render_workspace(request, news=_("This order is no longer yours."))
        if news.kind in (HeldNews.HELD, HeldNews.OWN_ACTION):
            return HttpResponse(status=204)
        return render_workspace(request, news=news_message(news))


def _touch_notice(touch: Touch) -> str:
    item = touch.item
    assert item is not None  # noqa: S101 - a queue touch always has its item
    if touch.outcome == Outcome.REACHED:
        return _("Touch logged. The order stays with you.")
    if touch.outcome == Outcome.CALLBACK:
        return _("Callback scheduled for %(time)s (Moscow time).") % {
            "time": moscow_time(item.available_at)
        }
    if touch.outcome == Outcome.NO_ANSWER and item.state == QueueItem.State.QUEUED:
        return _("No answer. The order returns to the queue on %(time)s.") % {
            "time": moscow_date_at(item.available_at)
        }
    if touch.outcome == Outcome.NO_ANSWER:
        return _("No answer again: the order is closed as unreachable.")
    if touch.outcome == Outcome.QUALIFIED:
        return _("Handed over to the closers with your note. Take the next one.")
    return _("The order is closed as lost: %(reason)s.") % {"reason": touch.get_reason_display()}


class TouchView(SellerPageMixin, View):
    def post(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
        form = TouchForm(request.POST)
        if not form.is_valid():
            return render_workspace(
                request,
                error=_("The touch was not logged: check the form."),
                field_errors=form.errors,
                form_data=request.POST,
            )
        try:
            touch = queue_touch(
                manager=cast(User, request.user), item_id=item_id, **form.cleaned_data
            )
        except ApplicationError as exc:
            if exc.code == "switch_channel":
                # Nothing to fix in what was typed but the channel: offer the suggested one.
                data = request.POST.copy()
                data["channel"] = exc.details["suggested"]
                return render_workspace(request, error=exc.message, form_data=data)
            return render_workspace(
                request, error=exc.message, field_errors=exc.details, form_data=request.POST
            )
        return render_workspace(request, notice=_touch_notice(touch))


class ReleaseView(SellerPageMixin, View):
    def post(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
        try:
            queue_release(manager=cast(User, request.user), item_id=item_id)
        except ApplicationError as exc:
            return render_workspace(request, error=exc.message)
        return render_workspace(request, notice=_("The order went back to the queue."))


class PaymentLinkSentView(SellerPageMixin, View):
    """The manager sent the order's payment link through a channel (the link itself opens the
    messenger or the mail program): logged as a ``reached`` touch with a comment, so it counts
    as a contact made, never as an unanswered attempt, and the item stays with the manager."""

    def post(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
        manager = cast(User, request.user)
        channel = request.POST.get("channel", "")
        held = queue_current(manager=manager)
        if held is None or held.pk != item_id:
            return render_workspace(request, error=_("You do not hold this order."))
        if held.order is None or not held.order.payment_url:
            return render_workspace(request, error=_("This order has no payment link."))
        if channel not in PAYMENT_LINK_CHANNELS:
            return render_workspace(
                request, error=_("A payment link is sent by WhatsApp, Telegram or email.")
            )
        try:
            queue_touch(
                manager=manager,
                item_id=item_id,
                channel=channel,
                outcome=Outcome.REACHED,
                comment=_("Payment link sent"),
            )
        except ApplicationError as exc:
            return render_workspace(request, error=exc.message)
        return render_workspace(
            request,
            notice=_("Payment link sent via %(channel)s; the touch is logged.")
            % {"channel": Channel(channel).label},
        )
