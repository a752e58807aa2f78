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
import logging
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm.leads import LeadContact, LeadIntake, lead_create
from crm.models import Deal, Lead, LeadList
from crm.services import deal_order_linked
from orders.models import Order
from partners.models import Partner, Product, SalesStatus
from sales_queue.fairness import partner_next_key
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services.sweep import ENQUEUE_LOCK

logger = logging.getLogger(__name__)


def _product_feeds_queue(product_id: Any) -> bool:
    return Product.objects.filter(
        pk=product_id,
        sales_enabled=True,
        sales_status=SalesStatus.APPROVED,
        partner__status=Partner.Status.ACTIVE,
    ).exists()


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
            leads_enqueue(leads=[intake.lead], now=now)
    return intake


def lead_deal_for_payment(*, order: Order, window: dt.timedelta) -> Deal | None:
    """The lead deal a just-paid order of the same buyer belongs to, if any.

    A deal qualifies when all hold:

    * it was opened by taking a **lead** (its queue item is a lead's), of the order's
      partner, and its buyer is the order's contact (the order has one);
    * it was opened at or before the payment's ``paid_at`` (a manager had taken the lead by
      then: a lead taken only after the buyer paid did nothing for that payment);
    * it is not withdrawn, and it was open at ``paid_at`` or closed (won or lost) at most
      ``window`` (the fee policy's attribution window) before it: ``closed_at >= paid_at −
      window``.

    Among several, the most recently opened one. ``None`` when the order has no contact or no
    payment time.
    """
    if order.contact_id is None or order.paid_at is None:
        return None
    paid_at = order.paid_at
    return (
        Deal.objects.filter(
            partner_id=order.partner_id,
            contact_id=order.contact_id,
            queue_item__lead__isnull=False,
            created_at__lte=paid_at,
        )
        .exclude(status=Deal.Status.WITHDRAWN)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=paid_at - window))
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic(savepoint=False)  # a step of billing's order_pay, which owns the transaction
def lead_deal_link_payment(
    *, order: Order, window: dt.timedelta, now: dt.datetime | None = None
) -> Deal | None:
    """A lead's buyer paid an order later: link the paid order to the lead's deal.

    Called once per order, by the payment that changed it (billing's ``order_pay``), after
    the order linked itself to its own deal if it had one (``orders.services``): an order
    that has a deal of its own keeps it — an order is linked to one deal at most. Otherwise
    the order is linked to :func:`lead_deal_for_payment`'s deal with a compare-and-swap on
    ``deal IS NULL`` (a concurrent manager's link wins cleanly), and the deal's responsible
    gets the «paid order linked» task (as a manager's link gives).

    The link is all it does: the deal keeps its stage and status (an open deal stays open for
    its manager to close), the lead's queue item is left alone, and **no fee** comes of it —
    the order's fee is decided by its own queue item alone
    (:func:`sales_queue.services.closing.payment_attribution`); a linked order counts for the
    deal's manager's statistics and commission only. Returns the deal linked, or ``None``.
    """
    if order.deal_id is not None:
        return None
    deal = lead_deal_for_payment(order=order, window=window)
    if deal is None:
        return None
    if not Order.objects.filter(pk=order.pk, deal__isnull=True).update(deal=deal):
        return None
    order.deal_id = deal.pk
    deal_order_linked(
        deal=deal, external_id=order.external_id, amount=order.amount, now=now, actor=None
    )
    logger.info("order %s paid by a lead's buyer: linked to the lead deal %s", order.pk, deal.pk)
    return deal


def leads_enqueue(*, leads: list[Lead], now: dt.datetime | None = None) -> int:
    """Put new leads of one product in line, in the given order, each available from its
    arrival; returns how many entered (none when the product does not feed the queue now).
    One lead (the form, the API) or a batch (the CSV import), in four statements either way:
    the check that the product feeds the queue, the sweep's lock (keys given one after the
    other with the sweep's batches), the partner's next key (``max(V, last + 1)``,
    :func:`~sales_queue.fairness.partner_next_key`) with consecutive keys from it — as one
    sweep gives a partner's items — and the items with their ``entered`` events. The item's
    one-to-one ``lead`` keeps a lead from entering twice."""
    if not leads:
        return 0
    now = now or timezone.now()
    product_ids = {lead.product_id for lead in leads}
    if len(product_ids) != 1:
        raise ValueError("leads_enqueue takes the leads of one product")
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
                cold=lead.cold,
            )
            for offset, lead in enumerate(leads)
        )
        QueueEvent.objects.bulk_create(
            QueueEvent(item=item, kind=QueueEvent.Kind.ENTERED, note="", created_at=now)
            for item in items
        )
    return len(items)
