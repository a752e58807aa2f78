"""The cabinet's lead lists («Списки заявок»): the lists with their leads and conversion, a
list's leads and where each stands, the form's live preview and code, and the list's settings.
Another partner's list is a 404 (its selector is scoped to the partner)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from crm.lead_list_selectors import partner_lead_list_get
from crm.leads import (
    lead_list_archive,
    lead_list_create,
    lead_list_rotate_token,
    lead_list_update,
)
from crm.models import CONSENT_TEXT_MAX, LEAD_LIST_NAME_MAX, LeadList
from partners.models import Partner, Product
from partners.selectors import partner_products
from sales_queue.lead_list_reads import (
    conversion,
    lead_list_leads,
    lead_lists_with_figures,
    lead_progress,
)
from salesdesk.errors import ApplicationError
from web.crm.lead_form import consent_text_shown, lead_form_html, lead_form_url
from web.partners.forms import add_service_errors
from web.tenancy import PartnerRequiredMixin

PAGE_SIZE = 50


class LeadListForm(forms.Form):
    """Shapes only: the service checks the site addresses, the thank-you page and the name."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=LEAD_LIST_NAME_MAX)
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none())
    allowed_origins = forms.CharField(
        label=gettext_lazy("Sites that send the form from a script"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        help_text=gettext_lazy(
            "One a line, such as https://school.example. A plain form posts from any site; "
            "these may also send it without leaving the page."
        ),
    )
    thank_you_url = forms.CharField(
        label=gettext_lazy("Thank-you page"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Where the buyer goes after sending; empty: our own page."),
    )
    default_source = forms.CharField(
        label=gettext_lazy("Default ad channel"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The leads' channel when the page's address has no utm_source."),
    )
    consent_text = forms.CharField(
        label=gettext_lazy("Consent text"),
        required=False,
        max_length=CONSENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the buyer agrees to by ticking the box; empty: «%(text)s»"),
    )

    def __init__(
        self, *args: Any, partner: Partner, lead_list: LeadList | None = None, **kwargs: Any
    ) -> None:
        if lead_list is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": lead_list.name,
                    "product": lead_list.product_id,
                    "allowed_origins": "\n".join(lead_list.allowed_origins),
                    "thank_you_url": lead_list.thank_you_url,
                    "default_source": lead_list.default_source,
                    "consent_text": lead_list.consent_text,
                },
            )
        super().__init__(*args, **kwargs)
        product: Any = self.fields["product"]
        product.queryset = partner_products(partner=partner)
        if lead_list is not None:  # a list keeps its product
            product.disabled = True
        consent: Any = self.fields["consent_text"]
        default = consent_text_shown(LeadList())
        consent.help_text = str(consent.help_text).replace("%(text)s", default)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("product", None)
        data["allowed_origins"] = [
            line.strip() for line in data["allowed_origins"].splitlines() if line.strip()
        ]
        return data


class LeadListsView(PartnerRequiredMixin, TemplateView):
    template_name = "crm/lead_lists.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        lists = list(lead_lists_with_figures(partner=self.partner))
        rows = [
            {
                "list": lead_list,
                "conversion": conversion(
                    leads=lead_list.leads_count,  # type: ignore[attr-defined]
                    won=lead_list.won_count,  # type: ignore[attr-defined]
                ),
            }
            for lead_list in lists
        ]
        context.update(rows=rows)
        return context


class LeadListCreateView(PartnerRequiredMixin, View):
    template_name = "crm/lead_list_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = LeadListForm(partner=self.partner)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LeadListForm(request.POST, partner=self.partner)
        if form.is_valid():
            try:
                lead_list = lead_list_create(
                    partner=self.partner,
                    product=form.cleaned_data["product"],
                    **form.service_fields(),
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The lead list was created: paste its form below."))
                return redirect("lead_lists:detail", pk=lead_list.pk)
        return render(request, self.template_name, {"form": form})


class LeadListEditView(PartnerRequiredMixin, View):
    template_name = "crm/lead_list_form.html"

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        form = LeadListForm(partner=self.partner, lead_list=lead_list)
        return render(request, self.template_name, {"form": form, "lead_list": lead_list})

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        form = LeadListForm(request.POST, partner=self.partner, lead_list=lead_list)
        if form.is_valid():
            try:
                lead_list_update(lead_list=lead_list, **form.service_fields())
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The lead list was saved."))
                return redirect("lead_lists:detail", pk=lead_list.pk)
        return render(request, self.template_name, {"form": form, "lead_list": lead_list})


class LeadListDetailView(PartnerRequiredMixin, TemplateView):
    template_name = "crm/lead_list_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=kwargs["pk"])
        figures = lead_lists_with_figures(partner=self.partner).get(pk=lead_list.pk)
        page = Paginator(lead_list_leads(lead_list=lead_list), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            lead_list=lead_list,
            page=page,
            rows=[{"lead": lead, "progress": lead_progress(lead)} for lead in page.object_list],
            leads_count=figures.leads_count,  # type: ignore[attr-defined]
            won_count=figures.won_count,  # type: ignore[attr-defined]
            conversion=conversion(
                leads=figures.leads_count,  # type: ignore[attr-defined]
                won=figures.won_count,  # type: ignore[attr-defined]
            ),
            form_html=lead_form_html(lead_list),
            preview_html=lead_form_html(lead_list, with_script=False),
            form_url=lead_form_url(lead_list),
        )
        return context


class LeadListRotateTokenView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        lead_list_rotate_token(lead_list=lead_list)
        messages.success(
            request,
            _("The form has a new address: the old one stopped working. Paste the new code."),
        )
        return redirect("lead_lists:detail", pk=lead_list.pk)


class LeadListArchiveView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        archived = request.POST.get("archived", "1") != "0"
        lead_list_archive(lead_list=lead_list, archived=archived)
        if archived:
            messages.success(request, _("The list is archived: its form takes no more leads."))
        else:
            messages.success(request, _("The list is back: its form takes leads again."))
        return redirect("lead_lists:detail", pk=lead_list.pk)
