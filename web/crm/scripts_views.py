"""The cabinet's touch-script pages: the partner's owner writes the scripts its products are
sold with (per product or the partner's default), the partner's staff read them. Scripts of
another partner are a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from crm.models import SCRIPT_STEPS_MAX, TouchScript, TouchScriptStep
from crm.scripts import touch_script_default
from crm.services import (
    touch_script_create,
    touch_script_delete,
    touch_script_step_add,
    touch_script_step_delete,
    touch_script_step_move,
    touch_script_step_update,
)
from partners.models import Product
from salesdesk.errors import ApplicationError
from salesdesk.tenancy import get_object_or_404
from web.crm.scripts_forms import ScriptCreateForm, StepForm
from web.tenancy import PartnerRequiredMixin


class ScriptMixin(PartnerRequiredMixin):
    request: HttpRequest

    def can_change(self) -> bool:
        return getattr(self.request.user, "role", None) == Role.PARTNER_OWNER

    def check_can_change(self) -> None:
        if not self.can_change():
            raise PermissionDenied(_("Only the partner's owner changes the scripts."))

    def products(self) -> list[Product]:
        return list(Product.objects.for_partner(self.partner).order_by("name"))

    def get_script(self, script_id: Any) -> TouchScript:
        return get_object_or_404(
            TouchScript.objects.for_partner(self.partner).select_related("product"),
            message=_("Script not found."),
            pk=script_id,
        )


class ScriptListView(ScriptMixin, View):
    template_name = "crm/scripts.html"

    def _render(
        self, request: HttpRequest, form: ScriptCreateForm, status: int = 200
    ) -> HttpResponse:
        scripts = list(
            TouchScript.objects.for_partner(self.partner)
            .select_related("product")
            .order_by("kind", "product__name")
        )
        defaults = [
            touch_script_default(kind=kind, partner=self.partner)
            for kind in TouchScript.Kind.values
        ]
        context = {
            "scripts": scripts,
            "defaults": defaults,
            "form": form,
            "can_change": self.can_change(),
        }
        return render(request, self.template_name, context, status=status)

    def _form(self, data: Any = None) -> ScriptCreateForm:
        products = [(str(p.pk), p.name) for p in self.products()]
        return ScriptCreateForm(data, products=products)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check_can_change()
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        product_id = form.cleaned_data["product"]
        product = (
            get_object_or_404(Product.objects.for_partner(self.partner), pk=product_id)
            if product_id
            else None
        )
        try:
            script = touch_script_create(
                partner=self.partner, product=product, kind=form.cleaned_data["kind"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self._render(request, form, status=exc.status_code)
        messages.success(request, _("The script was created from the default: edit its steps."))
        return redirect("scripts:script", script_id=script.pk)


class ScriptDetailView(ScriptMixin, View):
    """The script's steps; a post adds one."""

    template_name = "crm/script_detail.html"

    def _render(
        self,
        request: HttpRequest,
        script: TouchScript,
        *,
        add_form: StepForm | None = None,
        error_step: Any = None,
        step_form: StepForm | None = None,
        error: str = "",
        status: int = 200,
    ) -> HttpResponse:
        steps = list(TouchScriptStep.objects.for_partner(self.partner).filter(script=script))
        context = {
            "script": script,
            "steps": steps,
            "add_form": add_form or StepForm(),
            "error_step": error_step,
            "step_form": step_form,
            "error": error,
            "can_change": self.can_change(),
            "steps_max": SCRIPT_STEPS_MAX,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, script_id: Any) -> HttpResponse:
        return self._render(request, self.get_script(script_id))

    def post(self, request: HttpRequest, script_id: Any) -> HttpResponse:
        script = self.get_script(script_id)
        self.check_can_change()
        form = StepForm(request.POST)
        if not form.is_valid():
            return self._render(request, script, add_form=form, status=400)
        try:
            touch_script_step_add(script=script, **form.cleaned_data)
        except ApplicationError as exc:
            return self._render(
                request, script, add_form=form, error=exc.message, status=exc.status_code
            )
        messages.success(request, _("The step was added."))
        return redirect("scripts:script", script_id=script.pk)


class ScriptDeleteView(ScriptMixin, View):
    def post(self, request: HttpRequest, script_id: Any) -> HttpResponse:
        script = self.get_script(script_id)
        self.check_can_change()
        touch_script_delete(script=script)
        messages.success(request, _("The script was deleted: the managers see the default."))
        return redirect("scripts:list")


class StepView(ScriptMixin, View):
    """One step: ``action`` save (title and text), up, down or delete."""

    def post(self, request: HttpRequest, script_id: Any, step_id: Any) -> HttpResponse:
        script = self.get_script(script_id)
        step = get_object_or_404(
            TouchScriptStep.objects.for_partner(self.partner).select_related("script"),
            message=_("Step not found."),
            pk=step_id,
            script=script,
        )
        self.check_can_change()
        action = request.POST.get("action", "save")
        if action in ("up", "down"):
            touch_script_step_move(step=step, up=action == "up")
        elif action == "delete":
            touch_script_step_delete(step=step)
            messages.success(request, _("The step was deleted."))
        else:
            form = StepForm(request.POST)
            detail = ScriptDetailView()
            detail.request, detail.partner = request, self.partner
            if not form.is_valid():
                return detail._render(
                    request, script, error_step=step.pk, step_form=form, status=400
                )
            try:
                touch_script_step_update(step=step, **form.cleaned_data)
            except ApplicationError as exc:
                return detail._render(
                    request,
                    script,
                    error_step=step.pk,
                    step_form=form,
                    error=exc.message,
                    status=exc.status_code,
                )
            messages.success(request, _("The step was saved."))
        return redirect("scripts:script", script_id=script.pk)
