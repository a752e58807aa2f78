"""Serializer helpers shared by the API apps."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from salesdesk.text import validate_single_line


class StrictFieldsMixin:
    """Refuse keys the serializer does not declare (DRF ignores them silently by default).

    A typo such as ``"grace_minutes"`` must be a 400 naming the field, not a silent no-op.
    Nested serializers using the mixin check their own level.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            declared = set(self.fields)  # type: ignore[attr-defined]
            unknown = sorted(str(key) for key in data if key not in declared)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class StringField(serializers.CharField):
    """A JSON string, only a string: numbers and booleans are refused, not turned into text;
    so are lone surrogates (``"\\ud800"``), which no database column can store."""

    default_error_messages = {"invalid": _("Must be a string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if any("\ud800" <= ch <= "\udfff" for ch in data):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class NameField(StringField):
    """A name or an id: a string on one line, without control or text-direction characters
    (:mod:`salesdesk.text`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["validators"] = [*kwargs.get("validators", ()), validate_single_line]
        super().__init__(**kwargs)


class ErrorSerializer(serializers.Serializer):
    """Every API error (the schema's ``Error``): a stable code for programs, a message for
    people, and the specifics (field messages, the conflicting object...)."""

    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()
