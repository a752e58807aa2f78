"""Take next: a manager gets their own due callback or the next item of the fair line
(sales_queue.fairness: per partner oldest due first, a burst of one partner not starving the
others).

Who takes what (the team, accounts.team), one *variant* of the take per kind of seller:
- ``closer`` — a manager or an account manager, and in single mode every seller: their due
  callback, then the closers' pool (``warm`` items a caller handed over, first handed over
  first), then the line. Single mode takes the pool too, so that warm items left from a split
  period are never stranded;
- ``line`` — a caller in split mode: their due callback, then the line (never the pool);
- ``trainee`` — any seller flagged a trainee: their due callback of a lead, then leads only,
  cold ones first; never an order, never a warm item.

Invariants, enforced by the database and re-checked here:
- an item is active for at most one manager (one ``holder`` column);
- a manager holds at most one active item (partial unique index
  ``queue_one_active_item_per_manager``) — a take by a manager who already holds one fails on
  the index, which we turn into ``already_holding``;
- two takes by one manager run one after the other (a transaction-scoped advisory lock on the
  manager), so the second of a double click answers ``already_holding``, never "queue empty";
- on PostgreSQL a take is one claim statement, ``UPDATE … FROM (SELECT … FOR UPDATE SKIP
  LOCKED LIMIT 1) RETURNING``, on one table and one partial index: whether an item may be
  worked is its own ``workable`` column, not a join to products and partners; on SQLite (no
  row locks, one writer at a time) a compare-and-swap ``UPDATE … WHERE state = <seen>``.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.team import team_is_split
from crm.models import Lead, LeadList
from crm.services import deal_open_params, deal_open_sql
from orders.models import Order
from partners.models import Product
from sales_queue.hours import is_working_time, next_working_time
from sales_queue.models import QueueEvent, QueueItem, takeable
from sales_queue.services.common import record_event, require_lead_for_trainee, require_seller
from sales_queue.services.deals import open_deal
from salesdesk import lean
from salesdesk.errors import ConflictError, NotFoundError
from salesdesk.prepared import prepared

State = QueueItem.State
Source = QueueItem.Source
_TAKE_RETRIES = 5
# The take's variants (the module's docstring): which branches the claim runs, in order.
LINE, CLOSER, TRAINEE = "line", "closer", "trainee"
VARIANTS = (LINE, CLOSER, TRAINEE)
# The partial unique index that allows one active item per manager (sales_queue.models).
ONE_ACTIVE_PER_MANAGER = "queue_one_active_item_per_manager"
# The first key of the take's advisory lock (pg_advisory_xact_lock(int, int)): a namespace, so
# that other advisory locks of the app never collide with it.
_TAKE_LOCK_SPACE = 0x7A4E  # CAS losses in a row before giving up (only ever reached on SQLite)


def _held_item_id(manager: User) -> Any:
    return (
        QueueItem.objects.filter(holder=manager, state=State.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )


def _require_working_time(now: dt.datetime) -> None:
    if not is_working_time(now):
        opens = next_working_time(now)
        raise ConflictError(
            _("Orders are taken only during working hours (%(hours)s Moscow time).")
            % {"hours": settings.SALES_WORKING_HOURS},
            code="outside_working_hours",
            details={"opens_at": opens.isoformat(), "hours": str(settings.SALES_WORKING_HOURS)},
        )


def _already_holding(held_id: Any) -> ConflictError:
    return ConflictError(
        _("Finish your current order before taking the next one."),
        code="already_holding",
        details={"item": str(held_id) if held_id else None},
    )


def _lock_key(manager: User) -> int:
    # 31 bits of the id: two managers sharing them would only wait for each other's takes.
    return uuid.UUID(str(manager.pk)).int % 2**31


def _serialize_takes_of(manager: User) -> None:
    """Take a lock on the manager for the rest of the transaction: two takes by one manager
    (a double click, two tabs) run one after the other, so the second sees the first's item
    and answers ``already_holding`` — instead of finding every waiting row locked by its twin
    and reporting an empty queue. Takes by different managers take different locks and stay
    concurrent. On PostgreSQL a transaction-scoped advisory lock keyed by the manager's id (in
    memory: unlike a row lock it writes nothing); SQLite's one writer at a time serializes
    anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_TAKE_LOCK_SPACE, _lock_key(manager)]
        )


def _is_second_active_item(exc: IntegrityError) -> bool:
    # PostgreSQL names the index; SQLite names the column of the partial unique index.
    text = str(exc)
    return ONE_ACTIVE_PER_MANAGER in text or "queue_queueitem.holder_id" in text


def _refuse_if_holding(manager: User) -> None:
    held_id = _held_item_id(manager)
    if held_id is not None:
        raise _already_holding(held_id)


def take_variant(manager: User) -> str:
    """Which line the seller takes from (the module's docstring). Only a caller's depends on
    the team's mode, so only a caller's take reads it."""
    if manager.is_trainee:
        return TRAINEE
    if manager.role == Role.CALLER and team_is_split():
        return LINE
    return CLOSER


def _claim_candidate(manager: User, now: dt.datetime, variant: str) -> QueueItem | None:
    locked = QueueItem.objects.select_for_update(skip_locked=True, of=("self",))
    callbacks = locked.filter(holder=manager, state=State.SCHEDULED, available_at__lte=now)
    if variant == TRAINEE:
        callbacks = callbacks.filter(source=Source.LEAD)
    callback = callbacks.order_by("available_at", "id").first()
    if callback is not None:
        return callback
    if variant == TRAINEE:
        return (
            locked.filter(takeable(now), warm=False, source=Source.LEAD)
            .order_by("-cold", "fair_key", "available_at", "id")
            .first()
        )
    if variant == CLOSER:
        warm = locked.filter(takeable(now), warm=True).order_by("available_at", "id").first()
        if warm is not None:
            return warm
    return ready_items(now).first()


def ready_items(now: dt.datetime) -> Any:
    """The line in take order, locked rows skipped: the smallest fair key first
    (sales_queue.fairness), then the oldest available, along ``queue_take_idx`` (its columns
    and predicate are this query's; warm items wait in the closers' pool, not here). Call
    inside a transaction."""
    return (
        QueueItem.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(takeable(now), warm=False)
        .order_by("fair_key", "available_at", "id")
    )


# The buyer as the new deal keeps them (crm.services.DEAL_OPENING_COLUMNS): the order's
# columns, or the lead's.
_CONTACT_COLUMNS = {
    "contact_id": ("contact_id", "contact_id"),
    "contact_name": ("customer_name", "name"),
    "contact_email": ("customer_email", "email"),
    "contact_phone": ("customer_phone", "phone"),
    "contact_telegram": ("customer_telegram", "telegram"),
    "contact_whatsapp": ("customer_whatsapp", "whatsapp"),
}


# The branches of the claim's pick, each one scan of its partial index (sales_queue.models),
# ``SKIP LOCKED``. The trainee's ``source`` is a literal, not a parameter: a generic plan of
# the prepared statement must still see that its predicate implies the index's.
_OWN_CALLBACK = """
    SELECT id, taken_at FROM {item}
     WHERE holder_id = %(manager)s AND state = %(scheduled)s
       AND available_at <= %(now)s{only_leads}
     ORDER BY available_at, id
     LIMIT 1 FOR UPDATE SKIP LOCKED"""
_BRANCHES = {
    # The closers' pool along queue_warm_idx: first handed over first.
    "warm_pool": """
    SELECT id, taken_at FROM {item}
     WHERE state = %(queued)s AND workable AND warm
       AND available_at <= %(now)s
     ORDER BY available_at, id
     LIMIT 1 FOR UPDATE SKIP LOCKED""",
    # The fair line along queue_take_idx.
    "head_of_line": """
    SELECT id, taken_at FROM {item}
     WHERE state = %(queued)s AND workable AND NOT warm
       AND available_at <= %(now)s
     ORDER BY fair_key, available_at, id
     LIMIT 1 FOR UPDATE SKIP LOCKED""",
    # A trainee's line along queue_trainee_idx: leads only, cold ones first.
    "trainee_line": """
    SELECT id, taken_at FROM {item}
     WHERE state = %(queued)s AND workable AND NOT warm AND source = 'lead'
       AND available_at <= %(now)s
     ORDER BY cold DESC, fair_key, available_at, id
     LIMIT 1 FOR UPDATE SKIP LOCKED""",
}
_VARIANT_BRANCHES = {
    LINE: ("head_of_line",),
    CLOSER: ("warm_pool", "head_of_line"),
    TRAINEE: ("trainee_line",),
}


def pick_sql(variant: str = LINE) -> str:
    """The pick of ``variant``'s take: the seller's own due callback, then its lines in order
    (``UNION ALL … LIMIT 1`` stops at the first row)."""
    item = connection.ops.quote_name(QueueItem._meta.db_table)
    only_leads = " AND source = 'lead'" if variant == TRAINEE else ""
    branches = [("own_callback", _OWN_CALLBACK.format(item=item, only_leads=only_leads))]
    branches += [(name, _BRANCHES[name].format(item=item)) for name in _VARIANT_BRANCHES[variant]]
    body = "\n            UNION ALL\n".join(
        f"            SELECT id, taken_at FROM ({sql}\n            ) AS {name}"  # noqa: S608
        for name, sql in branches
    )
    return f"{body}\n            LIMIT 1"


@functools.cache
def claim_sql(variant: str = LINE) -> str:
    """The take on PostgreSQL as one statement: pick (the manager's own due callback, else the
    head of the variant's lines — one index scan each, no join, ``SKIP LOCKED``: see
    :func:`pick_sql`), claim it (a warm item stays warm: released or
    retried, it goes back to the closers' pool, not to the callers' line), log
    the ``taken`` event, and open its deal with the SQL crm gives for it
    (``deal_open_sql``, from the item with its order and product: the deal, its stage change
    and its task). Returns the claimed item's columns (``lean.columns``) and whether a deal
    was opened. One text per variant, each planned once per connection.

    ``UNION ALL … LIMIT 1`` runs its branches in order and stops at the first row, so the
    queue is not even read (nor a row of it locked) when a callback is due."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown take variant {variant!r}")
    quote = connection.ops.quote_name
    item, event = quote(QueueItem._meta.db_table), quote(QueueEvent._meta.db_table)
    # A text column is '' for an item of neither (the deal's column is not null).
    contact = ", ".join(
        f"coalesce(o.{quote(order)}, l.{quote(lead)}{empty}) AS {name}"
        for name, (order, lead) in _CONTACT_COLUMNS.items()
        for empty in ["" if name == "contact_id" else ", ''"]
    )
    sql = f"""
        WITH pick AS MATERIALIZED ({pick_sql(variant)}
        ),
        claimed AS (
            UPDATE {item} AS i
               SET state = %(active)s, holder_id = %(manager)s, taken_at = %(now)s,
                   updated_at = %(now)s
              FROM pick
             WHERE i.id = pick.id
            RETURNING i.*, pick.taken_at IS NULL AS first_take
        ),
        logged AS (
            INSERT INTO {event} (item_id, kind, manager_id, actor_id, note, created_at)
            SELECT id, %(taken)s, %(manager)s, %(manager)s, '', %(logged_at)s FROM claimed
        ),
        opening AS (
            SELECT c.id AS queue_item_id, c.partner_id, c.product_id, c.order_id,
                   %(manager)s AS responsible_id, coalesce(ll.name, p.name) AS title,
                   CASE WHEN c.lead_id IS NULL
                        THEN coalesce(nullif(o.source, ''), %(no_source)s)
                        ELSE coalesce(nullif(l.source, ''), %(lead_source)s) END AS source,
                   coalesce(o.created_at, l.created_at, c.entered_at) AS lead_created_at,
                   c.taken_at AS opened_at, {contact}
              FROM claimed AS c
              JOIN {quote(Product._meta.db_table)} AS p ON p.id = c.product_id
              LEFT JOIN {quote(Order._meta.db_table)} AS o ON o.id = c.order_id
              LEFT JOIN {quote(Lead._meta.db_table)} AS l ON l.id = c.lead_id
              LEFT JOIN {quote(LeadList._meta.db_table)} AS ll ON ll.id = l.lead_list_id
             WHERE c.first_take
        ),
        {deal_open_sql(rows="opening")}
        SELECT EXISTS (SELECT FROM crm_opened) AS opened, c.first_take,
               {lean.columns(QueueItem, "c")}
          FROM claimed AS c
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    return sql


def claim_params(manager: User, now: dt.datetime) -> dict[str, Any]:
    logged_at = timezone.now()
    params = deal_open_params(now=logged_at)
    params.update(
        manager=manager.pk,
        now=now,
        logged_at=logged_at,
        scheduled=State.SCHEDULED,
        queued=State.QUEUED,
        active=State.ACTIVE,
        taken=QueueEvent.Kind.TAKEN,
        # The deal's ad channel when the order or lead names none (sales_queue.services.deals).
        no_source=_("Unpaid order"),
        lead_source=_("Lead"),
    )
    return params


def _take_postgresql(manager: User, now: dt.datetime, variant: str) -> QueueItem | None:
    """The take in one round trip besides the commit: the manager's lock with the claim, which
    also opens the deal (``claim_sql``). A manager already holding an item makes the claim
    fail on the partial unique index (``already_holding``, the caller's); an empty claim
    checks for that too, so a double click never answers "queue empty". The item comes back
    alone (its order, product and partner load when asked for)."""
    params = claim_params(manager, now)
    params["lock_space"], params["lock_key"] = _TAKE_LOCK_SPACE, _lock_key(manager)
    with transaction.atomic():
        # Planning the claim costs PostgreSQL more than running it: planned once per
        # connection (salesdesk.prepared).
        claim = prepared(connection, claim_sql(variant), params)
        with connection.cursor() as cursor:
            # The manager's lock and the claim in one round trip: two statements, each with
            # its own snapshot, so the claim sees what a twin take committed while this one
            # waited for the lock.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%(lock_space)s, %(lock_key)s); " + claim, params
            )
            row = cursor.fetchone()
        if row is None:
            _refuse_if_holding(manager)
            return None
        item = cast(QueueItem, lean.instances(row[2:], QueueItem)[0])
        if not row[0]:
            # The item has a deal from an earlier take (handed over, reopened), or its
            # partner's first deal makes the funnel first: crm's service does it.
            open_deal(item, manager, first_take=row[1])
        return item


def queue_take_next(*, manager: User, now: dt.datetime | None = None) -> QueueItem | None:
    """Give the manager their next item: their own due callbacks first, then the closers'
    pool when they close, then the next one in the fair line (sales_queue.fairness); a
    trainee's line holds leads only, cold ones first (the module's docstring). Returns
    ``None`` when there is nothing to take.

    Raises ``outside_working_hours`` and ``already_holding`` (both 409).
    """
    require_seller(manager)
    now = now or timezone.now()
    _require_working_time(now)
    variant = take_variant(manager)
    try:
        if connection.vendor == "postgresql":
            return _take_postgresql(manager, now, variant)
        return _take_portable(manager, now, variant)
    except IntegrityError as exc:
        # The manager holds an item already (a second tab; the head's reassign): the partial
        # unique index said no and the whole take rolled back. No savepoint around the claim:
        # it would cost two round trips on every take for this rare case.
        if not _is_second_active_item(exc):
            raise
        raise _already_holding(_held_item_id(manager)) from None


def _take_portable(manager: User, now: dt.datetime, variant: str) -> QueueItem | None:
    """The take with the ORM (SQLite): no row locks there, one writer at a time; the
    compare-and-swap ``UPDATE`` decides who got an item."""
    for _attempt in range(_TAKE_RETRIES):
        with transaction.atomic():
            _refuse_if_holding(manager)
            candidate = _claim_candidate(manager, now, variant)
            if candidate is None:
                return None
            claimed = QueueItem.objects.filter(
                pk=candidate.pk, state=candidate.state, holder=candidate.holder_id
            ).update(state=State.ACTIVE, holder=manager, taken_at=now, updated_at=now)
            if claimed != 1:
                continue  # another manager got it first: try the next one
            item = QueueItem.objects.select_related("order", "product", "partner").get(
                pk=candidate.pk
            )
            record_event(item, QueueEvent.Kind.TAKEN, manager=manager, actor=manager)
            open_deal(item, manager, first_take=candidate.taken_at is None)
            return item
    return None


def queue_take_callback(
    *, manager: User, item_id: Any, now: dt.datetime | None = None
) -> QueueItem:
    """Take one of the manager's own scheduled callbacks now, due or not (the workspace's
    «Взять сейчас»): it becomes their active item, as take-next would make it when due.

    The same rules as take-next: working hours (``outside_working_hours``), one active item per
    manager (``already_holding``, also for the second of a double click: the compare-and-swap
    lets one through, the other finds the item taken). Another manager's item, an item that is
    not a scheduled callback, or a malformed id: ``not_found``. A trainee's callback of an
    order (given to them before they became one): 409 ``trainee_leads_only``.
    """
    require_seller(manager)
    now = now or timezone.now()
    _require_working_time(now)
    try:
        pk = uuid.UUID(str(item_id))
    except ValueError:
        raise NotFoundError(_("Callback not found.")) from None
    mine = QueueItem.objects.filter(
        pk=pk, holder=manager, state__in=(State.SCHEDULED, State.ACTIVE)
    )
    source = mine.values_list("source", flat=True).first()
    if source is None:
        raise NotFoundError(_("Callback not found."))
    require_lead_for_trainee(manager, source=source)
    with transaction.atomic():
        _serialize_takes_of(manager)
        _refuse_if_holding(manager)
        try:
            with transaction.atomic():
                claimed = QueueItem.objects.filter(
                    pk=pk, holder=manager, state=State.SCHEDULED
                ).update(state=State.ACTIVE, taken_at=now, updated_at=now)
        except IntegrityError:
            # A take of another item by the same manager committed a moment ago.
            raise _already_holding(_held_item_id(manager)) from None
        if claimed != 1:
            # The other click of a double click took it (then the manager holds it now).
            _refuse_if_holding(manager)
            raise NotFoundError(_("Callback not found."))
        item = QueueItem.objects.select_related("order", "product", "partner").get(pk=pk)
        record_event(item, QueueEvent.Kind.TAKEN, manager=manager, actor=manager, note="callback")
        open_deal(item, manager)
        return item
