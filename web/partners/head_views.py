"""The head of sales' pages for the sales department: applications, the product review with
the questionnaire's changes since approval, decisions, alignment slots and partner blocks.

QA may look at every page; only the head acts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from partners import selectors
from partners.models import WORKFLOW_STATUSES, Channel, Questionnaire, SalesStatus
from partners.services import (
    call_mark_held,
    held_call_for,
    slot_cancel,
    slot_publish,
)
from sales_queue.services.supply import (
    partner_block,
    partner_unblock,
    product_approve,
    product_block,
    product_refuse,
    product_unblock,
)
from salesdesk.errors import ApplicationError
from web.partners import presenters
from web.partners.forms import (
    ApproveForm,
    CallHeldForm,
    CommentForm,
    RefuseForm,
    SlotForm,
    add_service_errors,
)
from web.tenancy import RoleRequiredMixin

VIEWERS = frozenset({Role.HEAD, Role.QA})
ACTORS = frozenset({Role.HEAD})


class HeadPageMixin(RoleRequiredMixin):
    allowed_roles = VIEWERS


class HeadActionMixin(RoleRequiredMixin):
    allowed_roles = ACTORS


def _can_act(request: HttpRequest) -> bool:
    return getattr(request.user, "role", None) == Role.HEAD


class ApplicationListView(HeadPageMixin, View):
    """Products by sales-department status; the default tab is what awaits a decision."""

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status") or None
        if status is not None and status not in SalesStatus.values:
            raise Http404
        counts = selectors.application_counts()
        tabs = [("", _("Awaiting decision"), counts["awaiting"])] + [
            (s.value, s.label, counts.get(s.value, 0)) for s in WORKFLOW_STATUSES
        ]
        products = list(selectors.applications(status=status))
        for product in products:
            product.status_label = product.get_sales_status_display()  # type: ignore[attr-defined]
        return render(
            request,
            "partners/head_applications.html",
            {"tabs": tabs, "current": status or "", "products": products},
        )


class ProductReviewView(HeadPageMixin, View):
    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self.render_review(request, selectors.product_for_head_get(product_id=pk))

    @staticmethod
    def render_review(
        request: HttpRequest, product: Any, forms: dict[str, Any] | None = None
    ) -> HttpResponse:
        questionnaire = Questionnaire.objects.filter(product=product).first()
        answers = (
            questionnaire.answers()
            if questionnaire
            else dict.fromkeys(Questionnaire.TEXT_FIELDS, "")
        )
        titles = presenters.section_titles()
        sections = [
            {
                "title": titles[key],
                "answers": [(presenters.field_label(name), answers[name]) for name in names],
            }
            for key, names in presenters.QUESTIONNAIRE_SECTIONS
        ]
        approved = selectors.latest_approved_version(product=product)
        diff = (
            presenters.questionnaire_diff(approved=approved, current=answers) if approved else None
        )
        status = product.sales_status
        forms = {
            "approve_form": ApproveForm(prefix="approve"),
            "refuse_form": RefuseForm(prefix="refuse"),
            "block_form": CommentForm(prefix="block"),
            "unblock_form": CommentForm(prefix="unblock"),
            **(forms or {}),
        }
        context = {
            "product": product,
            "partner": product.partner,
            "status_label": product.get_sales_status_display(),
            "channel_labels": [str(dict(Channel.choices).get(c, c)) for c in product.channels],
            "public_status_label": presenters.sales_status_label(product.public_sales_status),
            "refusal_reason": product.get_refusal_reason_display(),
            "questionnaire": questionnaire,
            "sections": sections,
            "approved_version": approved,
            "diff": diff,
            "diff_changed": bool(diff) and any(d.changed for d in diff or []),
            "audit": presenters.audit_rows(
                selectors.product_history(partner=product.partner, product=product)
            ),
            "can_act": _can_act(request),
            "can_decide": status in selectors.AWAITING_DECISION,
            # The approval form asks for an ad-hoc call's notes only when no held call
            # covers the product.
            "held_call": held_call_for(product),
            "can_block": status != SalesStatus.BLOCKED,
            "can_unblock": status == SalesStatus.BLOCKED,
            **forms,
        }
        return render(request, "partners/head_product.html", context)


class ProductDecisionView(HeadActionMixin, View):
    """approve / refuse / block / unblock, each through its service."""

    def post(self, request: HttpRequest, pk: uuid.UUID, action: str) -> HttpResponseBase:
        decisions: dict[str, tuple[Callable[..., Any], str]] = {
            "approve": (product_approve, _("The product is approved.")),
            "refuse": (product_refuse, _("The product is refused.")),
            "block": (product_block, _("The product is blocked.")),
            "unblock": (product_unblock, _("The product is unblocked.")),
        }
        if action not in decisions:
            raise Http404
        service, done = decisions[action]
        product = selectors.product_for_head_get(product_id=pk)
        form: RefuseForm | CommentForm
        if action == "refuse":
            form = RefuseForm(request.POST, prefix=action)
        elif action == "approve":
            form = ApproveForm(request.POST, prefix=action)
        else:
            form = CommentForm(request.POST, prefix=action)
        if form.is_valid():
            try:
                service(product=product, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                # call_required: the approval form asks for the call's notes beside the field.
                if exc.code not in ("validation_error", "call_required"):
                    # A conflict (someone decided meanwhile): the page shows the new state.
                    messages.error(request, exc.message)
                    return redirect("partners_head:product", pk=product.pk)
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("partners_head:product", pk=product.pk)
        fresh = selectors.product_for_head_get(product_id=pk)
        return ProductReviewView.render_review(request, fresh, {f"{action}_form": form})


class SlotsView(HeadPageMixin, View):
    template_name = "partners/head_slots.html"

    def _render(
        self,
        request: HttpRequest,
        form: SlotForm,
        held_forms: dict[uuid.UUID, CallHeldForm] | None = None,
    ) -> HttpResponse:
        """The page; ``held_forms``: a refused "held" form to show again, by booking."""
        held_forms = held_forms or {}
        to_record = [
            (booking, held_forms.get(booking.pk) or CallHeldForm())
            for booking in selectors.calls_to_record()
        ]
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "slots": selectors.alignment_slots_from_today(),
                "to_record": to_record,
                "can_act": _can_act(request),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SlotForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if not _can_act(request):
            raise PermissionDenied
        form = SlotForm(request.POST)
        if form.is_valid():
            try:
                slot_publish(head=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The slot is published."))
                return redirect("partners_head:slots")
        return self._render(request, form)


class SlotCancelView(HeadActionMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        slot = selectors.alignment_slot_get(slot_id=pk)
        try:
            slot_cancel(slot=slot, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The slot is withdrawn."))
        return redirect("partners_head:slots")


class CallHeldView(HeadActionMixin, View):
    """Record a booked call as held, with its notes."""

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        booking = selectors.call_booking_for_head_get(booking_id=pk)
        form = CallHeldForm(request.POST)
        if form.is_valid():
            try:
                call_mark_held(booking=booking, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                if exc.code != "validation_error":
                    messages.error(request, exc.message)
                    return redirect("partners_head:slots")
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The call is recorded as held."))
                return redirect("partners_head:slots")
        return SlotsView()._render(request, SlotForm(), {booking.pk: form})


class PartnerListView(HeadPageMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "partners/head_partners.html",
            {"partners": selectors.partners_for_head(), "can_act": _can_act(request)},
        )


class PartnerBlockView(HeadActionMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID, action: str) -> HttpResponseBase:
        partner = selectors.partner_get(partner_id=pk)
        if action not in ("block", "unblock"):
            raise Http404
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors.get("comment", [])))
            return redirect("partners_head:partners")
        comment = form.cleaned_data["comment"]
        try:
            if action == "block":
                partner_block(partner=partner, actor=request.user, comment=comment)
                messages.success(
                    request, _("The partner «%(name)s» is blocked.") % {"name": partner}
                )
            else:
                partner_unblock(partner=partner, actor=request.user, comment=comment)
                messages.success(
                    request, _("The partner «%(name)s» is unblocked.") % {"name": partner}
                )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("partners_head:partners")
