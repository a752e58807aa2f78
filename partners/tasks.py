"""Background jobs of the partners app. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from partners.models import StatusChange
from partners.reminders import call_reminders_send
from partners.services.status import notify_partner


@shared_task(ignore_result=True, acks_late=True)
def notify_partner_of_decision_task(status_change_id: int) -> int:
    """Kept for messages a broker still holds from before the outbox: writes the decision's
    notifications (a no-op when they were written with the decision) and returns how many
    were new. Decisions now write them themselves (partners.services.status.notify_partner)."""
    with transaction.atomic():
        change = StatusChange.objects.select_related("partner", "product").get(pk=status_change_id)
        return notify_partner(change)


@shared_task(ignore_result=True, acks_late=True)
def call_reminders_task() -> int:
    """Alignment-call reminders to partners (beat, every minute)."""
    return call_reminders_send()
