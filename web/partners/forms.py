"""Forms of the cabinet and head pages. They check shapes only; the rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import (
    GRACE_MAX_MINUTES,
    AlignmentSlot,
    Channel,
    Product,
    Questionnaire,
    RefusalReason,
)
from partners.services import CALL_NOTES_MAX
from salesdesk.errors import ApplicationError
from salesdesk.money import MoneyFormField
from salesdesk.text import validate_single_line
from salesdesk.timezones import moscow_day
from web.partners.presenters import field_label


def add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: field errors beside fields, the message on top."""
    matched = False
    for name, messages in exc.details.items():
        if name in form.fields and isinstance(messages, list):
            for message in messages:
                form.add_error(name, str(message))
            matched = True
    if not matched or exc.code != "validation_error":
        form.add_error(None, exc.message)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_single_line])
    # Accepts "4 900,50" as the pages show it and Russians type it.
    price = MoneyFormField(label=_("Price, RUB"))
    external_id = forms.CharField(
        label=_("External id"),
        max_length=200,
        validators=[validate_single_line],
        required=False,
        help_text=_("The product's id in your storefront, if you send orders by the API."),
    )


class SalesSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Sales department enabled"), required=False)
    grace_period_minutes = forms.IntegerField(
        label=_("Grace period, minutes"),
        min_value=0,
        max_value=GRACE_MAX_MINUTES,
        help_text=_(
            "How long an unpaid order waits for the buyer to pay on their own before it goes "
            "to the sales department. For example, 60 is one hour, 1440 is one day; at most "
            "10080 (a week)."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels the managers may use"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )
    priority_channel = forms.ChoiceField(
        label=_("Priority channel"),
        choices=[("", _("No priority")), *Channel.choices],
        required=False,
        help_text=_("The managers try it first. It must be one of the channels ticked above."),
    )

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if product is not None:
            # The boxes in the product's order (the browser posts them so), unticked ones last.
            field = self.fields["channels"]
            assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
            labels = dict(Channel.choices)
            order = list(dict.fromkeys([*product.channels, *labels]))
            field.choices = [(c, labels[c]) for c in order if c in labels]

    @classmethod
    def for_product(cls, product: Product) -> SalesSettingsForm:
        return cls(
            initial={
                "enabled": product.sales_enabled,
                "grace_period_minutes": product.grace_period_minutes,
                "channels": list(product.channels),
                "priority_channel": product.priority_channel,
            },
            product=product,
        )


QUESTIONNAIRE_HELP = {
    "project_description": _("Who you are, what the school or store does, since when."),
    "product_description": _("What the buyer gets: format, duration, result."),
    "audience": _("Who buys it and why; who it does not suit."),
    "price_and_payment": _("Price, instalments, discounts, how to pay."),
    "start_dates": _("When the next groups start; whether one can join later."),
    "course_content": _("Modules, lessons, bonuses."),
    "faq": _("Questions buyers ask most often, with answers."),
    "objections": _("What buyers doubt and what to answer."),
    "platform_terms": _("Offer, refunds, access period."),
    "access_problems": _("Known problems with access or payment and how to solve them."),
    "urgent_contact": _("Name, phone or messenger of the person who answers during working hours."),
}


class QuestionnaireForm(forms.Form):
    """All answers are optional here: a draft may be incomplete; submitting checks them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in Questionnaire.TEXT_FIELDS:
            self.fields[name] = forms.CharField(
                label=field_label(name),
                help_text=QUESTIONNAIRE_HELP[name],
                required=False,
                max_length=20_000,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 4}),
            )


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _slot_label(obj)


class BookingForm(forms.Form):
    slot = SlotChoiceField(
        label=_("Time of the call"),
        queryset=AlignmentSlot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("This slot is no longer available.")},
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products to discuss"),
        queryset=Product.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, slots: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(SlotChoiceField, self.fields["slot"]).queryset = slots
        cast(forms.ModelMultipleChoiceField, self.fields["products"]).queryset = products


def _slot_label(slot: AlignmentSlot) -> str:
    starts = timezone.localtime(slot.starts_at)
    return _("%(date)s at %(time)s Moscow time, %(minutes)d min") % {
        "date": moscow_day(starts),
        "time": starts.strftime("%H:%M"),
        "minutes": slot.duration_minutes,
    }


# --- the head's forms ---


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApproveForm(CommentForm):
    call_notes = forms.CharField(
        label=_("Notes of the alignment call"),
        required=False,
        max_length=CALL_NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "No held call covers this product: if you have agreed with the partner by phone, "
            "write down what was agreed. The notes are kept in the product's history."
        ),
    )


class CallHeldForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes of the call"),
        max_length=CALL_NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed; kept in the history of the call's products."),
    )


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RefusalReason.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is «other». The partner sees it."),
    )


class SlotForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at (Moscow time)"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=5, max_value=240, initial=30
    )
