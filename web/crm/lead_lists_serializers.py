"""Input and output of the lead lists API (web.crm.lead_lists_api)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.models import ALLOWED_ORIGINS_MAX, CONSENT_TEXT_MAX, LEAD_LIST_NAME_MAX, LeadList
from salesdesk.serializers import NameField, StrictSerializer, StringField
from web.crm.lead_form import lead_form_html, lead_form_url
from web.partners.serializers import StrictBooleanField


class _LeadListFields(StrictSerializer):
    allowed_origins = serializers.ListField(
        child=StringField(max_length=300),
        max_length=ALLOWED_ORIGINS_MAX,
        required=False,
        help_text="Sites (`https://school.example`, scheme and host, no path) whose pages may "
        "send the form from a script (CORS). A plain HTML form posts from anywhere. Replaces "
        "the list.",
    )
    thank_you_url = StringField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Where a browser goes after sending the form; empty: SalesDesk's own page.",
    )
    default_source = NameField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The leads' ad channel when the form's page carries no `utm_source`.",
    )
    consent_text = StringField(
        max_length=CONSENT_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="The personal-data consent the form asks to tick; empty: the default text.",
    )


class LeadListCreateInputSerializer(_LeadListFields):
    name = NameField(max_length=LEAD_LIST_NAME_MAX, help_text="Unique among the partner's lists.")
    product = serializers.UUIDField(help_text="The partner's product; another's is a 404.")


class LeadListUpdateInputSerializer(_LeadListFields):
    name = NameField(max_length=LEAD_LIST_NAME_MAX, required=False)


class LeadListArchiveInputSerializer(StrictSerializer):
    archived = StrictBooleanField(
        required=False, default=True, help_text="`false` brings an archived list back."
    )


class LeadListOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    product = serializers.UUIDField(source="product_id")
    form_token = serializers.CharField(
        help_text="The secret in the form's address; rotate it if the form leaks."
    )
    form_url = serializers.SerializerMethodField(help_text="Where the form posts (no auth).")
    form_html = serializers.SerializerMethodField(
        help_text="The HTML snippet to paste on a landing page (works without JavaScript)."
    )
    allowed_origins = serializers.ListField(child=serializers.CharField())
    thank_you_url = serializers.CharField()
    default_source = serializers.CharField()
    consent_text = serializers.CharField(help_text="Empty: the form shows the default text.")
    archived = serializers.BooleanField(
        source="is_archived", help_text="An archived list's form answers 404."
    )
    created_at = serializers.DateTimeField()

    def get_form_url(self, lead_list: LeadList) -> str:
        return lead_form_url(lead_list)

    def get_form_html(self, lead_list: LeadList) -> str:
        return lead_form_html(lead_list)


def lead_list_output(lead_list: LeadList) -> dict[str, Any]:
    return LeadListOutputSerializer(lead_list).data
