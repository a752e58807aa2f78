"""Input of the queue's pages. They check shape only; the rules (callback in the future, a
reason for a refusal, an allowed channel) live in ``sales_queue.workflow``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from partners.models import Channel
from sales_queue.models import LostReason, Outcome
from sales_queue.selectors import sellers
from sales_queue.services import MANAGER_LOST_REASONS
from salesdesk.timezones import MOSCOW


class MoscowDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input carries no zone; the sales department works in Moscow time."""

    def to_python(self, value: Any) -> Any:
        with timezone.override(MOSCOW):
            return super().to_python(value)


class TouchForm(forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)
    comment = forms.CharField(label=_("comment"), required=False, max_length=5000)
    callback_at = MoscowDateTimeField(label=_("call back at"), required=False)
    reason = forms.ChoiceField(
        label=_("reason"),
        required=False,
        choices=[("", "—"), *[(r.value, r.label) for r in LostReason if r in MANAGER_LOST_REASONS]],
    )
    # Checked by the service (https only, 1000 characters), which names the problem.
    recording_url = forms.CharField(label=_("call recording"), required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # One form holds every outcome's inputs; a half-typed callback time must not get in
        # the way of logging "reached", so inputs of the other outcomes are ignored.
        if data is not None:
            data = data.copy()
            outcome = data.get("outcome")
            if outcome != Outcome.CALLBACK:
                data.pop("callback_at", None)
            if outcome != Outcome.REFUSED:
                data.pop("reason", None)
        super().__init__(data, **kwargs)


class ReassignForm(forms.Form):
    manager = forms.ModelChoiceField(
        label=_("manager"),
        queryset=User.objects.none(),
        error_messages={"invalid_choice": _("Choose an active sales manager.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = sellers()  # type: ignore[attr-defined]
