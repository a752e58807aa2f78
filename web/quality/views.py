"""Quality assurance's pages (role ``qa`` only — not the head's: the issue's «QA's pages are
theirs»): the queue of reviews, a review with the recording and the checklist, the
checklists; and a seller's «Оценки моих звонков»."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role, User
from partners.models import Channel, Partner
from quality.models import CHECKLIST_ITEMS_MAX, Answer, Review
from quality.selectors import (
    qa_checklist_for,
    qa_checklist_is_own,
    qa_feedback_for,
    qa_partners,
    qa_review_get,
    qa_reviews_done,
    qa_reviews_pending,
    qa_sellers,
    qa_touch_history,
    qa_touches_to_pick,
)
from quality.services import (
    qa_checklist_reset,
    qa_checklist_set,
    qa_feedback_mark_seen,
    qa_review_add,
    qa_review_score,
)
from sales_queue.models import Touch
from salesdesk.errors import ApplicationError, ConflictError
from web.tenancy import RoleRequiredMixin

QA_ROLES = frozenset({Role.QA})
PAGE_SIZE = 50
FEEDBACK_PAGE_SIZE = 20
# How far back «take a call by hand» looks.
PICK_DAYS = 3
CHANNEL_LABELS = dict(Channel.choices)
# Lazy labels (the model's), translated when the page renders.
ANSWER_CHOICES = Answer.Value.choices


def recording_src(url: str) -> str:
    """A recording the page may play: an https link only (the database allows no other, and
    the page's policy plays media from https only)."""
    return url if url.startswith("https://") else ""


@dataclass(frozen=True)
class TouchFacts:
    """A touch as QA and the manager read it (QA does not see the deal pages)."""

    touch: Touch
    partner: str
    product: str
    buyer: str
    channel: str
    outcome: str
    reason: str
    recording: str


def touch_facts(touch: Touch) -> TouchFacts:
    item, deal = touch.item, touch.deal
    order = item.order if item is not None else None
    partner = (item.partner if item is not None else None) or (deal.partner if deal else None)
    product = (item.product if item is not None else None) or (deal.product if deal else None)
    buyer = (order.customer_name if order else "") or (deal.contact_name if deal else "")
    return TouchFacts(
        touch=touch,
        partner=partner.name if partner else "",
        product=product.name if product else "",
        buyer=buyer,
        channel=str(CHANNEL_LABELS.get(touch.channel, touch.channel)),
        outcome=touch.get_outcome_display(),
        reason=touch.get_reason_display() if touch.reason else "",
        recording=recording_src(touch.recording_url),
    )


class QaQueueView(RoleRequiredMixin, TemplateView):
    """«Контроль качества»: the reviews waiting (or scored), and recent calls to take by hand."""

    allowed_roles = QA_ROLES
    template_name = "quality/queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        done_tab = self.request.GET.get("tab") == "done"
        reviews = qa_reviews_done() if done_tab else qa_reviews_pending()
        page = Paginator(reviews, PAGE_SIZE).get_page(self.request.GET.get("page"))
        manager = self.request.GET.get("manager", "")
        try:
            manager_id = uuid.UUID(manager) if manager else None
        except ValueError:
            manager_id = None
        since = timezone.now() - dt.timedelta(days=PICK_DAYS)
        context.update(
            done_tab=done_tab,
            page=page,
            rows=[(review, touch_facts(review.touch)) for review in page.object_list],
            pending_count=qa_reviews_pending().count(),
            picks=[touch_facts(t) for t in qa_touches_to_pick(since=since, manager_id=manager_id)],
            sellers=qa_sellers(),
            manager_id=str(manager_id) if manager_id else "",
        )
        return context


class QaReviewAddView(RoleRequiredMixin, View):
    """«Взять на проверку»: QA takes a seller's touch by hand."""

    allowed_roles = QA_ROLES

    def post(self, request: HttpRequest) -> HttpResponseBase:
        review, created = qa_review_add(
            actor=cast(User, request.user), touch_id=request.POST.get("touch", "")
        )
        if not created:
            messages.info(request, _("This call is already under review."))
        return redirect("quality:review", pk=review.pk)


class QaReviewView(RoleRequiredMixin, View):
    """One review: the touch, its recording, and the checklist to answer."""

    allowed_roles = QA_ROLES
    template_name = "quality/review.html"

    def _render(
        self,
        request: HttpRequest,
        review: Review,
        *,
        posted: dict[int, tuple[str, str]] | None = None,
        comment: str = "",
        error: ApplicationError | None = None,
        status: int = 200,
    ) -> HttpResponse:
        posted = posted or {}
        details = error.details if error else {}
        items = [
            {
                "item": item,
                "value": posted.get(item.position, ("", ""))[0],
                "comment": posted.get(item.position, ("", ""))[1],
                "error": (details or {}).get(str(item.position), []),
            }
            for item in (
                qa_checklist_for(review.partner) if review.status == Review.Status.PENDING else []
            )
        ]
        context = {
            "review": review,
            "facts": touch_facts(review.touch),
            "items": items,
            "history": [
                (t, CHANNEL_LABELS.get(t.channel, t.channel))
                for t in qa_touch_history(touch=review.touch)
            ],
            "choices": ANSWER_CHOICES,
            "comment": comment,
            "error": error,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        return self._render(request, qa_review_get(review_id=pk))

    def post(self, request: HttpRequest, pk: Any) -> HttpResponseBase:
        review = qa_review_get(review_id=pk)
        posted: dict[int, tuple[str, str]] = {}
        for key in request.POST:
            if key.startswith("value_") and key[6:].isdigit():
                position = int(key[6:])
                posted[position] = (
                    request.POST.get(key, ""),
                    request.POST.get(f"comment_{position}", ""),
                )
        comment = request.POST.get("comment", "")
        try:
            qa_review_score(
                reviewer=cast(User, request.user),
                review_id=review.pk,
                answers=posted,
                comment=comment,
            )
        except ConflictError as error:
            return self._render(request, qa_review_get(review_id=pk), error=error, status=409)
        except ApplicationError as error:
            return self._render(
                request, review, posted=posted, comment=comment, error=error, status=400
            )
        messages.success(request, _("The score is saved; the manager has been told."))
        return redirect("quality:queue")


class QaChecklistsView(RoleRequiredMixin, View):
    """The default checklist, and a partner's own that replaces it for their calls."""

    allowed_roles = QA_ROLES
    template_name = "quality/checklists.html"
    BLANK_ROWS = 3

    def _partner(self, raw: str) -> Partner | None:
        try:
            return Partner.objects.filter(pk=uuid.UUID(raw)).first() if raw else None
        except ValueError:
            return None

    def _render(
        self,
        request: HttpRequest,
        partner: Partner | None,
        *,
        rows: list[tuple[str, str]] | None = None,
        error: ApplicationError | None = None,
        status: int = 200,
    ) -> HttpResponse:
        own = partner is not None and qa_checklist_is_own(partner)
        if rows is None:
            rows = [(item.title, item.hint) for item in qa_checklist_for(partner)]
        details = error.details if error else {}
        blanks = max(0, min(self.BLANK_ROWS, CHECKLIST_ITEMS_MAX - len(rows)))
        shown = [
            {"n": n, "title": t, "hint": h, "error": (details or {}).get(str(n), [])}
            for n, (t, h) in enumerate([*rows, *[("", "")] * blanks], start=1)
        ]
        context = {
            "partner": partner,
            "own": own,
            "rows": shown,
            "partners": qa_partners(),
            "error": error,
            "items_error": (details or {}).get("items", []),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._partner(request.GET.get("partner", "")))

    def post(self, request: HttpRequest) -> HttpResponseBase:
        raw = request.POST.get("partner", "")
        partner = self._partner(raw)
        if raw and partner is None:
            return self._render(request, None, status=404)
        back = reverse("quality:checklists") + (f"?partner={partner.pk}" if partner else "")
        actor = cast(User, request.user)
        if request.POST.get("action") == "reset" and partner is not None:
            qa_checklist_reset(actor=actor, partner=partner)
            messages.success(
                request,
                _("Calls of %(partner)s are checked by the default list now.")
                % {"partner": partner.name},
            )
            return redirect(back)
        rows = []
        n = 1
        while f"title_{n}" in request.POST:
            rows.append((request.POST.get(f"title_{n}", ""), request.POST.get(f"hint_{n}", "")))
            n += 1
        try:
            qa_checklist_set(actor=actor, partner=partner, items=rows)
        except ApplicationError as error:
            return self._render(request, partner, rows=rows, error=error, status=400)
        messages.success(request, _("The checklist is saved."))
        return redirect(back)


class MyFeedbackView(RoleRequiredMixin, TemplateView):
    """«Оценки моих звонков»: a seller's scored calls, the unseen ones marked — and, by being
    opened, marked seen."""

    allowed_roles = frozenset(SELLER_ROLES)
    template_name = "quality/mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        page = Paginator(qa_feedback_for(manager=user), FEEDBACK_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            page=page,
            rows=[(review, touch_facts(review.touch)) for review in page.object_list],
        )
        qa_feedback_mark_seen(manager=user)
        return context
