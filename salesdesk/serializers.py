"""Serializer helpers shared by the API apps."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


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


class ErrorSerializer(serializers.Serializer):
    """Every API error (the schema's ``Error``): a stable code for programs, a message for
    people, and the specifics (field messages, the conflicting object...)."""

    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()
