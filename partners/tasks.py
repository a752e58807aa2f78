"""Background jobs of the partners app. Tasks take ids and are safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import PARTNER_ROLES, User
from partners.models import StatusChange

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_partner_of_decision_task(self: Any, status_change_id: int) -> int:
    """Email the partner's people about a decision of the head of sales.

    Sends nothing when the change has already been notified (``notified_at`` is claimed with a
    compare-and-swap update, so two workers never both send). If sending fails the claim is
    given back before the retry, so the email is delayed, not lost.
    """
    claimed = StatusChange.objects.filter(pk=status_change_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    change = StatusChange.objects.select_related("partner", "product").get(pk=status_change_id)
    recipients = list(
        User.objects.filter(partner=change.partner, role__in=sorted(PARTNER_ROLES), is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {"change": change, "partner": change.partner, "product": change.product}
        subject = render_to_string("partners/email/decision_subject.txt", context).strip()
        body = render_to_string("partners/email/decision_body.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception as exc:
        StatusChange.objects.filter(pk=status_change_id).update(notified_at=None)
        logger.warning("could not email the decision %s: %s", status_change_id, exc)
        raise self.retry(exc=exc) from exc
    logger.info(
        "notified %d people of %s about status change %s",
        len(recipients),
        change.partner,
        change.pk,
    )
    return len(recipients)
