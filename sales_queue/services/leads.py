"""A lead enters the queue: the use case behind the public form, the leads API and the CSV
import. crm records the lead and its contact (:func:`crm.leads.lead_create`); the queue puts it
in line at once — no grace period — in the same transaction.

Leads and unpaid orders share one line in order of arrival: a lead's item is available from
the moment it came, an order's from the moment it fell due, and both get their fair key by the
same rule (:mod:`sales_queue.fairness`), so the managers are given both evenly.

A lead of a product whose sales department does not feed the queue (switched off, not yet
approved, blocked) is recorded but not queued — as an order received then is never queued
later; the lead's page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crm.leads import LeadContact, LeadIntake, lead_create
from crm.models import Lead, LeadList
from partners.models import Partner, Product, SalesStatus
from sales_queue.fairness import partner_next_key
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services.common import record_event
from sales_queue.services.sweep import ENQUEUE_LOCK


def _product_feeds_queue(product_id: Any) -> bool:
    return Product.objects.filter(
        pk=product_id,
        sales_enabled=True,
        sales_status=SalesStatus.APPROVED,
        partner__status=Partner.Status.ACTIVE,
    ).exists()


def lead_enqueue(*, lead: Lead, now: dt.datetime | None = None) -> QueueItem | None:
    """Put a new lead in line, available at once; ``None`` when its product does not feed the
    queue now. The item's one-to-one ``lead`` keeps a lead from entering twice."""
    now = now or timezone.now()
    if not _product_feeds_queue(lead.product_id):
        return None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Keys given one after the other with the sweep's batches (sales_queue.fairness).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", ENQUEUE_LOCK)
        item = QueueItem.objects.create(
            source=QueueItem.Source.LEAD,
            lead=lead,
            partner_id=lead.partner_id,
            product_id=lead.product_id,
            state=QueueItem.State.QUEUED,
            entered_at=now,
            available_at=now,
            workable=True,
            fair_key=partner_next_key(lead.partner_id),
        )
        record_event(item, QueueEvent.Kind.ENTERED, manager=None)
    return item


def lead_submit(
    *,
    lead_list: LeadList,
    contact: LeadContact,
    origin: str,
    comment: Any = "",
    source: Any = "",
    tracking: Mapping[str, str] | None = None,
    external_id: Any = "",
    cold: bool = False,
    consent_text: str = "",
    consent_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> LeadIntake:
    """Record a lead (see :func:`crm.leads.lead_create` for the checks and the idempotency on
    ``external_id``) and, when it is new, put it in the queue, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        intake = lead_create(
            lead_list=lead_list,
            contact=contact,
            origin=origin,
            comment=comment,
            source=source,
            tracking=tracking,
            external_id=external_id,
            cold=cold,
            consent_text=consent_text,
            consent_at=consent_at,
            now=now,
        )
        if intake.created:
            lead_enqueue(lead=intake.lead, now=now)
    return intake


def leads_enqueue_batch(*, leads: list[Lead], now: dt.datetime | None = None) -> int:
    """Put new leads of one product in line at once, in the given order — what
    :func:`lead_enqueue` does for each, in four statements for the lot (the CSV import's
    batches): one check that the product feeds the queue, the sweep's lock, the partner's next
    key (``max(V, last + 1)``, as :func:`~sales_queue.fairness.partner_next_key`) and
    consecutive keys from it, as one sweep gives a partner's items. Returns how many entered."""
    if not leads:
        return 0
    now = now or timezone.now()
    product_ids = {lead.product_id for lead in leads}
    if len(product_ids) != 1:
        raise ValueError("leads_enqueue_batch takes the leads of one product")
    if not _product_feeds_queue(leads[0].product_id):
        return 0
    partner_id = leads[0].partner_id
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", ENQUEUE_LOCK)
        first_key = (
            Partner.objects.filter(pk=partner_id)
            .annotate(key=partner_next_key(partner_id))
            .values_list("key", flat=True)
            .get()
        )
        items = QueueItem.objects.bulk_create(
            QueueItem(
                source=QueueItem.Source.LEAD,
                lead=lead,
                partner_id=partner_id,
                product_id=lead.product_id,
                state=QueueItem.State.QUEUED,
                entered_at=lead.created_at,
                available_at=lead.created_at,
                workable=True,
                fair_key=first_key + offset,
            )
            for offset, lead in enumerate(leads)
        )
        QueueEvent.objects.bulk_create(
            QueueEvent(item=item, kind=QueueEvent.Kind.ENTERED, note="", created_at=now)
            for item in items
        )
    return len(items)
