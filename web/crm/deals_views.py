"""The deal pages: a seller's «Мои сделки», the head's every deal, one deal's page with its
stage change, and the partner cabinet's read-only list.

Who sees a deal is :func:`crm.selectors.deals_visible`: a seller those they are responsible
for, the head every one; any other deal is a 404. Stage moves go through
:func:`crm.services.deal_stage_move`; its refusals (``deal_closed``, ``deal_in_queue``, a lost
deal without a reason) are shown on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role
from crm.models import Deal, DealLostReason, Stage
from crm.selectors import (
    board_partners,
    deal_board,
    deal_filter_choices,
    deal_stage_history,
    deals_filter,
    deals_listed,
    deals_visible,
    stage_names,
    stages_for,
)
from crm.services import deal_description_set, deal_next_step_set, deal_stage_move
from orders.selectors import deal_linkable_orders, deal_linked_orders
from partners.models import Channel
from partners.selectors import partners_for_head
from sales_queue.models import LostReason, Outcome
from sales_queue.selectors import deal_item_held, deal_touches, sellers
from sales_queue.services import DEAL_OUTCOMES, MANAGER_LOST_REASONS
from salesdesk.errors import ApplicationError
from salesdesk.tenancy import get_object_or_404
from web.crm.deals_serializers import deal_after_seconds
from web.crm.forms import (
    DealFieldsForm,
    DealFilterForm,
    DealNextStepForm,
    DealStageForm,
    StatusFilterForm,
)
from web.sales_queue.presenters import Contact, contact_links
from web.tenancy import PartnerRequiredMixin, RoleRequiredMixin

PAGE_SIZE = 50
ALL_CHANNELS = [Channel.PHONE, Channel.WHATSAPP, Channel.TELEGRAM, Channel.EMAIL]


def duration_words(seconds: int) -> str:
    """«Сделка через» in words: «3 дн. 4 ч», «2 ч 15 мин», «15 мин»."""
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}
    if mins:
        return _("%(minutes)s min") % {"minutes": mins}
    return _("less than a minute")


# How long the buyer has waited since the last touch: the mark worsens at 2, 3–4, 5–6, 7+ days.
WAIT_MARKS = ((7, "wait-7"), (5, "wait-5"), (3, "wait-3"), (2, "wait-2"))


def wait_days(deal: Deal, now: dt.datetime) -> int:
    """Whole days since the last touch (or, before the first one, since the deal opened)."""
    since = deal.last_touch_at or deal.created_at
    return max(0, (now - since) // dt.timedelta(days=1))


def wait_mark(days: int) -> str:
    return next((css for start, css in WAIT_MARKS if days >= start), "wait-0")


@dataclass(frozen=True)
class DealRow:
    """A deal as the lists show it: its next step's state and the buyer's wait."""

    deal: Deal
    open: bool
    overdue: bool
    wait_days: int
    wait_mark: str

    @classmethod
    def of(cls, deal: Deal, now: dt.datetime) -> DealRow:
        is_open = deal.status == Deal.Status.OPEN
        days = wait_days(deal, now)
        return cls(
            deal=deal,
            open=is_open,
            overdue=is_open and deal.next_step_at is not None and deal.next_step_at < now,
            wait_days=days,
            wait_mark=wait_mark(days),
        )


def _querystring(request: HttpRequest) -> str:
    """The list's filters without the page number, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the lists -------------------------------------------------------------------------------


class DealListView(RoleRequiredMixin, TemplateView):
    """A seller's own deals; the head's every deal, with partner and responsible filters."""

    template_name = "crm/deal_list.html"
    allowed_roles = frozenset(SELLER_ROLES)
    namespace = "deals"
    for_head = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        visible = deals_visible(user=self.request.user)
        choices = deal_filter_choices(deals=visible)
        form = DealFilterForm(
            self.request.GET,
            stage_names=stage_names(),
            partners=choices["partners"],
            products=choices["products"],
            people=(
                [(str(u.pk), u.full_name or u.email) for u in sellers()] if self.for_head else None
            ),
        )
        now = timezone.now()
        deals = deals_filter(
            visible,
            stage=form.value("stage"),
            status=form.value("status"),
            responsible=form.value("responsible") or None,
            search=form.value("q"),
            partner=form.value("partner") or None,
            product=form.value("product") or None,
            idle_days=form.idle_days(),
            now=now,
        )
        deals = deals_listed(deals)
        page = Paginator(deals, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            page=page,
            rows=[DealRow.of(deal, now) for deal in page.object_list],
            querystring=_querystring(self.request),
            for_head=self.for_head,
            detail_route=f"{self.namespace}:deal",
            list_route=f"{self.namespace}:list",
            board_route=f"{self.namespace}:board",
            filtered=any(form.value(name) for name in form.fields),
        )
        return context


# --- the board by stage ------------------------------------------------------------------------


def board_context(
    request: HttpRequest,
    *,
    namespace: str,
    for_head: bool,
    partner_id: Any = None,
    error: str = "",
    error_deal_id: Any = None,
) -> dict[str, Any]:
    """One partner's funnel, a column per open stage with the caller's open deals as cards (the
    head's: everyone's). A seller whose deals span partners chooses the partner; the first by
    name by default. ``error`` is a refused move of ``error_deal_id``, shown on its card."""
    deals = deals_visible(user=request.user)
    partners = (
        list(partners_for_head())
        if for_head
        else board_partners(deals=deals.filter(status=Deal.Status.OPEN))
    )
    chosen = next((p for p in partners if str(p.pk) == str(partner_id or "")), None)
    chosen = chosen or (partners[0] if partners else None)
    now = timezone.now()
    board: list[tuple[Stage, list[DealRow]]] = []
    if chosen is not None:
        for stage, cards in deal_board(deals=deals, partner_id=chosen.pk):
            board.append((stage, [DealRow.of(deal, now) for deal in cards]))
    stages = [stage for stage, _rows in board]
    # Each column with the stage a card's «→» button moves to (none after the last open one).
    columns = [
        (stage, stages[n + 1] if n + 1 < len(stages) else None, rows)
        for n, (stage, rows) in enumerate(board)
    ]
    shown = {row.deal.pk for _stage, rows in board for row in rows}
    return {
        "partners": partners,
        "partner": chosen,
        "columns": columns,
        "stages": stages,
        "for_head": for_head,
        "board_route": f"{namespace}:board",
        "stage_route": f"{namespace}:stage",
        "detail_route": f"{namespace}:deal",
        "list_route": f"{namespace}:list",
        "board_error": error,
        "error_deal_id": error_deal_id,
        "orphan_error": error if error and error_deal_id not in shown else "",
    }


class DealBoardView(RoleRequiredMixin, TemplateView):
    """A seller's open deals by stage (one partner's funnel at a time); moves go through the
    stage view by htmx."""

    template_name = "crm/board.html"
    allowed_roles = frozenset(SELLER_ROLES)
    namespace = "deals"
    for_head = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            board_context(
                self.request,
                namespace=self.namespace,
                for_head=self.for_head,
                partner_id=self.request.GET.get("partner"),
            )
        )
        return context


class HeadDealBoardView(DealBoardView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    for_head = True


class HeadDealListView(DealListView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    for_head = True


class CabinetDealListView(PartnerRequiredMixin, TemplateView):
    """The partner's deals, read-only: who works which buyer, at which stage."""

    template_name = "crm/deal_cabinet_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = StatusFilterForm(self.request.GET)
        status = form.cleaned_data.get("status", "") if form.is_valid() else ""
        deals = deals_filter(deals_visible(partner=self.partner), status=status).order_by(
            "-created_at", "-id"
        )
        page = Paginator(deals, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(form=form, page=page, querystring=_querystring(self.request))
        return context


# --- one deal --------------------------------------------------------------------------------


class DealAccessMixin(RoleRequiredMixin):
    allowed_roles = frozenset(SELLER_ROLES)
    namespace = "deals"
    contacts_namespace = "contacts"
    request: HttpRequest

    def get_deal(self, deal_id: Any) -> Deal:
        return get_object_or_404(
            deals_visible(user=self.request.user).select_related("partner"),
            message=_("Deal not found."),
            pk=deal_id,
        )

    def stage_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        return {
            "deal": deal,
            "stages": stages_for(partner_id=deal.partner_id),
            "history": deal_stage_history(deal=deal),
            "lost_kind": Stage.Kind.LOST,
            "reasons": [("", "—"), *DealLostReason.choices],
            "stage_route": f"{self.namespace}:stage",
            "can_move": deal.status == Deal.Status.OPEN,
            **extra,
        }

    def next_step_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        form = extra.pop("step_form", None) or DealNextStepForm(
            initial={
                "text": deal.next_step,
                "at": timezone.localtime(deal.next_step_at) if deal.next_step_at else None,
            }
        )
        return {
            "deal": deal,
            "row": DealRow.of(deal, timezone.now()),
            "step_form": form,
            "step_route": f"{self.namespace}:next_step",
            **extra,
        }

    def people(self) -> list[tuple[str, str]] | None:
        """Whom the deal may be handed to: the head chooses among the active sellers."""
        if self.namespace != "deals_head":
            return None
        return [(str(u.pk), u.full_name or u.email) for u in sellers()]

    def fields_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        form = extra.pop("fields_form", None) or DealFieldsForm(
            initial={
                "title": deal.title,
                "source": deal.source,
                "responsible": str(deal.responsible_id),
            },
            people=self.people(),
        )
        return {
            "deal": deal,
            "deal_after": duration_words(deal_after_seconds(deal)),
            "fields_form": form,
            "fields_route": f"{self.namespace}:fields",
            **extra,
        }

    def orders_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        """The deal's linked paid orders and, for whoever may link (the responsible seller or
        the head, on a deal not withdrawn), the buyer's paid orders no deal holds yet."""
        linked = deal_linked_orders(deals=[deal])[deal.pk]
        user = self.request.user
        can_link = deal.status != Deal.Status.WITHDRAWN and (
            getattr(user, "role", None) == Role.HEAD or user.pk == deal.responsible_id
        )
        return {
            "deal": deal,
            "linked_orders": linked,
            "linked_total": sum((o.amount for o in linked), Decimal(0)),
            "can_link": can_link,
            "linkable_orders": list(deal_linkable_orders(deal=deal)) if can_link else [],
            "orders_route": f"{self.namespace}:orders",
            **extra,
        }

    def touch_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        """The chronology and the touch form. While the viewer holds the deal's queue item the
        touch is the queue's, so a refusal (with its reason) is offered too."""
        user = self.request.user
        held = (
            deal.status == Deal.Status.OPEN
            and getattr(user, "role", None) in SELLER_ROLES
            and deal_item_held(deal=deal, user=user)
        )
        outcomes = [*DEAL_OUTCOMES, Outcome.REFUSED.value] if held else DEAL_OUTCOMES
        labels = dict(Outcome.choices)
        values = extra.pop("touch_values", None) or {"channel": Channel.PHONE, "outcome": ""}
        return {
            "deal": deal,
            "touches": deal_touches(deals=[deal])[deal.pk],
            "channel_labels": dict(Channel.choices),
            "touch_channels": list(Channel.choices),
            "touch_outcomes": [(value, labels[value]) for value in outcomes],
            "touch_reasons": [
                (r.value, r.label) for r in LostReason if r.value in MANAGER_LOST_REASONS
            ],
            "touch_held": held,
            "touch_values": values,
            "can_touch": deal.status == Deal.Status.OPEN,
            "touch_route": f"{self.namespace}:touch",
            **extra,
        }

    def page_context(self, deal: Deal, **extra: Any) -> dict[str, Any]:
        contact = Contact(
            name=deal.contact_name,
            email=deal.contact_email,
            phone=deal.contact_phone,
            telegram=deal.contact_telegram,
            whatsapp=deal.contact_whatsapp,
        )
        search = deal.contact_phone or deal.contact_email
        step_extra = {
            k: extra.pop(k) for k in ("step_form", "step_error", "step_errors") if k in extra
        }
        fields_extra = {
            k: extra.pop(k)
            for k in ("fields_form", "fields_error", "fields_errors", "fields_saved")
            if k in extra
        }
        orders_extra = {k: extra.pop(k) for k in ("orders_error",) if k in extra}
        touch_extra = {k: extra.pop(k) for k in list(extra) if k.startswith("touch_")}
        return {
            **self.fields_context(deal, **fields_extra),
            **self.orders_context(deal, **orders_extra),
            **self.next_step_context(deal, **step_extra),
            **self.touch_context(deal, **touch_extra),
            **self.stage_context(deal, **extra),
            "links": contact_links(contact, ALL_CHANNELS),
            "list_route": f"{self.namespace}:list",
            "contact_url": (
                reverse(f"{self.contacts_namespace}:contact", args=[deal.contact_id])
                if deal.contact_id
                else ""
            ),
            "contact_deals_url": (
                f"{reverse(f'{self.namespace}:list')}?{urlencode({'q': search})}" if search else ""
            ),
        }


class DealDetailView(DealAccessMixin, TemplateView):
    template_name = "crm/deal_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.page_context(self.get_deal(kwargs["deal_id"])))
        return context


class DealStageView(DealAccessMixin, View):
    """Move the deal to another stage: htmx swaps the stage card, a plain post redirects."""

    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        form = DealStageForm(request.POST)
        error, details, status = "", {}, 200
        if not form.is_valid():
            error, status = _("Choose a stage."), 400
        else:
            stages = stages_for(partner_id=deal.partner_id)
            stage = next((s for s in stages if s.pk == form.cleaned_data["stage"]), None)
            if stage is None:
                error, status = _("Unknown stage."), 400
            else:
                try:
                    deal_stage_move(
                        deal=deal,
                        stage=stage,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ApplicationError as exc:
                    error, details, status = exc.message, exc.details, exc.status_code
                else:
                    deal = self.get_deal(deal_id)
        if request.POST.get("board"):
            return self.board_answer(request, deal, error, status)
        if not getattr(request, "htmx", False) and not error:
            return redirect(f"{self.namespace}:deal", deal_id=deal.pk)
        context = self.stage_context(
            deal, stage_error=error, reason_errors=details.get("reason", []), posted=request.POST
        )
        if getattr(request, "htmx", False):
            # htmx swaps 2xx answers only: the refusal comes back as the card with its message.
            return render(request, "crm/_deal_stage.html", context)
        return render(
            request,
            "crm/deal_detail.html",
            self.page_context(
                deal,
                stage_error=error,
                reason_errors=details.get("reason", []),
                posted=request.POST,
            ),
            status=status,
        )

    def board_answer(
        self, request: HttpRequest, deal: Deal, error: str, status: int
    ) -> HttpResponseBase:
        """A move from the board: htmx gets the board back (the refusal on the card), a plain
        post returns to the board."""
        htmx = getattr(request, "htmx", False)
        if not htmx and not error:
            board = reverse(f"{self.namespace}:board")
            return redirect(f"{board}?{urlencode({'partner': str(deal.partner_id)})}")
        context = board_context(
            request,
            namespace=self.namespace,
            for_head=self.namespace == "deals_head",
            partner_id=deal.partner_id,
            error=error,
            error_deal_id=deal.pk,
        )
        if htmx:
            return render(request, "crm/_board.html", context)
        return render(request, "crm/board.html", context, status=status)


class DealNextStepView(DealAccessMixin, View):
    """Set the deal's next step: htmx swaps the next-step card, a plain post redirects."""

    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        form = DealNextStepForm(request.POST)
        error, errors, status = "", {}, 200
        if not form.is_valid():
            error, status = _("Invalid input."), 400
            errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        else:
            try:
                deal = deal_next_step_set(
                    deal=deal,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    at=form.cleaned_data["at"],
                )
            except ApplicationError as exc:
                error, errors, status = exc.message, exc.details, exc.status_code
        htmx = getattr(request, "htmx", False)
        if not htmx and not error:
            return redirect(f"{self.namespace}:deal", deal_id=deal.pk)
        extra: dict[str, Any] = {"step_error": error, "step_errors": errors}
        if error:
            extra["step_form"] = form
        if htmx:
            # htmx swaps 2xx answers only: the refusal comes back as the card with its message.
            return render(
                request, "crm/_deal_next_step.html", self.next_step_context(deal, **extra)
            )
        return render(
            request, "crm/deal_detail.html", self.page_context(deal, **extra), status=status
        )


class HeadDealNextStepView(DealNextStepView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    contacts_namespace = "contacts_head"


class HeadDealDetailView(DealDetailView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    contacts_namespace = "contacts_head"


class HeadDealStageView(DealStageView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    contacts_namespace = "contacts_head"


class DealDescriptionView(DealAccessMixin, View):
    """The manager rewrites the deal's description (it starts as the touch script's steps)."""

    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        text = request.POST.get("text", "")
        try:
            deal_description_set(deal=deal, actor=request.user, text=text)
        except ApplicationError as exc:
            context = self.page_context(deal, description_error=exc.message, description_text=text)
            return render(request, "crm/deal_detail.html", context, status=exc.status_code)
        return redirect(f"{self.namespace}:deal", deal_id=deal.pk)
