from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES, User
from salesdesk.errors import ApplicationError
from stats.models import CommissionRate


@transaction.atomic
def commission_rate_set(*, user: User, percent: Decimal, actor: User) -> CommissionRate:
    """Set a seller's commission rate (0–100 %, two places; the database checks the range
    too). One row per manager, updated in place: the rate applies to every period shown."""
    if user.role not in SELLER_ROLES:
        raise ApplicationError(
            _("Only sales managers earn a commission."),
            code="validation_error",
            details={"user": [_("Not a sales manager.")]},
        )
    if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
        raise ApplicationError(
            _("The rate is a percentage from 0 to 100."),
            code="validation_error",
            details={"percent": [_("From 0 to 100.")]},
        )
    rate, _created = CommissionRate.objects.update_or_create(
        user=user,
        defaults={
            "percent": percent.quantize(Decimal("0.01")),
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    return rate
