"""The head's editing of a partner's deal funnel: rename a stage, add an open one, move an open
one up or down (:mod:`crm.services`). Won and lost are shown but stay last and cannot be moved.

QA may look; only the head edits (a QA or anyone else posting gets 403)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from crm.models import Stage
from crm.selectors import stages_for
from crm.services import stage_add, stage_move, stage_rename
from partners.models import Partner
from partners.selectors import partner_get, partners_for_head
from salesdesk.errors import ApplicationError
from web.crm.forms import StageActionForm
from web.tenancy import RoleRequiredMixin

VIEWERS = frozenset({Role.HEAD, Role.QA})


def _render(
    request: HttpRequest, partner: Partner | None, *, status: int = 200, **extra: Any
) -> HttpResponse:
    stages = stages_for(partner_id=partner.pk) if partner is not None else []
    open_ids = [s.pk for s in stages if s.kind == Stage.Kind.OPEN]
    context = {
        "partners": list(partners_for_head()),
        "partner": partner,
        "stages": stages,
        "first_open": open_ids[0] if open_ids else None,
        "last_open": open_ids[-1] if open_ids else None,
        "can_act": getattr(request.user, "role", None) == Role.HEAD,
        **extra,
    }
    return render(request, "crm/stages.html", context, status=status)


class StagesIndexView(RoleRequiredMixin, View):
    """Choose the partner whose funnel to edit."""

    allowed_roles = VIEWERS

    def get(self, request: HttpRequest) -> HttpResponseBase:
        chosen = request.GET.get("partner", "")
        try:
            partner_id = uuid.UUID(chosen)
        except ValueError:
            return _render(request, None)
        return redirect("stages:partner", partner_id=partner_id)


class PartnerStagesView(RoleRequiredMixin, View):
    allowed_roles = VIEWERS

    def get(self, request: HttpRequest, partner_id: Any) -> HttpResponse:
        return _render(request, partner_get(partner_id=partner_id))

    def post(self, request: HttpRequest, partner_id: Any) -> HttpResponseBase:
        if getattr(request.user, "role", None) != Role.HEAD:
            raise PermissionDenied
        partner = partner_get(partner_id=partner_id)
        form = StageActionForm(request.POST)
        if not form.is_valid():
            return _render(request, partner, status=400, error=_("Invalid input."))
        action = form.cleaned_data["action"]
        name = form.cleaned_data["name"]
        stage = None
        if action != "add":
            stages = stages_for(partner_id=partner.pk)
            stage = next((s for s in stages if s.pk == form.cleaned_data["stage"]), None)
            if stage is None:
                return _render(request, partner, status=400, error=_("Unknown stage."))
        try:
            if action == "add":
                stage_add(partner=partner, name=name)
                messages.success(request, _("Stage added."))
            elif action == "rename" and stage is not None:
                stage_rename(stage=stage, name=name)
                messages.success(request, _("Stage renamed."))
            elif stage is not None:
                stage_move(stage=stage, up=action == "up")
        except ApplicationError as exc:
            return _render(
                request,
                partner,
                status=exc.status_code,
                error=exc.message,
                error_stage=stage.pk if stage is not None else None,
                posted_name=name,
            )
        return redirect("stages:partner", partner_id=partner.pk)
