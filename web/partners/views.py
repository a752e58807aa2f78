"""Pages of the partner cabinet: API keys, products, sales-department settings, the
questionnaire, alignment calls. Every product is reached through the partner's own products,
so another partner's product is a 404."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role, User
from accounts.services import api_key_create, api_key_revoke
from partners import selectors
from partners.models import Product, Questionnaire, SalesStatus
from partners.selectors import alignment_slots_open, partner_api_keys
from partners.services import (
    call_book,
    call_cancel,
    product_create,
    product_update,
    questionnaire_missing,
    questionnaire_save,
    questionnaire_submit,
)
from sales_queue.services.supply import sales_settings_update
from salesdesk.errors import ApplicationError
from salesdesk.timezones import moscow_date_at
from web.partners import presenters
from web.partners.forms import (
    BookingForm,
    ProductForm,
    QuestionnaireForm,
    SalesSettingsForm,
    add_service_errors,
)
from web.tenancy import PartnerRequiredMixin


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def with_status_labels(products: Any) -> list[Product]:
    rows = list(products)
    for product in rows:
        product.status_label = presenters.sales_status_label(product.public_sales_status)
    return rows


class CabinetView(PartnerRequiredMixin, View):
    """The partner's home page: their products and the API keys for their storefront."""

    template_name = "partners/cabinet.html"

    def _render(self, request: HttpRequest, **extra: Any) -> HttpResponse:
        context = {
            "partner": self.partner,
            "api_keys": partner_api_keys(partner=self.partner),
            "can_manage_keys": getattr(request.user, "role", None) == Role.PARTNER_OWNER,
            **extra,
        }
        if is_htmx(request):
            return render(request, "partners/_api_keys.html", context)
        context["products"] = with_status_labels(selectors.partner_products(partner=self.partner))
        context["checklist"] = self._checklist(request, context["products"])
        return render(request, self.template_name, context)

    def _checklist(self, request: HttpRequest, products: list[Product]) -> dict[str, Any] | None:
        """The first steps, ticked from the partner's data; None once all are done."""
        done = selectors.partner_checklist(partner=self.partner)
        if all(done.values()):
            return None
        first = products[0] if products else None
        product_url = (
            reverse("partners:product", kwargs={"pk": first.pk})
            if first
            else reverse("partners:product-create")
        )
        urls = {
            "product": reverse("partners:product-create"),
            "sales_enabled": product_url,
            "questionnaire": product_url,
            "call": reverse("partners:calls"),
            "storefront": "#api-keys",
        }
        steps = presenters.checklist_steps(done, urls)
        return {
            "steps": steps,
            "done_count": sum(1 for s in steps if s.done),
            "curl": presenters.curl_order_example(
                api_url=request.build_absolute_uri(reverse("api-orders")),
                product_ref=(first.external_id or str(first.pk)) if first else _("PRODUCT_ID"),
            ),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = cast(User, request.user)  # PartnerRequiredMixin let only partner members through
        if user.role != Role.PARTNER_OWNER:
            return self._render(request, error=_("Only the partner's owner manages API keys."))
        action = request.POST.get("action")
        if action == "create":
            _key, raw = api_key_create(
                partner=self.partner, name=request.POST.get("name", ""), created_by=user
            )
            return self._render(request, new_secret=raw)
        if action == "revoke":
            try:
                api_key_revoke(partner=self.partner, key_id=request.POST.get("key", ""))
            except ApplicationError as exc:
                return self._render(request, error=exc.message)
            return self._render(request, notice=_("The key was revoked."))
        return self._render(request, error=_("Unknown action."))


class ProductListView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        products = with_status_labels(selectors.partner_products(partner=self.partner))
        return render(request, "partners/product_list.html", {"products": products})


class ProductCreateView(PartnerRequiredMixin, View):
    template_name = "partners/product_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ProductForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = product_create(partner=self.partner, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The product was created."))
                return redirect("partners:product", pk=product.pk)
        return render(request, self.template_name, {"form": form})


class ProductPageMixin(PartnerRequiredMixin):
    """Finds the product among the partner's own and renders the product page."""

    request: HttpRequest

    def get_product(self, pk: uuid.UUID) -> Product:
        return selectors.partner_product_get(partner=self.partner, product_id=pk)

    def render_product(
        self,
        product: Product,
        *,
        settings_form: SalesSettingsForm | None = None,
        questionnaire_form: QuestionnaireForm | None = None,
    ) -> HttpResponse:
        questionnaire = selectors.partner_questionnaire(partner=self.partner, product=product)
        if questionnaire_form is None:
            questionnaire_form = QuestionnaireForm(initial=questionnaire.answers())
        titles = presenters.section_titles()
        sections = [
            {"key": key, "title": titles[key], "fields": [questionnaire_form[n] for n in names]}
            for key, names in presenters.QUESTIONNAIRE_SECTIONS
        ]
        status = product.public_sales_status
        context = {
            "product": product,
            "status": status,
            "status_label": presenters.sales_status_label(status),
            "refusal_reason": product.get_refusal_reason_display(),
            "settings_form": settings_form or SalesSettingsForm.for_product(product),
            "questionnaire_form": questionnaire_form,
            "questionnaire": questionnaire,
            "sections": sections,
            "required_fields": Questionnaire.REQUIRED_FIELDS,
            "missing": questionnaire_missing(questionnaire) if questionnaire.pk else {},
            "can_submit": product.sales_enabled
            and product.sales_status in (SalesStatus.DRAFT, SalesStatus.REFUSED)
            and not self.partner.is_blocked,
            "can_book": status == SalesStatus.SUBMITTED,
            "bookings": selectors.partner_upcoming_bookings(partner=self.partner).filter(
                products=product
            ),
            "audit": presenters.audit_rows(
                selectors.product_history(partner=self.partner, product=product)
            ),
        }
        return render(self.request, "partners/product_detail.html", context)


class ProductDetailView(ProductPageMixin, View):
    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self.render_product(self.get_product(pk))


class ProductEditView(ProductPageMixin, View):
    """The product's name, price and external id (the API's PATCH of the same fields)."""

    template_name = "partners/product_form.html"

    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        product = self.get_product(pk)
        form = ProductForm(
            initial={
                "name": product.name,
                "price": product.price,
                "external_id": product.external_id,
            }
        )
        return render(request, self.template_name, {"form": form, "product": product})

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        product = self.get_product(pk)
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product_update(product=product, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The product was saved."))
                return redirect("partners:product", pk=product.pk)
        return render(request, self.template_name, {"form": form, "product": product})


class ProductSettingsView(ProductPageMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        product = self.get_product(pk)
        form = SalesSettingsForm(request.POST, product=product)
        if form.is_valid():
            try:
                sales_settings_update(
                    product=product,
                    actor=request.user,
                    enabled=form.cleaned_data["enabled"],
                    grace_period_minutes=form.cleaned_data["grace_period_minutes"],
                    channels=form.cleaned_data["channels"],
                    # Left as it was, it follows the ticks (unticked: cleared); changed, it
                    # must be one of them.
                    priority_channel=(
                        None
                        if form.cleaned_data["priority_channel"] == product.priority_channel
                        else form.cleaned_data["priority_channel"]
                    ),
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("partners:product", pk=product.pk)
        return self.render_product(product, settings_form=form)


class QuestionnaireView(ProductPageMixin, View):
    """Saving the whole questionnaire (the button, also without JavaScript) and submitting it."""

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        product = self.get_product(pk)
        form = QuestionnaireForm(request.POST)
        if not form.is_valid():
            return self.render_product(product, questionnaire_form=form)
        submit = request.POST.get("action") == "submit"
        try:
            questionnaire_save(product=product, actor=request.user, answers=form.cleaned_data)
            if submit:
                questionnaire_submit(product=product, actor=request.user)
        except ApplicationError as exc:
            add_service_errors(form, exc)
            return self.render_product(self.get_product(pk), questionnaire_form=form)
        if submit:
            messages.success(
                request,
                _("The questionnaire was submitted. Now book an alignment call."),
            )
        else:
            messages.success(request, _("The questionnaire was saved."))
        return redirect("partners:product", pk=product.pk)


class QuestionnaireAutosaveView(ProductPageMixin, View):
    """htmx: saves the one answer that changed, as a draft, and says when."""

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        product = self.get_product(pk)
        answers = {
            name: request.POST[name] for name in Questionnaire.TEXT_FIELDS if name in request.POST
        }
        error = ""
        if not answers:
            error = _("Nothing to save.")
        else:
            try:
                questionnaire_save(
                    product=product, actor=request.user, answers=answers, partial=True
                )
            except ApplicationError as exc:
                error = exc.message
        if not is_htmx(request):
            if error:
                messages.error(request, error)
            return cast(HttpResponse, redirect("partners:product", pk=product.pk))
        return render(
            request,
            "partners/_autosave_status.html",
            {"error": error, "saved_at": timezone.localtime().strftime("%H:%M")},
        )


class CallsView(PartnerRequiredMixin, View):
    """Booking an alignment call at one of the head's open slots, and the partner's bookings."""

    template_name = "partners/calls.html"

    def _form(self, data: Any = None, initial: Any = None) -> BookingForm:
        return BookingForm(
            data,
            initial=initial,
            slots=alignment_slots_open(),
            products=selectors.partner_bookable_products(partner=self.partner),
        )

    def _render(self, request: HttpRequest, form: BookingForm) -> HttpResponse:
        slot_field = form.fields["slot"]
        context = {
            "form": form,
            "has_slots": slot_field.queryset.exists(),  # type: ignore[attr-defined]
            "has_products": form.fields["products"].queryset.exists(),  # type: ignore[attr-defined]
            "has_booked_or_approved": selectors.partner_has_products_past_booking(
                partner=self.partner
            ),
            "bookings": selectors.partner_upcoming_bookings(partner=self.partner),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        wanted = request.GET.getlist("product")
        bookable = selectors.partner_bookable_products(partner=self.partner)
        initial = {"products": [p.pk for p in bookable if str(p.pk) in wanted]}
        return self._render(request, self._form(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                booking = call_book(
                    partner=self.partner,
                    actor=request.user,
                    slot=form.cleaned_data["slot"],
                    products=form.cleaned_data["products"],
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The call is booked for %(time)s.")
                    % {"time": moscow_date_at(booking.slot.starts_at)},
                )
                return redirect("partners:calls")
        return self._render(request, form)


class CallCancelView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        booking = selectors.partner_call_booking_get(partner=self.partner, booking_id=pk)
        try:
            call_cancel(booking=booking, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The call was cancelled."))
        return redirect(reverse("partners:calls"))
