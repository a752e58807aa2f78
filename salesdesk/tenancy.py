"""Tenancy base: every partner-owned row carries its partner; reads reach it only through
the partner. A foreign or malformed id is "not found" — never "forbidden", which would
confirm that it exists.

One mechanism for all partner-owned models: their default manager is built from
:class:`PartnerScopedQuerySet`, and every partner-reachable selector starts from
``Model.objects.for_partner(partner)``. It is explicit (a plain queryset method, no
thread-local "current tenant" as in django-scopes), so tasks, commands and the head's
cross-partner reads keep working unchanged, and a selector that forgets the scope reads
differently from one that has it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from salesdesk.errors import NotFoundError

M = TypeVar("M", bound=Model)


class PartnerScopedQuerySet(QuerySet[M]):
    """Queryset of a model with a ``partner`` foreign key.

    Use as the model's manager: ``objects = PartnerScopedQuerySet.as_manager()``.
    """

    partner_field = "partner"

    def for_partner(self, partner: Model | None) -> PartnerScopedQuerySet[M]:
        """Only the rows of ``partner``. ``None`` is a programming error, not "everyone's" and
        not "nobody's": it raises instead of silently reading all or nothing."""
        if partner is None or partner.pk is None:
            raise ValueError(
                f"{self.model.__name__}.objects.for_partner() needs a saved partner, "
                f"got {partner!r}."
            )
        return self.filter(**{self.partner_field: partner})


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
