"""Tenancy base: every partner-owned row carries its partner; reads reach it only through
the partner. A foreign or malformed id is "not found" — never "forbidden", which would
confirm that it exists."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from salesdesk.errors import NotFoundError

M = TypeVar("M", bound=Model)


def get_object_or_404(queryset: QuerySet[M], *, message: str | None = None, **lookups: Any) -> M:
    """Like Django's, but a malformed id (not a UUID) is also a plain 'not found'.

    ``message`` replaces the default "<model> not found." (e.g. "Queue item not found.").
    """
    try:
        return queryset.get(**lookups)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        if message is None:
            message = _("%(model)s not found.") % {"model": queryset.model._meta.verbose_name}
        raise NotFoundError(message) from None
