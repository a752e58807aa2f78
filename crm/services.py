"""Writes for contacts and the deal pipeline. crm owns its tables: other apps (orders, the
queue, billing) change a contact or a deal only through these functions."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Field, Max, Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import SELLER_ROLES, Role, User
from crm.account_managers import account_managers_for_wins
from crm.models import (
    REMINDER_EMAILS_MAX,
    SCRIPT_STEP_TEXT_MAX,
    SCRIPT_STEP_TITLE_MAX,
    SCRIPT_STEPS_MAX,
    STALE_AFTER_MAX_MINUTES,
    STALE_AFTER_MIN_MINUTES,
    Contact,
    Deal,
    DealLostReason,
    DealSettings,
    Lead,
    Stage,
    StageChange,
    Task,
    TouchScript,
    TouchScriptStep,
)
from crm.normalizers import ContactError, normalize_email, normalize_phone
from crm.scripts import (
    OUTBOUND_SECTIONS,
    kind_for,
    touch_script_default,
    touch_script_for,
)
from notifications.models import Notification
from notifications.services import notify_user
from partners.models import Channel, Partner, Product, Questionnaire
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.inserts import insert_unless_conflict
from salesdesk.money import format_money
from salesdesk.timezones import MOSCOW

if TYPE_CHECKING:
    from orders.models import Order


# Filled on a found contact when empty there; phone and email are unique per partner.
_FILLABLE = ("name", "phone", "email", "telegram", "whatsapp")
_UNIQUE = ("phone", "email")


def _find(partner: Partner, *, phone: str, email: str) -> Contact | None:
    """The partner's contact with this phone, else with this email (phone wins: it is what a
    manager calls)."""
    contacts = Contact.objects.for_partner(partner).select_for_update(of=("self",))
    if phone:
        found = contacts.filter(phone=phone).first()
        if found is not None:
            return found
    if email:
        return contacts.filter(email=email).first()
    return None


def _fill(contact: Contact, given: dict[str, str]) -> Contact:
    """Fill the found (locked) contact's empty fields from ``given``; never overwrite. A phone
    or email another contact of the partner already holds stays off this one (the unique rule)."""
    missing = {f: given[f] for f in _FILLABLE if given[f] and not getattr(contact, f)}
    for field in _UNIQUE:
        if (
            field in missing
            and Contact.objects.filter(partner_id=contact.partner_id, **{field: missing[field]})
            .exclude(pk=contact.pk)
            .exists()
        ):
            del missing[field]
    if not missing:
        return contact
    try:
        with transaction.atomic():
            Contact.objects.filter(pk=contact.pk).update(**missing, updated_at=timezone.now())
    except IntegrityError:
        # Another intake took that phone or email for a new contact meanwhile: fill the rest.
        missing = {f: v for f, v in missing.items() if f not in _UNIQUE}
        if missing:
            Contact.objects.filter(pk=contact.pk).update(**missing, updated_at=timezone.now())
    contact.refresh_from_db()
    return contact


def contact_find_or_create(
    *,
    partner: Partner,
    name: str,
    phone: str = "",
    email: str = "",
    telegram: str = "",
    whatsapp: str = "",
) -> Contact:
    """The partner's contact for this buyer: found again by normalised phone, else by email,
    its empty fields filled from what is given; or a new one.

    A new buyer costs one statement: an ``INSERT … ON CONFLICT DO NOTHING`` that the partial
    unique constraints on phone and email refuse for a known one (or one a concurrent intake
    has just written). Only then is the contact looked up, locked and filled, in a savepoint.
    A buyer with neither phone nor email cannot be recognised again and gets a contact of their
    own. Call it inside a transaction: the lock on a found contact lasts until its end.
    """
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ContactError as exc:
        raise ApplicationError(
            gettext("Invalid input."), code="validation_error", details={"phone": [str(exc)]}
        ) from None
    given = {
        "name": name.strip()[:200],
        "phone": phone,
        "email": normalize_email(email),
        "telegram": telegram.strip(),
        "whatsapp": whatsapp.strip(),
    }
    contact = Contact(partner=partner, **given)
    if insert_unless_conflict(contact) is not None:
        return contact
    with transaction.atomic():
        found = _find(partner, phone=given["phone"], email=given["email"])
        if found is not None:
            return _fill(found, given)
        # The contact that refused ours is gone since (deleted meanwhile).
        try:
            with transaction.atomic():
                return Contact.objects.create(partner=partner, **given)
        except IntegrityError:
            found = _find(partner, phone=given["phone"], email=given["email"])
            if found is None:  # some other constraint: a bug, not a race
                raise
            return _fill(found, given)


# The first next step of a new deal: get in touch within the hour of the take.
FIRST_STEP_AFTER = dt.timedelta(hours=1)
NEXT_STEP_MAX = 200


def _first_step_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Contact the buyer")


@functools.cache
def _insert_sql(model: type[Model], with_pk: bool) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The ``INSERT`` of one ``model`` row (its key left out when the database assigns it) and
    its fields in the order of the values."""
    fields = tuple(f for f in model._meta.concrete_fields if with_pk or not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    return sql, fields


def _insert_together(*rows: Any) -> None:
    """Insert new rows of several tables in one statement on PostgreSQL (a writable CTE per
    row, foreign keys checked at commit as always); one ``INSERT`` each elsewhere. A row's
    auto-increment key, if any, is not read back."""
    if connection.vendor != "postgresql":
        for row in rows:
            row.save(force_insert=True)
        return
    db = connections[DEFAULT_DB_ALIAS]  # once: each attribute of the proxy is a lookup
    statements: list[str] = []
    params: list[Any] = []
    for row in rows:
        model: type[Model] = type(row)
        sql, fields = _insert_sql(model, row.pk is not None)
        statements.append(sql)
        params += [f.get_db_prep_save(f.pre_save(row, True), db) for f in fields]
    *first, last = statements
    ctes = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(first))
    with db.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {last}" if first else last, params)
    for row in rows:
        row._state.adding = False
        row._state.db = db.alias


def _opening_reads(
    *,
    partner_id: Any,
    product_id: Any,
    kind: str,
    partner: Partner | None,
    product: Product | None,
) -> tuple[Stage, str]:
    """A new deal's first stage and its description (the titles of its touch script). On
    PostgreSQL a take opens its deal inside the claim statement (``deal_open_sql``); this is
    the path of everything else."""
    script = touch_script_for(
        partner_id=partner_id, product_id=product_id, kind=kind, partner=partner, product=product
    )
    return stage_first_open(partner_id=partner_id), script.as_text()


# What the relation ``deal_open_sql`` opens deals from has, one row per item just taken.
DEAL_OPENING_COLUMNS = (
    "queue_item_id",
    "partner_id",
    "product_id",
    "order_id",
    "responsible_id",
    "title",
    "source",
    "lead_created_at",
    "opened_at",
    "contact_id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_telegram",
    "contact_whatsapp",
)
# Stands for the deal's title in the first task's text until SQL puts the title in.
_TITLE_MARK = "\ue000title\ue000"


@functools.cache
def _whitespace() -> str:
    """Every character ``str.strip()`` removes (all of them lie below U+3001): the SQL
    ``btrim`` with these tells an empty questionnaire answer as the script builder does."""
    return "".join(c for c in map(chr, range(0x3001)) if c.isspace())


@functools.cache
def _opening_texts(language: str) -> dict[str, Any]:
    """The words a deal opened in SQL needs, in the site's language, as the Python path
    builds them: the default scripts' step titles, the first next step, the first task."""
    outbound = touch_script_default(
        kind=TouchScript.Kind.OUTBOUND_ORDER,
        product=Product(name=""),
        sections=dict.fromkeys(OUTBOUND_SECTIONS, "-"),
    )
    greeting, *labels, last = (step.title for step in outbound.steps)
    texts = {
        "crm_greeting": greeting,
        "crm_last_step": last,
        "crm_inbound_text": touch_script_default(kind=TouchScript.Kind.INBOUND_CALL).as_text(),
        "crm_first_step": _first_step_text(),
        "crm_task_text": _task_text(Task.Kind.CREATED, **_task_params(Deal(title=_TITLE_MARK))),
        "crm_title_mark": _TITLE_MARK,
        "crm_space": _whitespace(),
        "crm_first_step_after": FIRST_STEP_AFTER,
        "crm_open": Stage.Kind.OPEN,
        "crm_inbound": TouchScript.Kind.INBOUND_CALL,
        "crm_outbound": TouchScript.Kind.OUTBOUND_ORDER,
        "crm_status": Deal.Status.OPEN,
        "crm_task_kind": Task.Kind.CREATED,
    }
    texts.update(zip((f"crm_label_{n}" for n in range(len(labels))), labels, strict=True))
    return texts


@functools.cache
def _opening_ctes(rows: str) -> str:
    quote = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    def insert(model: type[Model], values: dict[str, str], source: str) -> str:
        columns = [f.column for f in model._meta.concrete_fields if f.column in values]
        missing = {f.column for f in model._meta.concrete_fields} - set(columns) - {"id"}
        if missing:  # a new field must be given its value here
            raise AssertionError(f"deal_open_sql: no value for {model.__name__}.{missing}")
        names = ", ".join(quote(c) for c in columns)
        exprs = ", ".join(values[c] for c in columns)
        return f"INSERT INTO {table(model)} ({names}) SELECT {exprs} FROM {source}"  # noqa: S608

    unnumbered = ", ".join(
        [
            "%(crm_greeting)s",
            *(
                f"CASE WHEN btrim(q.{quote(name)}, %(crm_space)s) <> '' THEN %(crm_label_{n})s END"
                for n, name in enumerate(OUTBOUND_SECTIONS)
            ),
            "%(crm_last_step)s",
        ]
    )
    deal = insert(
        Deal,
        {
            "id": "n.id",
            "partner_id": "n.partner_id",
            "responsible_id": "n.responsible_id",
            "queue_item_id": "n.queue_item_id",
            "order_id": "n.order_id",
            "product_id": "n.product_id",
            "title": "n.title",
            "source": "n.source",
            "description": "n.description",
            "contact_id": "n.contact_id",
            "contact_name": "n.contact_name",
            "contact_email": "n.contact_email",
            "contact_phone": "n.contact_phone",
            "contact_telegram": "n.contact_telegram",
            "contact_whatsapp": "n.contact_whatsapp",
            "status": "%(crm_status)s",
            "lead_created_at": "n.lead_created_at",
            "created_at": "%(crm_now)s",
            "updated_at": "%(crm_now)s",
            "closed_at": "NULL",
            "lost_reason": "''",
            "stage_id": "n.stage_id",
            "next_step": "%(crm_first_step)s",
            "next_step_at": "n.opened_at + %(crm_first_step_after)s",
            "last_touch_at": "NULL",
            "stale_reminded_for": "NULL",
        },
        "crm_new n",
    )
    stage_change = insert(
        StageChange,
        {
            "deal_id": "d.id",
            "from_stage_id": "NULL",
            "to_stage_id": "d.stage_id",
            "actor_id": "NULL",
            "reason": "''",
            "created_at": "%(crm_now)s",
        },
        "crm_opened d",
    )
    task = insert(
        Task,
        {
            "id": "gen_random_uuid()",
            "partner_id": "d.partner_id",
            "deal_id": "d.id",
            "assignee_id": "d.responsible_id",
            "kind": "%(crm_task_kind)s",
            "text": "left(replace(%(crm_task_text)s, %(crm_title_mark)s, d.title), 500)",
            "due_at": "NULL",
            "done_at": "NULL",
            "done_by_id": "NULL",
            "created_at": "%(crm_now)s",
        },
        "crm_opened d",
    )
    return f"""
        crm_rows AS MATERIALIZED (
            SELECT r.*, CASE WHEN r.order_id IS NULL THEN %(crm_inbound)s
                             ELSE %(crm_outbound)s END AS kind
              FROM {rows} AS r
        ),
        crm_new AS MATERIALIZED (
            SELECT gen_random_uuid() AS id, r.*, st.id AS stage_id,
                   CASE WHEN ts.id IS NOT NULL THEN coalesce((
                            SELECT string_agg(x.n || '. ' || x.title, E'\\n' ORDER BY x.n)
                              FROM (SELECT row_number() OVER (ORDER BY position) AS n, title
                                      FROM {table(TouchScriptStep)}
                                     WHERE script_id = ts.id) AS x), '')
                        WHEN r.kind = %(crm_inbound)s THEN %(crm_inbound_text)s
                        ELSE (SELECT string_agg(x.n || '. ' || x.title, E'\\n' ORDER BY x.n)
                                FROM unnest(array_remove(ARRAY[{unnumbered}]::text[], NULL))
                                     WITH ORDINALITY AS x(title, n))
                   END AS description
              FROM crm_rows AS r
              JOIN LATERAL (
                  SELECT id FROM {table(Stage)}
                   WHERE partner_id = r.partner_id AND kind = %(crm_open)s
                   ORDER BY position LIMIT 1
              ) AS st ON true
              LEFT JOIN LATERAL (
                  SELECT id FROM {table(TouchScript)} AS s
                   WHERE s.partner_id = r.partner_id AND s.kind = r.kind
                     AND (s.product_id = r.product_id OR s.product_id IS NULL)
                   ORDER BY s.product_id IS NULL
                   LIMIT 1
              ) AS ts ON true
              LEFT JOIN {table(Questionnaire)} AS q ON q.product_id = r.product_id
        ),
        crm_opened AS ({deal} RETURNING *),
        crm_stage_changed AS ({stage_change}),
        crm_tasked AS ({task})
    """  # noqa: S608 - identifiers from model metadata, values are parameters


def deal_open_sql(*, rows: str) -> str:
    """``deal_open`` for PostgreSQL as SQL another app's statement carries, so that a take
    claims its item and opens its deal in one round trip: common table expressions (to follow
    the caller's in one ``WITH`` list) that open a deal, its first stage change and its task
    for each row of the relation ``rows`` (a CTE of the caller with ``DEAL_OPENING_COLUMNS``,
    one row per item that has no deal: taken for the first time), as ``deal_open`` would for a
    new deal: the partner's first open stage, the touch script's titles as description, the
    first next step, no alert (the responsible took it). The CTE ``crm_opened`` returns the
    deals opened. Its parameters: ``deal_open_params``.

    A row whose partner has no stages yet gets no deal (its first deal creates the funnel):
    the caller calls ``deal_open`` for it, as for an item that has a deal already."""
    return _opening_ctes(rows)


def deal_open_params(*, now: dt.datetime) -> dict[str, Any]:
    """The named parameters of ``deal_open_sql`` (all ``crm_…``); ``now``: the deals' and
    tasks' creation time."""
    params = dict(_opening_texts(settings.LANGUAGE_CODE))
    params["crm_now"] = now
    return params


def _buyer(order: Order | None, lead: Lead | None, created_at: dt.datetime) -> dict[str, Any]:
    """A new deal's buyer and "lead or order created", from its order or its lead."""
    if order is not None:
        return {
            "contact_id": order.contact_id,
            "contact_name": order.customer_name,
            "contact_email": order.customer_email,
            "contact_phone": order.customer_phone,
            "contact_telegram": order.customer_telegram,
            "contact_whatsapp": order.customer_whatsapp,
            "lead_created_at": order.created_at,
        }
    if lead is not None:
        return {
            "contact_id": lead.contact_id,
            "contact_name": lead.name,
            "contact_email": lead.email,
            "contact_phone": lead.phone,
            "contact_telegram": lead.telegram,
            "contact_whatsapp": lead.whatsapp,
            "lead_created_at": lead.created_at,
        }
    return {"contact_id": None, "lead_created_at": created_at}


@transaction.atomic(savepoint=False)
def deal_open(
    *,
    queue_item_id: Any,
    partner_id: Any,
    product_id: Any,
    order: Order | None,
    responsible: User,
    title: str,
    source: str,
    lead_created_at: dt.datetime,
    taken_at: dt.datetime | None = None,
    new: bool = False,
    partner: Partner | None = None,
    product: Product | None = None,
    lead: Lead | None = None,
) -> Deal:
    """Open the deal of a queue item the ``responsible`` manager has just taken — or, when the
    item had one already (it came back to the queue), hand that deal to them and reopen it.
    A new deal's first next step is to contact the buyer within the hour of the take.
    ``new``: the caller knows the item never had a deal (its first take), so none is looked
    up; ``partner`` and ``product``, when loaded already, spare the touch script two reads.
    ``lead``: the item is a lead's — the deal takes its buyer and its time from the lead."""
    deal = None if new else Deal.objects.filter(queue_item_id=queue_item_id).first()
    now = taken_at or timezone.now()
    if deal is None:
        first, description = _opening_reads(
            partner_id=partner_id,
            product_id=product_id,
            kind=kind_for(has_order=bool(order)),
            partner=partner,
            product=product,
        )
        deal = Deal(
            next_step=_first_step_text(),
            next_step_at=now + FIRST_STEP_AFTER,
            partner_id=partner_id,
            stage=first,
            responsible=responsible,
            queue_item_id=queue_item_id,
            order=order,
            product_id=product_id,
            title=title,
            source=source,
            description=description,
            **_buyer(order, lead, lead_created_at),
        )
        task = Task(
            partner_id=partner_id,
            deal=deal,
            assignee_id=responsible.pk,
            kind=Task.Kind.CREATED,
            text=_task_text(Task.Kind.CREATED, **_task_params(deal)),
            created_at=timezone.now(),
        )
        # Every take writes these three: one round trip instead of three.
        _insert_together(deal, StageChange(deal=deal, from_stage=None, to_stage=first), task)
        tasks_alert(tasks=[task], actor=responsible)
        return deal
    first = stage_first_open(partner_id=partner_id)
    fields = []
    previous_id = deal.responsible_id
    if deal.responsible_id != responsible.pk:
        deal.responsible = responsible
        fields.append("responsible")
    if deal.contact_id is None and order is not None and order.contact_id is not None:
        deal.contact_id = order.contact_id
        fields.append("contact")
    if deal.status != Deal.Status.OPEN:
        # The item came back to the queue (its product switched on or unblocked again).
        deal.status, deal.closed_at, deal.lost_reason = Deal.Status.OPEN, None, ""
        fields += ["status", "closed_at", "lost_reason"]
        if deal.stage_id != first.pk:
            StageChange.objects.create(deal=deal, from_stage_id=deal.stage_id, to_stage=first)
            deal.stage = first
            fields.append("stage")
        if deal.next_step_at is None:
            deal.next_step, deal.next_step_at = _first_step_text(), now + FIRST_STEP_AFTER
            fields += ["next_step", "next_step_at"]
    if fields:
        deal.save(update_fields=[*fields, "updated_at"])
    if "status" in fields:
        task_for_deal(deal=deal, kind=Task.Kind.REOPENED, actor=responsible)
    elif "responsible" in fields:
        task_for_deal(
            deal=deal,
            kind=Task.Kind.RESPONSIBLE_CHANGED,
            previous_id=previous_id,
            actor=responsible,
        )
    return deal


@transaction.atomic
def deals_close(
    *,
    queue_item_ids: Iterable[Any],
    status: str,
    now: dt.datetime | None = None,
    reason: str = "",
    actor: Any = None,
) -> int:
    """Close the open deals of these queue items as won, lost or withdrawn (a compare-and-swap
    on ``open``: a deal closes once however often this runs). Won and lost deals move to their
    partner's won / lost stage, with a stage-change row each (``reason`` for a loss); a
    withdrawn deal keeps its stage — it is neither a sale nor a loss."""
    if status not in (Deal.Status.WON, Deal.Status.LOST, Deal.Status.WITHDRAWN):
        raise ValueError(f"not a closing status: {status}")
    now = now or timezone.now()
    ids = list(queue_item_ids)
    if status == Deal.Status.WITHDRAWN:
        deals = list(
            Deal.objects.filter(queue_item_id__in=ids, status=Deal.Status.OPEN)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        Deal.objects.filter(pk__in=[d.pk for d in deals]).update(
            status=status, closed_at=now, updated_at=now, lost_reason=""
        )
        tasks_for_deals(deals=deals, kind=Task.Kind.WITHDRAWN, now=now, actor=actor)
        return len(deals)
    kind = Stage.Kind.WON if status == Deal.Status.WON else Stage.Kind.LOST
    reason = reason if kind == Stage.Kind.LOST else ""
    return _deals_to_terminal(
        Deal.objects.filter(queue_item_id__in=ids, status=Deal.Status.OPEN),
        status=status,
        kind=kind,
        reason=reason,
        now=now,
        task_kind=Task.Kind.WON if kind == Stage.Kind.WON else Task.Kind.LOST,
        actor=actor,
    )


def _deals_to_terminal(
    deals: Any,
    *,
    status: str,
    kind: str,
    reason: str,
    now: dt.datetime,
    task_kind: str,
    actor: Any = None,
) -> int:
    """Lock ``deals``, move each to its partner's ``kind`` stage with ``status``, and write a
    stage-change row and a ``task_kind`` task per deal. The locked rows are re-read, so a
    concurrent close finds them no longer matching and does nothing — which is also why a won
    deal's buyer goes to an account manager (split mode, :mod:`crm.account_managers`) once per
    win, however often the payment that won it is processed."""
    locked = list(deals.select_for_update(of=("self",)).order_by("pk"))
    rows = [(d.pk, d.partner_id, d.stage_id) for d in locked]
    if not rows:
        return 0
    targets = {
        partner_id: stage_of_kind(partner_id=partner_id, kind=kind)
        for partner_id in {r[1] for r in rows}
    }
    changes = []
    for partner_id, target in targets.items():
        pks = [pk for pk, p, _s in rows if p == partner_id]
        Deal.objects.filter(pk__in=pks).update(
            status=status,
            stage=target,
            closed_at=now,
            updated_at=now,
            lost_reason=reason if status == Deal.Status.LOST else "",
        )
    for pk, partner_id, stage_id in rows:
        target = targets[partner_id]
        if stage_id != target.pk:
            changes.append(
                StageChange(
                    deal_id=pk,
                    from_stage_id=stage_id,
                    to_stage=target,
                    reason=reason,
                    created_at=now,
                )
            )
    StageChange.objects.bulk_create(changes)
    tasks_for_deals(deals=locked, kind=task_kind, now=now, reason=reason, actor=actor)
    if status == Deal.Status.WON:
        tasks_alert(tasks=account_managers_for_wins(deals=locked, now=now), actor=actor)
    return len(rows)


@transaction.atomic
def deal_reassign(*, queue_item_id: Any, responsible: User, now: dt.datetime | None = None) -> int:
    """The head gave the item to another manager: its deal follows (and the new responsible
    gets a task saying so)."""
    now = now or timezone.now()
    deal = Deal.objects.select_for_update().filter(queue_item_id=queue_item_id).first()
    if deal is None:
        return 0
    previous_id = deal.responsible_id
    Deal.objects.filter(pk=deal.pk).update(responsible=responsible, updated_at=now)
    if previous_id != responsible.pk:
        deal.responsible = responsible
        task_for_deal(
            deal=deal, kind=Task.Kind.RESPONSIBLE_CHANGED, previous_id=previous_id, now=now
        )
    return 1


@transaction.atomic
def deal_win_late(*, queue_item_id: Any, now: dt.datetime | None = None) -> int:
    """The buyer of a lost (or withdrawn) deal paid within the attribution window: the deal is
    won after all and moves to the won stage (a compare-and-swap: it turns won once)."""
    now = now or timezone.now()
    return _deals_to_terminal(
        Deal.objects.filter(
            queue_item_id=queue_item_id, status__in=(Deal.Status.LOST, Deal.Status.WITHDRAWN)
        ),
        status=Deal.Status.WON,
        kind=Stage.Kind.WON,
        reason="",
        now=now,
        task_kind=Task.Kind.WON_LATE,
    )


# --- the pipeline: stages and moves --------------------------------------------------------

# The funnel every partner starts with (created on first use), in order; the head renames,
# adds and reorders. Names are translated in the site's language when they are created.
DEFAULT_STAGES: list[tuple[Any, str]] = [
    (_("New"), Stage.Kind.OPEN),
    (_("Contact made"), Stage.Kind.OPEN),
    (_("Presentation"), Stage.Kind.OPEN),
    (_("Awaiting payment"), Stage.Kind.OPEN),
    (_("Won"), Stage.Kind.WON),
    (_("Lost"), Stage.Kind.LOST),
]


def stages_ensure(*, partner_id: Any) -> list[Stage]:
    """The partner's stages in order, creating the default funnel on first use. Two first uses
    at once create it once: the partner row is locked while checking."""
    stages = list(Stage.objects.filter(partner_id=partner_id).order_by("position"))
    if stages:
        return stages
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=partner_id).first()
        stages = list(Stage.objects.filter(partner_id=partner_id).order_by("position"))
        if stages:
            return stages
        with translation.override(settings.LANGUAGE_CODE):
            Stage.objects.bulk_create(
                Stage(partner_id=partner_id, name=str(name), position=i, kind=kind)
                for i, (name, kind) in enumerate(DEFAULT_STAGES)
            )
    return list(Stage.objects.filter(partner_id=partner_id).order_by("position"))


def stage_first_open(*, partner_id: Any) -> Stage:
    return next(s for s in stages_ensure(partner_id=partner_id) if s.kind == Stage.Kind.OPEN)


def stage_of_kind(*, partner_id: Any, kind: str) -> Stage:
    return next(s for s in stages_ensure(partner_id=partner_id) if s.kind == kind)


STATUS_OF_KIND = {
    Stage.Kind.OPEN: Deal.Status.OPEN,
    Stage.Kind.WON: Deal.Status.WON,
    Stage.Kind.LOST: Deal.Status.LOST,
}
QUEUE_OPEN_STATES = ("queued", "active", "scheduled")


@transaction.atomic
def deal_stage_move(*, deal: Deal, stage: Stage, actor: Any, reason: str = "") -> Deal:
    """Move an open deal to ``stage`` of its partner's funnel and record the move.

    Won and lost deals stay where they are (409 ``deal_closed``, as does a withdrawn one);
    moving to the lost stage needs one of the lost reasons (400). While the deal's queue item
    is still being worked, the queue decides the outcome — payment wins, a refusal touch loses
    — so a hand move to a terminal stage is a 409 ``deal_in_queue`` (moves between open stages
    are free). A move to the won stage gives the buyer an account manager in split mode
    (:mod:`crm.account_managers`), as a won payment does."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if stage.partner_id != deal.partner_id:
        raise ApplicationError(
            gettext("This stage belongs to another funnel."),
            code="validation_error",
            details={"stage": [gettext("Unknown stage.")]},
        )
    if deal.status != Deal.Status.OPEN:
        raise ConflictError(
            gettext("The deal is closed; its stage cannot change."), code="deal_closed"
        )
    if stage.kind == Stage.Kind.LOST:
        if reason not in DealLostReason.values:
            raise ApplicationError(
                gettext("A lost deal needs a reason."),
                code="validation_error",
                details={
                    "reason": [
                        gettext("One of: %s.")
                        % ", ".join(str(label) for label in DealLostReason.labels)
                    ]
                },
            )
    else:
        reason = ""
    if (
        stage.is_terminal
        and Deal.objects.filter(pk=deal.pk, queue_item__state__in=QUEUE_OPEN_STATES).exists()
    ):
        raise ConflictError(
            gettext(
                "The order is still in the sales queue: it is won by its payment and lost by "
                "a refusal logged in the workspace."
            ),
            code="deal_in_queue",
        )
    if stage.pk == deal.stage_id:
        return deal
    now = timezone.now()
    from_stage = deal.stage
    StageChange.objects.create(
        deal=deal,
        from_stage_id=deal.stage_id,
        to_stage=stage,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    deal.stage = stage
    deal.status = STATUS_OF_KIND[Stage.Kind(stage.kind)]
    deal.closed_at = now if stage.is_terminal else None
    deal.lost_reason = reason if stage.kind == Stage.Kind.LOST else ""
    deal.save(update_fields=["stage", "status", "closed_at", "lost_reason", "updated_at"])
    task_kind = {
        Stage.Kind.WON: Task.Kind.WON,
        Stage.Kind.LOST: Task.Kind.LOST,
    }.get(Stage.Kind(stage.kind), Task.Kind.STAGE_CHANGED)
    task_for_deal(
        deal=deal,
        kind=task_kind,
        now=now,
        reason=reason,
        from_stage=from_stage,
        to_stage=stage,
        actor=actor,
    )
    if deal.status == Deal.Status.WON:
        tasks_alert(tasks=account_managers_for_wins(deals=[deal], now=now), actor=actor)
    return deal


def _stage_name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            gettext("A stage needs a name of up to 100 characters."),
            code="validation_error",
            details={"name": [gettext("Required, up to 100 characters.")]},
        )
    return name


def _stage_save_unique(stage: Stage, fields: list[str] | None = None) -> Stage:
    try:
        with transaction.atomic():
            if fields is None:
                stage.save()
            else:
                stage.save(update_fields=fields)
    except IntegrityError:
        raise ApplicationError(
            gettext("The funnel already has a stage with this name."),
            code="validation_error",
            details={"name": [gettext("Already used in this funnel.")]},
        ) from None
    return stage


@transaction.atomic
def stage_rename(*, stage: Stage, name: str) -> Stage:
    stage.name = _stage_name_clean(name)
    return _stage_save_unique(stage, ["name"])


@transaction.atomic
def stage_add(*, partner: Partner, name: str) -> Stage:
    """A new open stage, placed last among the open ones (before won and lost)."""
    name = _stage_name_clean(name)
    stages_ensure(partner_id=partner.pk)
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    stages = Stage.objects.filter(partner=partner)
    last_open = stages.filter(kind=Stage.Kind.OPEN).aggregate(m=Max("position"))["m"]
    position = 0 if last_open is None else last_open + 1
    stages.filter(position__gte=position).update(position=F("position") + 1)
    return _stage_save_unique(Stage(partner=partner, name=name, position=position))


@transaction.atomic
def stage_move(*, stage: Stage, up: bool) -> list[Stage]:
    """Swap an open stage with its open neighbour above (``up``) or below. Won and lost stay
    at the end of the funnel."""
    if stage.is_terminal:
        raise ConflictError(
            gettext("Won and lost stay at the end of the funnel."), code="stage_terminal"
        )
    Partner.objects.select_for_update().filter(pk=stage.partner_id).first()
    opens = list(
        Stage.objects.filter(partner_id=stage.partner_id, kind=Stage.Kind.OPEN).order_by("position")
    )
    i = next(n for n, s in enumerate(opens) if s.pk == stage.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(opens):
        a, b = opens[i], opens[j]
        a.position, b.position = b.position, a.position
        Stage.objects.bulk_update([a, b], ["position"])
    return list(Stage.objects.filter(partner_id=stage.partner_id).order_by("position"))


# --- deal settings ---

DEAL_SETTINGS_FIELDS = frozenset(
    {"stale_reminder_enabled", "stale_after_minutes", "reminder_emails"}
)


def _reminder_emails_clean(value: Any, errors: dict[str, list[str]]) -> list[str]:
    """Trimmed, lowercased, duplicates dropped (first one kept); each bad address is named with
    its position so the partner can find it."""
    if not isinstance(value, list | tuple):
        errors["reminder_emails"] = [gettext("Must be a list of email addresses.")]
        return []
    cleaned: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(value):
        email = raw.strip().lower() if isinstance(raw, str) else ""
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.append(
                gettext("Address %(number)d (%(value)s) is not a valid email address.")
                % {"number": index + 1, "value": raw if isinstance(raw, str) else repr(raw)}
            )
            continue
        if email not in cleaned:
            cleaned.append(email)
    if not problems and len(cleaned) > REMINDER_EMAILS_MAX:
        problems.append(
            gettext("At most %(max)d addresses, got %(count)d.")
            % {"max": REMINDER_EMAILS_MAX, "count": len(cleaned)}
        )
    if problems:
        errors["reminder_emails"] = problems
    return cleaned


@transaction.atomic
def deal_settings_update(*, partner: Partner, actor: Any, **changes: Any) -> DealSettings:
    """Change any subset of the partner's deal settings (``stale_reminder_enabled``,
    ``stale_after_minutes``, ``reminder_emails``), all or nothing: one bad value and nothing is
    saved. Reminders cannot be on without an address to send them to."""
    unknown = sorted(set(changes) - DEAL_SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError(
            gettext("Invalid input."),
            code="validation_error",
            details={key: [gettext("Unknown field.")] for key in unknown},
        )
    DealSettings.objects.get_or_create(partner=partner)
    row = DealSettings.objects.for_partner(partner).select_for_update().get()
    errors: dict[str, list[str]] = {}
    if "stale_reminder_enabled" in changes:
        enabled = changes["stale_reminder_enabled"]
        if isinstance(enabled, bool):
            row.stale_reminder_enabled = enabled
        else:
            errors["stale_reminder_enabled"] = [gettext("Must be a boolean.")]
    if "stale_after_minutes" in changes:
        minutes = changes["stale_after_minutes"]
        if (
            isinstance(minutes, int)
            and not isinstance(minutes, bool)
            and STALE_AFTER_MIN_MINUTES <= minutes <= STALE_AFTER_MAX_MINUTES
        ):
            row.stale_after_minutes = minutes
        else:
            errors["stale_after_minutes"] = [
                gettext("A whole number of minutes from %(min)d to %(max)d (30 days).")
                % {"min": STALE_AFTER_MIN_MINUTES, "max": STALE_AFTER_MAX_MINUTES}
            ]
    if "reminder_emails" in changes:
        row.reminder_emails = _reminder_emails_clean(changes["reminder_emails"], errors)
    if not errors and row.stale_reminder_enabled and not row.reminder_emails:
        errors["reminder_emails"] = [
            gettext("Add at least one email address to turn the stale-deal reminders on.")
        ]
    if errors:
        raise ApplicationError(gettext("Invalid input."), code="validation_error", details=errors)
    row.updated_by = actor if isinstance(actor, User) else None
    row.save()
    return row


# --- automatic tasks -----------------------------------------------------------------------

# The change in words, one template per kind; rendered in the site's language when the task is
# written. ``%(title)s`` is the deal's title.
TASK_TEXTS: dict[str, Any] = {
    Task.Kind.CREATED: _("New deal «%(title)s»: get in touch with the buyer"),
    Task.Kind.REOPENED: _("The deal «%(title)s» is open again"),
    Task.Kind.RESPONSIBLE_CHANGED: _("The deal «%(title)s» was handed to you (was: %(previous)s)"),
    Task.Kind.STAGE_CHANGED: _("The deal «%(title)s» moved from «%(from)s» to «%(to)s»"),
    Task.Kind.TOUCH: _("Touch on the deal «%(title)s»: %(channel)s, %(outcome)s"),
    Task.Kind.CALLBACK: _("Call back on the deal «%(title)s» (%(channel)s)"),
    Task.Kind.WON: _("The deal «%(title)s» is won"),
    Task.Kind.WON_LATE: _("The deal «%(title)s» is won after all: the buyer paid after closing"),
    Task.Kind.LOST: _("The deal «%(title)s» is lost: %(reason)s"),
    Task.Kind.WITHDRAWN: _(
        "The deal «%(title)s» is closed without a result: the order was cancelled or the "
        "product went off sale"
    ),
    Task.Kind.NEXT_STEP: _("Next step on the deal «%(title)s»: %(step)s"),
    Task.Kind.FIELD_CHANGED: _("The description of the deal «%(title)s» was changed"),
    Task.Kind.ORDER_LINKED: _(
        "Paid order %(order)s for %(amount)s ₽ is linked to the deal «%(title)s»"
    ),
}
# Touch outcomes as the queue names them (crm sits below the queue and cannot import them).
TOUCH_OUTCOMES: dict[str, Any] = {
    "reached": _("reached"),
    "no_answer": _("no answer"),
    "callback": _("callback agreed"),
    "refused": _("refused"),
    "qualified": _("qualified, handed over to a closer"),
}


def _task_text(kind: str, **params: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        words = {key: str(value) for key, value in params.items()}
        return (str(TASK_TEXTS[kind]) % words)[:500]


def _task_params(
    deal: Deal,
    *,
    reason: str = "",
    previous: str = "",
    from_stage: Stage | None = None,
    to_stage: Stage | None = None,
) -> dict[str, Any]:
    return {
        "title": deal.title,
        "reason": dict(DealLostReason.choices).get(reason, reason) or "—",
        "previous": previous or "—",
        "from": from_stage.name if from_stage else "—",
        "to": to_stage.name if to_stage else "—",
    }


def task_for_deal(
    *,
    deal: Deal,
    kind: str,
    now: dt.datetime | None = None,
    previous_id: Any = None,
    reason: str = "",
    from_stage: Stage | None = None,
    to_stage: Stage | None = None,
    due_at: dt.datetime | None = None,
    words: dict[str, str] | None = None,
    text: str = "",
    actor: Any = None,
) -> Task:
    """Write the task telling the deal's responsible employee about one change of the deal.
    Called by the deal services inside their transaction, only when something changed.
    ``text``, when given, is the change in words already (a field change names its field)."""
    previous = ""
    if previous_id is not None:
        user = User.objects.filter(pk=previous_id).first()
        previous = (user.get_full_name() or user.email) if user else ""
    params = _task_params(
        deal, reason=reason, previous=previous, from_stage=from_stage, to_stage=to_stage
    )
    task = Task.objects.create(
        partner_id=deal.partner_id,
        deal=deal,
        assignee_id=deal.responsible_id,
        kind=kind,
        text=text[:500] or _task_text(kind, **params, **(words or {})),
        due_at=due_at,
        created_at=now or timezone.now(),
    )
    tasks_alert(tasks=[task], actor=actor)
    return task


def tasks_for_deals(
    *, deals: Iterable[Deal], kind: str, now: dt.datetime, reason: str = "", actor: Any = None
) -> list[Task]:
    """One ``kind`` task per deal in one insert (the queue closes deals in batches)."""
    tasks = Task.objects.bulk_create(
        Task(
            partner_id=deal.partner_id,
            deal=deal,
            assignee_id=deal.responsible_id,
            kind=kind,
            text=_task_text(kind, **_task_params(deal, reason=reason)),
            created_at=now,
        )
        for deal in deals
    )
    tasks_alert(tasks=tasks, actor=actor)
    return tasks


def tasks_alert(*, tasks: Iterable[Task], actor: Any = None) -> int:
    """Tell each task's assignee about it, unless the assignee caused it themselves.

    The rule (README, "Notifications"): a task is news to its assignee when nobody did it
    (``actor`` is ``None``: a payment, a cancelled order, the sweep) or someone else did (the
    head moved the deal, handed it over, set its next step). What the manager does with their
    own hands — the take that opens the deal, a touch, a stage move, an edit — writes a task for
    the record but no alert. Written in the caller's transaction, keyed ``task:<id>``; an
    inactive assignee is not told. Returns how many were told."""
    actor_id = getattr(actor, "pk", None)
    tasks = [task for task in tasks if actor_id is None or task.assignee_id != actor_id]
    if not tasks:
        return 0
    people = User.objects.in_bulk({task.assignee_id for task in tasks})
    told = 0
    for task in tasks:
        assignee = people.get(task.assignee_id)
        if assignee is None or not assignee.is_active:
            continue
        notify_user(
            key=f"task:{task.pk}",
            kind=Notification.Kind.NEW_TASK,
            user=assignee,
            template="new_task",
            context={
                "task": task,
                "deal_url": settings.SITE_URL
                + reverse("deals:deal", kwargs={"deal_id": task.deal_id}),
                "tasks_url": settings.SITE_URL + reverse("tasks:list"),
            },
        )
        told += 1
    return told


def _callback_step_text(channel_label: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return (gettext("Call the buyer back (%(channel)s)") % {"channel": channel_label})[
            :NEXT_STEP_MAX
        ]


@transaction.atomic
def deal_touch_recorded(
    *,
    channel: str,
    outcome: str,
    now: dt.datetime,
    callback_at: dt.datetime | None = None,
    deal: Deal | None = None,
    queue_item_id: Any = None,
    actor: Any = None,
) -> Task | None:
    """A touch was logged on ``deal`` (or on the queue item ``queue_item_id``, for callers
    that know only the item): remember it as the deal's last touch and tell the responsible
    employee. An agreed callback becomes the deal's next step at that time, and its task is
    due then (one task: the callback is the change). ``None`` when the item has no deal."""
    if deal is None:
        deal = Deal.objects.filter(queue_item_id=queue_item_id).first()
    if deal is None:
        return None
    callback = outcome == "callback" and callback_at is not None
    with translation.override(settings.LANGUAGE_CODE):
        words = {
            "channel": str(dict(Channel.choices).get(channel, channel)),
            "outcome": str(TOUCH_OUTCOMES.get(outcome, outcome)),
        }
    if deal.last_touch_at is None or deal.last_touch_at < now:
        Deal.objects.filter(pk=deal.pk).update(last_touch_at=now)
        deal.last_touch_at = now
    if callback and deal.status == Deal.Status.OPEN:
        deal.next_step, deal.next_step_at = _callback_step_text(words["channel"]), callback_at
        deal.save(update_fields=["next_step", "next_step_at", "updated_at"])
    return task_for_deal(
        deal=deal,
        kind=Task.Kind.CALLBACK if callback else Task.Kind.TOUCH,
        now=now,
        due_at=callback_at if callback else None,
        words=words,
        # A touch is logged by the one working the buyer: the deal's responsible.
        actor=actor or deal.responsible,
    )


@transaction.atomic
def deal_order_linked(
    *,
    deal: Deal,
    external_id: str,
    amount: Decimal,
    now: dt.datetime | None = None,
    actor: Any = None,
) -> Task:
    """A manager linked another paid order of the buyer to the deal (the link itself is the
    orders app's row, :func:`orders.services.order_link_to_deal`): the deal counts as changed
    and its responsible gets a task saying which order."""
    now = now or timezone.now()
    Deal.objects.filter(pk=deal.pk).update(updated_at=now)
    with translation.override(settings.LANGUAGE_CODE):
        words = {"order": external_id, "amount": format_money(amount)}
    return task_for_deal(deal=deal, kind=Task.Kind.ORDER_LINKED, now=now, words=words, actor=actor)


def task_done(*, task: Task, actor: User, now: dt.datetime | None = None) -> Task:
    """Mark a task done (a compare-and-swap: the first marking wins, a repeat changes nothing).
    Who may mark which task is the caller's check (see :func:`crm.selectors.tasks_visible`)."""
    Task.objects.filter(pk=task.pk, done_at=None).update(
        done_at=now or timezone.now(), done_by=actor
    )
    task.refresh_from_db()
    return task


@transaction.atomic
def deal_next_step_set(
    *, deal: Deal, actor: Any, text: str, at: dt.datetime | None, now: dt.datetime | None = None
) -> Deal:
    """Set what the seller does next on an open deal and when, and write it as a task due then.

    Only the deal's responsible seller or the head may (anyone else: 404, as if the deal were
    not there). The text is required (at most 200 characters); the time is in the future or
    earlier today (Moscow time), never on a past day (400). A closed deal has no next step
    (409 ``deal_closed``)."""
    now = now or timezone.now()
    if getattr(actor, "role", None) != Role.HEAD and actor.pk != deal.responsible_id:
        raise NotFoundError(gettext("Deal not found."))
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.status != Deal.Status.OPEN:
        raise ConflictError(gettext("The deal is closed; it has no next step."), code="deal_closed")
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [gettext("Say what the next step is.")]
    elif len(text) > NEXT_STEP_MAX:
        errors["text"] = [gettext("At most %d characters.") % NEXT_STEP_MAX]
    if at is None:
        errors["at"] = [gettext("Set the date of the next step.")]
    elif timezone.localtime(at, MOSCOW).date() < timezone.localtime(now, MOSCOW).date():
        errors["at"] = [gettext("The next step cannot be on a past day.")]
    if errors or at is None:
        raise ApplicationError(gettext("Invalid input."), code="validation_error", details=errors)
    deal.next_step, deal.next_step_at = text, at
    deal.save(update_fields=["next_step", "next_step_at", "updated_at"])
    task_for_deal(
        deal=deal,
        kind=Task.Kind.NEXT_STEP,
        now=now,
        due_at=at,
        words={"step": text},
        actor=actor,
    )
    return deal


# --- the deal's description ------------------------------------------------------------------

DEAL_DESCRIPTION_MAX = 10000


@transaction.atomic
def deal_description_set(*, deal: Deal, actor: Any, text: str) -> Deal:
    """Replace the deal's description; a change writes one task, the same text writes none.
    Who may edit which deal is the caller's check (:func:`crm.selectors.deals_visible`)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > DEAL_DESCRIPTION_MAX:
        raise ApplicationError(
            gettext("The description is too long."),
            code="validation_error",
            details={"text": [gettext("Up to 10000 characters.")]},
        )
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.description == text:
        return locked
    locked.description = text
    locked.save(update_fields=["description", "updated_at"])
    task_for_deal(deal=locked, kind=Task.Kind.FIELD_CHANGED, actor=actor)
    return locked


DEAL_TITLE_MAX = 200
DEAL_SOURCE_MAX = 100
# A field change in words, for the responsible employee's task.
FIELD_TASK_TEXTS: dict[str, Any] = {
    "title": _("The deal «%(previous)s» is now called «%(value)s»"),
    "source": _("The ad channel of the deal «%(title)s» is now «%(value)s»"),
}


def _deal_fields_clean(*, title: str | None, source: str | None) -> dict[str, str]:
    """The given fields, whitespace folded, or a 400 naming each bad one."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    if title is not None:
        title = " ".join(str(title).split())
        if not title:
            errors["title"] = [gettext("Give the deal a name.")]
        elif len(title) > DEAL_TITLE_MAX:
            errors["title"] = [gettext("Up to %d characters.") % DEAL_TITLE_MAX]
        else:
            clean["title"] = title
    if source is not None:
        source = " ".join(str(source).split())
        if len(source) > DEAL_SOURCE_MAX:
            errors["source"] = [gettext("Up to %d characters.") % DEAL_SOURCE_MAX]
        else:
            clean["source"] = source
    if errors:
        raise ApplicationError(
            gettext("Check the deal's fields."), code="validation_error", details=errors
        )
    return clean


@transaction.atomic
def deal_fields_set(
    *, deal: Deal, actor: Any, title: str | None = None, source: str | None = None
) -> Deal:
    """Rename the deal or change its ad channel (``None``: leave as it is). Each changed field
    writes one task; the same values write none. Who may edit which deal is the caller's check
    (:func:`crm.selectors.deals_visible`)."""
    clean = _deal_fields_clean(title=title, source=source)
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    changed = {name: value for name, value in clean.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    previous_title = locked.title
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changed, "updated_at"])
    now = timezone.now()
    for name, value in changed.items():
        with translation.override(settings.LANGUAGE_CODE):
            text = str(FIELD_TASK_TEXTS[name]) % {
                "title": locked.title,
                "previous": previous_title,
                "value": value or "—",
            }
        task_for_deal(deal=locked, kind=Task.Kind.FIELD_CHANGED, now=now, text=text, actor=actor)
    return locked


@transaction.atomic
def deal_responsible_set(*, deal: Deal, responsible: User, now: dt.datetime | None = None) -> Deal:
    """Hand an open deal to another active seller, who gets a task saying so. A deal whose
    queue item is still open goes through the queue's reassign instead (the use case in
    :mod:`sales_queue.services.supervision`), so the item's holder and the deal's responsible
    stay one person."""
    if responsible.role not in SELLER_ROLES or not responsible.is_active:
        raise ApplicationError(
            gettext("Deals go to active managers only."),
            code="validation_error",
            details={"responsible": [gettext("Choose an active manager.")]},
        )
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.status != Deal.Status.OPEN:
        raise ConflictError(
            gettext("The deal is closed; it stays with its manager."), code="deal_closed"
        )
    if locked.responsible_id == responsible.pk:
        return locked
    previous_id = locked.responsible_id
    locked.responsible = responsible
    locked.save(update_fields=["responsible", "updated_at"])
    task_for_deal(
        deal=locked,
        kind=Task.Kind.RESPONSIBLE_CHANGED,
        previous_id=previous_id,
        now=now or timezone.now(),
    )
    return locked


# --- touch scripts ---------------------------------------------------------------------------


def _step_clean(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not title or len(title) > SCRIPT_STEP_TITLE_MAX:
        errors["title"] = [gettext("Required, up to 120 characters.")]
    if len(text) > SCRIPT_STEP_TEXT_MAX:
        errors["text"] = [gettext("Up to 4000 characters.")]
    if errors:
        raise ApplicationError(gettext("Check the step."), code="validation_error", details=errors)
    return title, text


@transaction.atomic
def touch_script_create(*, partner: Partner, product: Product | None, kind: str) -> TouchScript:
    """The partner's own script of ``kind`` (for ``product``, or the partner's default when
    empty), starting as a copy of the built-in default. One per partner, product and kind."""
    if kind not in TouchScript.Kind.values:
        raise ApplicationError(
            gettext("Unknown script kind."),
            code="validation_error",
            details={"kind": [gettext("Choose a kind.")]},
        )
    if product is not None and product.partner_id != partner.pk:
        raise ApplicationError(
            gettext("Unknown product."),
            code="validation_error",
            details={"product": [gettext("Choose one of your products.")]},
        )
    default = touch_script_default(kind=kind, partner=partner, product=product)
    with translation.override(settings.LANGUAGE_CODE):
        label = str(TouchScript.Kind(kind).label)
        name = f"{product.name if product is not None else gettext('All products')} — {label}"
    try:
        with transaction.atomic():
            script = TouchScript.objects.create(
                partner=partner, product=product, kind=kind, name=name[:120]
            )
    except IntegrityError:
        raise ConflictError(
            gettext("This script already exists: edit it."), code="script_exists"
        ) from None
    TouchScriptStep.objects.bulk_create(
        TouchScriptStep(
            partner=partner,
            script=script,
            position=n,
            title=step.title[:SCRIPT_STEP_TITLE_MAX],
            text=step.text[:SCRIPT_STEP_TEXT_MAX],
        )
        for n, step in enumerate(default.steps)
    )
    return script


def _script_touched(script: TouchScript) -> None:
    TouchScript.objects.filter(pk=script.pk).update(updated_at=timezone.now())


@transaction.atomic
def touch_script_step_add(*, script: TouchScript, title: str, text: str) -> TouchScriptStep:
    title, text = _step_clean(title, text)
    TouchScript.objects.select_for_update().filter(pk=script.pk).first()
    steps = TouchScriptStep.objects.filter(script=script)
    if steps.count() >= SCRIPT_STEPS_MAX:
        raise ConflictError(gettext("A script has at most 30 steps."), code="script_steps_limit")
    last = steps.aggregate(m=Max("position"))["m"]
    step = TouchScriptStep.objects.create(
        partner_id=script.partner_id,
        script=script,
        position=0 if last is None else last + 1,
        title=title,
        text=text,
    )
    _script_touched(script)
    return step


@transaction.atomic
def touch_script_step_update(*, step: TouchScriptStep, title: str, text: str) -> TouchScriptStep:
    step.title, step.text = _step_clean(title, text)
    step.save(update_fields=["title", "text"])
    _script_touched(step.script)
    return step


@transaction.atomic
def touch_script_step_move(*, step: TouchScriptStep, up: bool) -> None:
    """Swap the step with its neighbour above (``up``) or below; at the edge nothing moves."""
    TouchScript.objects.select_for_update().filter(pk=step.script_id).first()
    steps = TouchScriptStep.objects.filter(script_id=step.script_id)
    neighbour = (
        steps.filter(position__lt=step.position).order_by("-position").first()
        if up
        else steps.filter(position__gt=step.position).order_by("position").first()
    )
    if neighbour is None:
        return
    step.position, neighbour.position = neighbour.position, step.position
    TouchScriptStep.objects.bulk_update([step, neighbour], ["position"])
    _script_touched(step.script)


@transaction.atomic
def touch_script_step_delete(*, step: TouchScriptStep) -> None:
    script = step.script
    step.delete()
    _script_touched(script)


@transaction.atomic
def touch_script_delete(*, script: TouchScript) -> None:
    """The partner's script goes; the managers read the next one (the partner's or built-in)."""
    script.delete()


def deals_stale_reminded(*, deal_ids: Iterable[Any]) -> int:
    """Record that the deals' current stale period has been reminded of (crm.reminders, with
    the deals locked). Not a change of the deal: ``updated_at`` stays, so no new period."""
    return Deal.objects.filter(pk__in=list(deal_ids)).update(stale_reminded_for=F("updated_at"))
