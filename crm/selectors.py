"""Reads of the crm app, tenant first: contacts, who sees which deals, the filters of the lists,
deal settings.

A contact's orders, touches and purchased products join tables above crm (orders, the queue):
those reads live in :mod:`sales_queue.selectors` (``contact_orders``, ``contact_touches``,
``contact_purchased_products``), the highest app they touch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import SELLER_ROLES, Role, User
from crm.models import (
    Contact,
    Deal,
    DealSettings,
    LeadImport,
    LeadImportRow,
    LeadList,
    Stage,
    StageChange,
    Task,
    deal_list_order,
)
from crm.normalizers import ContactError, normalize_phone
from crm.services import stages_ensure
from partners.models import Partner, Product
from salesdesk.tenancy import get_object_or_404


class SalesStatus:
    """Where an order or a lead stands with the sales department, from its queue item (joined
    by the relation name ``queue_item``: the queue lives above crm and orders): ``none`` (never
    queued), ``queued`` (waiting, including a retry after no answer), ``active`` (held by a
    manager, including a scheduled callback), ``closed`` (won, lost or withdrawn)."""

    NONE = "none"
    QUEUED = "queued"
    ACTIVE = "active"
    CLOSED = "closed"

    values = (NONE, QUEUED, ACTIVE, CLOSED)


def sales_status() -> Case:
    """``sales_status`` to annotate on orders or leads (:class:`SalesStatus`)."""
    return Case(
        When(queue_item__isnull=True, then=Value(SalesStatus.NONE)),
        When(queue_item__state="queued", then=Value(SalesStatus.QUEUED)),
        When(queue_item__state__in=["active", "scheduled"], then=Value(SalesStatus.ACTIVE)),
        default=Value(SalesStatus.CLOSED),
        output_field=CharField(),
    )


def deals_visible(*, partner: Partner | None = None, user: Any = None) -> QuerySet[Deal]:
    """The deals a caller may see: a partner its own, a seller those they are responsible
    for (an account manager also those of the clients in their portfolio), the head every one;
    anyone else none (so a deal they cannot see is a 404)."""
    deals = Deal.objects.select_related("stage", "responsible", "product", "order")
    if partner is not None:
        return deals.for_partner(partner)
    role = getattr(user, "role", None)
    if role == Role.HEAD:
        return deals
    if role == Role.ACCOUNT_MANAGER:
        return deals.filter(Q(responsible=user) | Q(contact__account_manager=user))
    if role in SELLER_ROLES:
        return deals.filter(responsible=user)
    return deals.none()


def deals_filter(
    deals: QuerySet[Deal],
    *,
    stage: str = "",
    status: str = "",
    responsible: Any = None,
    search: str = "",
    partner: Any = None,
    product: Any = None,
    idle_days: int = 0,
    now: dt.datetime | None = None,
) -> QuerySet[Deal]:
    """Narrow a list: ``stage`` by id or name, ``status``, ``responsible``, ``partner`` and
    ``product`` (ids), ``search`` in the contact's name, phone and email, ``idle_days``: open
    deals whose buyer has waited at least that many days since the last touch (or, before the
    first, since the deal opened) — the lists' «N дн. без касаний» mark. Values are checked by
    the caller."""
    if stage:
        deals = deals.filter(stage_id=stage) if _is_uuid(stage) else deals.filter(stage__name=stage)
    if status:
        deals = deals.filter(status=status)
    if responsible:
        deals = deals.filter(responsible_id=responsible)
    if partner:
        deals = deals.filter(partner_id=partner)
    if product:
        deals = deals.filter(product_id=product)
    if idle_days:
        since = (now or timezone.now()) - dt.timedelta(days=idle_days)
        deals = deals.filter(status=Deal.Status.OPEN).filter(
            Q(last_touch_at__lte=since) | Q(last_touch_at__isnull=True, created_at__lte=since)
        )
    search = search.strip()
    if search:
        digits = "".join(c for c in search if c.isdigit())
        match = Q(contact_name__icontains=search) | Q(contact_email__icontains=search)
        if len(digits) >= 3:
            match |= Q(contact_phone__contains=digits[1:] if len(digits) == 11 else digits)
        deals = deals.filter(match)
    return deals


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def stages_for(*, partner_id: Any) -> list[Stage]:
    return stages_ensure(partner_id=partner_id)


def deal_stage_history(*, deal: Deal) -> list[StageChange]:
    return list(
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("-created_at", "-id")
    )


def deal_settings_get(*, partner: Partner) -> DealSettings:
    """The partner's deal settings; the first read stores the defaults (a concurrent first read
    finds the row the other one stored: the partner is unique)."""
    settings, _created = DealSettings.objects.for_partner(partner).get_or_create(partner=partner)
    return settings


SEARCH_MAX = 100
_NOT_DIGITS = re.compile(r"\D")


def buyer_search_filter(q: str, *, name: str, email: str, phone: str) -> Q:
    """``q`` in a buyer's name, email or phone (the given fields); a full phone number in any
    notation matches its E.164 form (``8 (916) 123-45-67`` finds ``+79161234567``)."""
    q = q.strip()[:SEARCH_MAX]
    condition = Q(**{f"{name}__icontains": q}) | Q(**{f"{email}__icontains": q})
    digits = _NOT_DIGITS.sub("", q)
    if len(digits) >= 3:
        condition |= Q(**{f"{phone}__contains": digits})
    with contextlib.suppress(ContactError):
        condition |= Q(**{phone: normalize_phone(q)})
    return condition


def contact_search_filter(q: str) -> Q:
    """Name, email or phone containing ``q``; a full phone number in any notation matches its
    E.164 form (``8 (916) 123-45-67`` finds ``+79161234567``)."""
    return buyer_search_filter(q, name="name", email="email", phone="phone")


def contacts_visible(*, partner: Partner | None = None, user: Any = None) -> QuerySet[Contact]:
    """The contacts a caller may see: a partner its own buyers, a seller the buyers of the
    deals they are responsible for (an account manager also the clients of their portfolio),
    the head every one; anyone else none (so a 404)."""
    contacts = Contact.objects.all()
    if partner is not None:
        return contacts.for_partner(partner)
    role = getattr(user, "role", None)
    if role == Role.HEAD:
        return contacts
    if role in SELLER_ROLES:
        theirs = Q(pk__in=Deal.objects.filter(responsible=user).values("contact_id"))
        if role == Role.ACCOUNT_MANAGER:
            theirs |= Q(account_manager=user)
        return contacts.filter(theirs)
    return contacts.none()


def contact_list(
    *, partner: Partner | None = None, user: Any = None, q: str = ""
) -> QuerySet[Contact]:
    """The contacts the caller sees (:func:`contacts_visible`), newest first, searched by name,
    phone or email."""
    contacts = contacts_visible(partner=partner, user=user)
    if q.strip():
        contacts = contacts.filter(contact_search_filter(q))
    return contacts.order_by("-created_at", "-id")


def contact_get(*, contact_id: Any, partner: Partner | None = None, user: Any = None) -> Contact:
    """A contact the caller sees, or a 404 (another partner's, a buyer of another manager's
    deals, or a malformed id)."""
    return get_object_or_404(
        contacts_visible(partner=partner, user=user).select_related("partner"), pk=contact_id
    )


def contact_deals(
    *, contact: Contact, partner: Partner | None = None, user: Any = None
) -> QuerySet[Deal]:
    """The contact's deals the caller sees (a seller: their own), newest first, with their
    manager and product."""
    return (
        deals_visible(partner=partner, user=user)
        .filter(contact=contact)
        .select_related("responsible", "product")
        .order_by("-created_at", "-id")
    )


# --- the staff's global search ---

# A query shorter than this finds nothing (two letters already narrow a name enough to list).
GLOBAL_SEARCH_MIN = 2
# Each group of the search page shows at most this many; one more is read to say "there are more".
GLOBAL_SEARCH_LIMIT = 20


def deal_search(*, user: Any, q: str, limit: int = GLOBAL_SEARCH_LIMIT) -> list[Deal]:
    """Deals the user may open whose buyer's name, email or phone matches ``q``, last changed
    first; at most ``limit + 1`` (the extra one says the list was cut). One query."""
    match = buyer_search_filter(
        q, name="contact_name", email="contact_email", phone="contact_phone"
    )
    deals = deals_visible(user=user).select_related("partner").filter(match)
    return list(deals.order_by("-updated_at", "-id")[: limit + 1])


def contact_search(*, user: Any, q: str, limit: int = GLOBAL_SEARCH_LIMIT) -> list[Contact]:
    """Buyers matching ``q``: for the head every one, for a seller those of the deals they are
    responsible for. Each carries ``deal_id``, the newest such deal the user may open (``None``:
    a buyer without a deal, whom only the head finds). At most ``limit + 1``; one query."""
    newest = (
        deals_visible(user=user)
        .filter(contact=OuterRef("pk"))
        .order_by("-updated_at", "-id")
        .values("pk")[:1]
    )
    contacts = Contact.objects.filter(contact_search_filter(q))
    if getattr(user, "role", None) != Role.HEAD:
        contacts = contacts.filter(pk__in=deals_visible(user=user).values("contact_id"))
    found = contacts.select_related("partner").annotate(deal_id=Subquery(newest))
    return list(found.order_by("-created_at", "-id")[: limit + 1])


# --- tasks ---


def tasks_visible(*, user: Any) -> QuerySet[Task]:
    """The tasks a staff member may see and mark done: a seller their own, the head every
    one; anyone else none (so another's task is a 404)."""
    tasks = Task.objects.select_related("deal", "assignee")
    role = getattr(user, "role", None)
    if role == Role.HEAD:
        return tasks
    if role in SELLER_ROLES:
        return tasks.filter(assignee=user)
    return tasks.none()


def tasks_filter(
    tasks: QuerySet[Task], *, done: bool | None = None, assignee: Any = None
) -> QuerySet[Task]:
    """Open (``done=False``) or done tasks, of one assignee (a user id); values checked by the
    caller."""
    if done is not None:
        tasks = tasks.filter(done_at__isnull=not done)
    if assignee:
        tasks = tasks.filter(assignee_id=assignee)
    return tasks


def task_monitor(*, now: Any) -> list[dict[str, Any]]:
    """The head's monitor, one row per active seller (one query): open tasks, overdue ones
    (open and past their due time), and the last activity — the latest task written for them
    (each change of their deals writes one) or marked done by them."""
    open_ = Q(crm_tasks__done_at__isnull=True)
    rows = (
        User.objects.filter(role__in=SELLER_ROLES, is_active=True)
        .annotate(
            open_count=Count("crm_tasks", filter=open_),
            overdue_count=Count("crm_tasks", filter=open_ & Q(crm_tasks__due_at__lt=now)),
            last_created=Max("crm_tasks__created_at"),
            last_done=Max("crm_tasks__done_at"),
        )
        .order_by("full_name", "email")
    )
    return [
        {
            "manager": user,
            "open": user.open_count,
            "overdue": user.overdue_count,
            "last_activity": max(
                (t for t in (user.last_created, user.last_done) if t is not None), default=None
            ),
        }
        for user in rows
    ]


def deals_listed(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """A deal list's page as the lists read it: in the lists' order (:func:`deal_list_order`,
    indexed after the responsible), with the stage, partner and responsible a row shows, and
    without the order, the product and the description (up to 10 000 characters)."""
    return (
        deals.select_related(None)
        .select_related("stage", "responsible", "partner")
        .defer("description")
        .order_by(*deal_list_order())
    )


def deal_filter_choices(*, deals: QuerySet[Deal]) -> dict[str, list[tuple[str, str]]]:
    """The partners and products the given deals belong to, by name, for the lists' filters
    (a seller chooses among their own deals' partners and products). Two queries."""
    partners = Partner.objects.filter(pk__in=deals.values("partner_id")).order_by("name", "id")
    products = (
        Product.objects.filter(pk__in=deals.values("product_id"))
        .select_related("partner")
        .order_by("name", "partner__name", "id")
    )
    names = [p.name for p in products]
    return {
        "partners": [(str(p.pk), p.name) for p in partners],
        # Two partners may sell products of the same name: then the partner tells them apart.
        "products": [
            (str(p.pk), p.name if names.count(p.name) == 1 else f"{p.name} ({p.partner.name})")
            for p in products
        ],
    }


def stage_names() -> list[str]:
    """Every stage name in use, once, for the deal lists' stage filter (the lists span the
    funnels of several partners; the default stages share their names)."""
    return sorted(set(Stage.objects.values_list("name", flat=True)))


# --- the board by stage ---------------------------------------------------------------------

# A board shows at most this many cards (one query whatever the number of deals).
BOARD_MAX = 500


def board_partners(*, deals: QuerySet[Deal]) -> list[Partner]:
    """The partners of the given deals, by name: a seller's board shows one funnel at a time."""
    return list(Partner.objects.filter(pk__in=deals.values("partner_id")).order_by("name", "id"))


def deal_board(*, deals: QuerySet[Deal], partner_id: Any) -> list[tuple[Stage, list[Deal]]]:
    """The open deals of one partner's funnel by open stage, each column by next step (the
    earliest, so the overdue, first). Two queries: the stages and the deals."""
    stages = [s for s in stages_for(partner_id=partner_id) if s.kind == Stage.Kind.OPEN]
    columns: dict[Any, list[Deal]] = {s.pk: [] for s in stages}
    cards = (
        deals.filter(partner_id=partner_id, status=Deal.Status.OPEN)
        .order_by(F("next_step_at").asc(nulls_last=True), "-updated_at", "-id")
        # A card shows the title, the buyer, the next step and the responsible: no order,
        # product or description (up to 10 000 characters) for each of up to 500 cards.
        .select_related(None)
        .select_related("stage", "responsible")
        .defer("description")[:BOARD_MAX]
    )
    for deal in cards:
        if deal.stage_id in columns:
            columns[deal.stage_id].append(deal)
    return [(stage, columns[stage.pk]) for stage in stages]


# --- CSV imports of leads ---------------------------------------------------------------------

# The imports of a list its import page lists.
RECENT_IMPORTS = 10


def lead_list_get(*, partner: Partner, pk: Any) -> LeadList:
    """The partner's lead list; another partner's (or none) is a 404."""
    return get_object_or_404(LeadList.objects.for_partner(partner).select_related("product"), pk=pk)


def lead_import_get(
    *, partner: Partner, lead_list: LeadList, pk: Any, with_file: bool = False
) -> LeadImport:
    """An import of the partner's list; its file's bytes are loaded only ``with_file`` (the
    progress bar asks every second or two)."""
    imports = LeadImport.objects.for_partner(partner).filter(lead_list=lead_list)
    if not with_file:
        imports = imports.defer("data")
    return get_object_or_404(imports, pk=pk)


def lead_imports_recent(*, partner: Partner, lead_list: LeadList) -> list[LeadImport]:
    return list(
        LeadImport.objects.for_partner(partner)
        .filter(lead_list=lead_list)
        .defer("data")[:RECENT_IMPORTS]
    )


def lead_import_report(
    *, partner: Partner, lead_import: LeadImport, limit: int | None = None
) -> QuerySet[LeadImportRow]:
    """The import's rows that were not simply created, in the file's order."""
    rows = LeadImportRow.objects.filter(
        lead_import__partner=partner, lead_import=lead_import
    ).order_by("row_number")
    return rows[:limit] if limit else rows
