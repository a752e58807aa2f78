"""Tenancy, checked route by route from the URLconf rather than from a hand-kept list.

Every route with an object id in its pattern (``<uuid:pk>``, ``<str:order_id>``, …) is found by
walking ``get_resolver()``. Each one must be in exactly one of two registries:

* ``PARTNER_ROUTES``: routes a partner reaches. The object is built for partner A; partner B
  (an API key for ``/api/``, a logged-in partner owner for pages) calls it with every HTTP
  method the view has and gets a 404, and nothing in the database changes.
* ``STAFF_ROUTES``: routes for the sales department. A partner gets 403 or 404; on the head's
  routes a manager gets 403; nothing changes either way.

A builder returns the route's ids and, if the request names further objects in its body (the
order a deal link takes), a ``body`` with them: the refused request names partner A's real ones.

A new route with an id that is in neither fails ``test_every_route_with_an_id_is_covered``,
naming the route: decide which registry it belongs to and give it a builder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, User
from accounts.services import invitation_create
from crm.lead_import import lead_import_create, lead_import_map
from crm.services import touch_script_create
from partners.models import Partner, Questionnaire
from partners.models import SalesStatus as S
from partners.services import call_book
from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory, UserFactory
from tests.crm.factories import ContactFactory, DealFactory, TaskFactory
from tests.crm.lead_factories import lead, lead_list
from tests.notifications.factories import NotificationFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import (
    PartnerFactory,
    ProductFactory,
    call_started,
    product_in_status,
    slot_create,
)
from tests.quality.factories import pending_review
from tests.sales_queue.factories import queued_item

pytestmark = pytest.mark.django_db

# Route parameters that name an object: ``pk`` or ``something_id``.
ID_PARAM = re.compile(r"<(?:\w+:)?(?:pk|\w+_id)>")
# The Django admin is for superusers only and has its own permission system; not a tenant surface.
OUT_OF_SCOPE_PREFIXES = ("admin/",)
METHODS = ("get", "post", "put", "patch", "delete")
# Apps whose rows a refused request must leave exactly as they were.
SNAPSHOT_APPS = (
    "partners",
    "orders",
    "queue",
    "billing",
    "crm",
    "notifications",
    "quality",
    "stats",
)

ANSWERS = {name: "чужой ответ" for name in Questionnaire.TEXT_FIELDS}


# --- discovering the routes -----------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def routes_with_an_id() -> dict[str, URLPattern]:
    return {
        route: pattern
        for route, pattern in _walk(get_resolver().url_patterns)
        if ID_PARAM.search(route) and not route.startswith(OUT_OF_SCOPE_PREFIXES)
    }


def allowed_methods(pattern: URLPattern) -> list[str]:
    view = getattr(pattern.callback, "view_class", None)
    assert view is not None, f"{pattern} is not a class-based view: list its methods here"
    return [m for m in METHODS if hasattr(view, m) and m in view.http_method_names]


def url_for(route: str, kwargs: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(0).strip("<>").split(":")[-1]
        return str(kwargs[name])

    return "/" + re.sub(r"<[^>]+>", fill, route)


# --- the objects -----------------------------------------------------------------------------


def _product(partner: Partner) -> dict[str, Any]:
    return {"pk": product_in_status(S.SUBMITTED, partner=partner).pk}


def _booking(partner: Partner) -> dict[str, Any]:
    owner = UserFactory.create(role="partner_owner", partner=partner)
    product = product_in_status(S.SUBMITTED, partner=partner)
    booking = call_book(partner=partner, actor=owner, slot=slot_create(), products=[product])
    return {"pk": booking.pk}


def _started_booking(partner: Partner) -> dict[str, Any]:
    """A booked call whose time has come: what the head may record as held."""
    return {"pk": call_started([product_in_status(S.SUBMITTED, partner=partner)]).pk}


def _invitation(partner: Partner) -> dict[str, Any]:
    invitation, _raw = invitation_create(
        email=f"invitee-{partner.pk.hex[:8]}@example.com", role="partner_staff", partner=partner
    )
    return {"pk": invitation.pk}


def _member(partner: Partner) -> dict[str, Any]:
    return {"pk": UserFactory.create(role="partner_staff", partner=partner).pk}


def _order(partner: Partner) -> dict[str, Any]:
    product = ProductFactory.create(partner=partner, on_sale=True)
    return {"order_id": OrderFactory.create(product=product).pk}


def _lead(partner: Partner) -> dict[str, Any]:
    return {"pk": lead(of=lead_list(product=ProductFactory.create(partner=partner))).pk}


def _slot(partner: Partner) -> dict[str, Any]:
    return {"pk": slot_create(in_days=3).pk}


def _partner(partner: Partner) -> dict[str, Any]:
    return {"pk": partner.pk}


def _item(partner: Partner) -> dict[str, Any]:
    return {"item_id": queued_item(product=ProductFactory.create(partner=partner, on_sale=True)).pk}


def _callback(partner: Partner) -> dict[str, Any]:
    """A manager's scheduled callback: what «take now» takes."""
    product = ProductFactory.create(partner=partner, on_sale=True)
    item = queued_item(product=product, state="scheduled", holder=UserFactory.create())
    return {"item_id": item.pk}


def _deal(partner: Partner) -> dict[str, Any]:
    return {"pk": DealFactory.create(product=ProductFactory.create(partner=partner)).pk}


def _deal_with_a_paid_order(partner: Partner) -> dict[str, Any]:
    """A deal and a paid, unlinked order of its buyer: what a link would take (the order goes
    in the body, so the refused request names partner A's real order)."""
    deal = DealFactory.create(
        product=ProductFactory.create(partner=partner),
        contact=ContactFactory.create(partner=partner),
    )
    order = OrderFactory.create(
        product=deal.product,
        contact=deal.contact,
        status="paid",
        paid_at=timezone.now(),
        paid_amount=Decimal("1000.00"),
    )
    return {"pk": deal.pk, "body": {"order": str(order.pk)}}


def _task(partner: Partner) -> dict[str, Any]:
    deal = DealFactory.create(product=ProductFactory.create(partner=partner))
    return {"pk": TaskFactory.create(deal=deal, assignee=deal.responsible).pk}


def _seller(partner: Partner) -> dict[str, Any]:
    """A manager (no partner's object): what the head sets a commission rate for."""
    return {"pk": UserFactory.create(role="manager").pk}


def _trainee(partner: Partner) -> dict[str, Any]:
    """A trainee caller of the sales department (no partner's object): the head's team page."""
    return {"pk": UserFactory.create(role="caller", is_trainee=True).pk}


def _staff_invitation(partner: Partner) -> dict[str, Any]:
    invitation, _raw = invitation_create(
        email=f"staff-{partner.pk.hex[:8]}@example.com", role="manager"
    )
    return {"pk": invitation.pk}


def _deal_page(partner: Partner) -> dict[str, Any]:
    return {"deal_id": DealFactory.create(product=ProductFactory.create(partner=partner)).pk}


def _deal_page_with_a_paid_order(partner: Partner) -> dict[str, Any]:
    built = _deal_with_a_paid_order(partner)
    return {"deal_id": built["pk"], "body": built["body"]}


def _partner_id(partner: Partner) -> dict[str, Any]:
    return {"partner_id": partner.pk}


def _contact(partner: Partner) -> dict[str, Any]:
    return {"contact_id": ContactFactory.create(partner=partner).pk}


def _script(partner: Partner) -> dict[str, Any]:
    script = touch_script_create(partner=partner, product=None, kind="outbound_order")
    return {"script_id": script.pk, "step_id": script.steps.first().pk}  # type: ignore[union-attr]


def _notification(partner: Partner) -> dict[str, Any]:
    """A partner's failed email: what «send again» takes (the outbox is the head's, not the
    partner's: a partner gets 403)."""
    owner = UserFactory.create(role="partner_owner", partner=partner)
    return {"pk": NotificationFactory.create(status="failed", recipient=owner.email, user=owner).pk}


def _in_app_notification(partner: Partner) -> dict[str, Any]:
    """An unread bell notification of partner A's owner: only that user may mark it read (the
    same holds between two people of one partner: tests/notifications/test_inbox.py)."""
    owner = UserFactory.create(role="partner_owner", partner=partner)
    notification = NotificationFactory.create(
        channel="in_app", status="sent", sent_at=timezone.now(), recipient=owner.email, user=owner
    )
    return {"pk": notification.pk}


def _lead_list(partner: Partner) -> dict[str, Any]:
    return {"pk": lead_list(product=ProductFactory.create(partner=partner, on_sale=True)).pk}


def _lead_import(partner: Partner) -> dict[str, Any]:
    """A lead list's import with its columns chosen: what «Import» would start."""
    of = lead_list(product=ProductFactory.create(partner=partner, on_sale=True))
    data = "Имя;Телефон\nИван;+79120000001\n".encode()
    lead_import = lead_import_create(lead_list=of, created_by=None, file_name="a.csv", data=data)
    lead_import_map(lead_import=lead_import, mapping={"name": 0, "phone": 1})
    return {"pk": of.pk, "import_id": lead_import.pk}


def _qa_review(partner: Partner) -> dict[str, Any]:
    """A call of partner A's buyer waiting for QA's review (QA's page: the head and a manager
    get 403 too, tests/quality/test_pages.py)."""
    return {"pk": pending_review(partner=partner).pk}


@dataclass(frozen=True)
class Route:
    build: Callable[[Partner], dict[str, Any]]
    body: dict[str, Any] = field(default_factory=dict)


PARTNER_ROUTES: dict[str, Route] = {
    # API
    "api/v1/products/<uuid:pk>/": Route(
        _product, {"name": "взлом", "sales_department": {"enabled": False}}
    ),
    "api/v1/products/<uuid:pk>/questionnaire/": Route(_product, ANSWERS),
    "api/v1/products/<uuid:pk>/questionnaire/submit/": Route(_product),
    "api/v1/products/<uuid:pk>/history/": Route(_product),
    "api/v1/call-bookings/<uuid:pk>/cancel/": Route(_booking),
    "api/v1/orders/<str:order_id>/": Route(_order),
    "api/v1/orders/<str:order_id>/pay/": Route(_order, {"amount": "1000.00"}),
    "api/v1/orders/<str:order_id>/cancel/": Route(_order),
    "api/v1/orders/<str:order_id>/refund/": Route(_order, {"amount": "100.00"}),
    "api/v1/contacts/<str:contact_id>/": Route(_contact),
    "api/v1/leads/<uuid:pk>/": Route(_lead),
    "api/v1/deals/<uuid:pk>/": Route(_deal, {"title": "взлом", "source": "взлом"}),
    "api/v1/deals/<uuid:pk>/stage/": Route(_deal, {"stage": "", "reason": "other"}),
    "api/v1/deals/<uuid:pk>/orders/": Route(_deal_with_a_paid_order),
    "api/v1/deals/<uuid:pk>/touches/": Route(
        _deal, {"channel": "phone", "outcome": "reached", "comment": "взлом"}
    ),
    "api/v1/lead-lists/<uuid:pk>/": Route(_lead_list, {"name": "взлом"}),
    "api/v1/lead-lists/<uuid:pk>/rotate-token/": Route(_lead_list),
    "api/v1/lead-lists/<uuid:pk>/archive/": Route(_lead_list),
    # cabinet pages
    "cabinet/orders/<str:order_id>/": Route(_order),
    "cabinet/lead-lists/<uuid:pk>/": Route(_lead_list),
    "cabinet/lead-lists/<uuid:pk>/edit/": Route(_lead_list, {"name": "Чужой"}),
    "cabinet/lead-lists/<uuid:pk>/rotate-token/": Route(_lead_list),
    "cabinet/lead-lists/<uuid:pk>/archive/": Route(_lead_list),
    "cabinet/contacts/<str:contact_id>/": Route(_contact),
    "cabinet/products/<uuid:pk>/": Route(_product),
    "cabinet/products/<uuid:pk>/edit/": Route(_product, {"name": "Чужое", "price": "1"}),
    "cabinet/products/<uuid:pk>/settings/": Route(
        _product, {"grace_period_minutes": "5", "channels": "phone"}
    ),
    "cabinet/products/<uuid:pk>/questionnaire/": Route(_product, {"action": "submit", **ANSWERS}),
    "cabinet/products/<uuid:pk>/questionnaire/autosave/": Route(_product, {"faq": "чужое"}),
    "cabinet/calls/<uuid:pk>/cancel/": Route(_booking),
    "cabinet/lead-lists/<uuid:pk>/import/": Route(_lead_list),
    "cabinet/lead-lists/<uuid:pk>/import/<uuid:import_id>/": Route(
        _lead_import, {"column_0": "phone", "column_1": "name"}
    ),
    "cabinet/lead-lists/<uuid:pk>/import/<uuid:import_id>/start/": Route(_lead_import),
    "cabinet/lead-lists/<uuid:pk>/import/<uuid:import_id>/resume/": Route(_lead_import),
    "cabinet/lead-lists/<uuid:pk>/import/<uuid:import_id>/progress/": Route(_lead_import),
    "cabinet/lead-lists/<uuid:pk>/import/<uuid:import_id>/report.csv": Route(_lead_import),
    "cabinet/team/invitations/<uuid:pk>/revoke/": Route(_invitation),
    "cabinet/team/members/<uuid:pk>/remove/": Route(_member),
    "cabinet/scripts/<uuid:script_id>/": Route(_script, {"title": "Чужой", "text": "взлом"}),
    "cabinet/scripts/<uuid:script_id>/delete/": Route(_script),
    "cabinet/scripts/<uuid:script_id>/steps/<uuid:step_id>/": Route(_script, {"action": "delete"}),
    # everyone's own notifications
    "notifications/<uuid:pk>/read/": Route(_in_app_notification),
}


@dataclass(frozen=True)
class StaffRoute:
    build: Callable[[Partner], dict[str, Any]]
    head_only: bool  # a manager gets 403 too


STAFF_ROUTES: dict[str, StaffRoute] = {
    # the head's pages
    "head/sales-department/products/<uuid:pk>/": StaffRoute(_product, head_only=True),
    "head/sales-department/products/<uuid:pk>/approve/": StaffRoute(_product, head_only=True),
    "head/sales-department/products/<uuid:pk>/refuse/": StaffRoute(_product, head_only=True),
    "head/sales-department/products/<uuid:pk>/block/": StaffRoute(_product, head_only=True),
    "head/sales-department/products/<uuid:pk>/unblock/": StaffRoute(_product, head_only=True),
    "head/sales-department/slots/<uuid:pk>/cancel/": StaffRoute(_slot, head_only=True),
    "head/sales-department/calls/<uuid:pk>/held/": StaffRoute(_started_booking, head_only=True),
    "head/sales-department/partners/<uuid:pk>/block/": StaffRoute(_partner, head_only=True),
    "head/sales-department/partners/<uuid:pk>/unblock/": StaffRoute(_partner, head_only=True),
    "head/queue/items/<uuid:item_id>/release/": StaffRoute(_item, head_only=True),
    "head/queue/items/<uuid:item_id>/reassign/": StaffRoute(_item, head_only=True),
    "head/deals/<uuid:deal_id>/": StaffRoute(_deal_page, head_only=True),
    "head/deals/<uuid:deal_id>/stage/": StaffRoute(_deal_page, head_only=True),
    "head/deals/<uuid:deal_id>/next-step/": StaffRoute(_deal_page, head_only=True),
    "head/deals/<uuid:deal_id>/fields/": StaffRoute(_deal_page, head_only=True),
    "head/deals/<uuid:deal_id>/orders/": StaffRoute(_deal_page_with_a_paid_order, head_only=True),
    "head/deals/<uuid:deal_id>/touches/": StaffRoute(_deal_page, head_only=True),
    "head/stages/<uuid:partner_id>/": StaffRoute(_partner_id, head_only=True),
    "head/contacts/<str:contact_id>/": StaffRoute(_contact, head_only=True),
    "head/notifications/<uuid:pk>/resend/": StaffRoute(_notification, head_only=True),
    # the manager's workspace (another manager's deal is a 404: tests/crm/test_deal_pages.py)
    "workspace/deals/<uuid:deal_id>/": StaffRoute(_deal_page, head_only=False),
    "workspace/deals/<uuid:deal_id>/stage/": StaffRoute(_deal_page, head_only=False),
    "workspace/deals/<uuid:deal_id>/next-step/": StaffRoute(_deal_page, head_only=False),
    "workspace/deals/<uuid:deal_id>/description/": StaffRoute(_deal_page, head_only=False),
    "workspace/deals/<uuid:deal_id>/fields/": StaffRoute(_deal_page, head_only=False),
    # (a buyer of another manager's deals is a 404: tests/crm/test_contact_reads.py)
    "workspace/contacts/<str:contact_id>/": StaffRoute(_contact, head_only=False),
    "workspace/deals/<uuid:deal_id>/orders/": StaffRoute(
        _deal_page_with_a_paid_order, head_only=False
    ),
    "workspace/deals/<uuid:deal_id>/touches/": StaffRoute(_deal_page, head_only=False),
    "workspace/items/<uuid:item_id>/take/": StaffRoute(_callback, head_only=False),
    "workspace/items/<uuid:item_id>/news/": StaffRoute(_item, head_only=False),
    "workspace/items/<uuid:item_id>/touch/": StaffRoute(_item, head_only=False),
    "workspace/items/<uuid:item_id>/release/": StaffRoute(_item, head_only=False),
    "workspace/items/<uuid:item_id>/payment-link/": StaffRoute(_item, head_only=False),
    "workspace/tasks/<uuid:pk>/done/": StaffRoute(_task, head_only=False),
    "head/stats/managers/<uuid:pk>/rate/": StaffRoute(_seller, head_only=True),
    # the head's team page
    "head/team/invitations/<uuid:pk>/revoke/": StaffRoute(_staff_invitation, head_only=True),
    "head/team/members/<uuid:pk>/": StaffRoute(_trainee, head_only=True),
    "head/team/members/<uuid:pk>/graduate/": StaffRoute(_trainee, head_only=True),
    "head/team/members/<uuid:pk>/deactivate/": StaffRoute(_trainee, head_only=True),
    # quality assurance's own pages (not the head's either)
    "qa/reviews/<uuid:pk>/": StaffRoute(_qa_review, head_only=True),
    # staff API
    "api/v1/products/<uuid:pk>/sales-department/approve/": StaffRoute(_product, head_only=True),
    "api/v1/products/<uuid:pk>/sales-department/refuse/": StaffRoute(_product, head_only=True),
    "api/v1/products/<uuid:pk>/sales-department/block/": StaffRoute(_product, head_only=True),
    "api/v1/products/<uuid:pk>/sales-department/unblock/": StaffRoute(_product, head_only=True),
    "api/v1/partners/<uuid:pk>/block/": StaffRoute(_partner, head_only=True),
    "api/v1/partners/<uuid:pk>/unblock/": StaffRoute(_partner, head_only=True),
    "api/v1/alignment-slots/<uuid:pk>/": StaffRoute(_slot, head_only=True),
    "api/v1/call-bookings/<uuid:pk>/held/": StaffRoute(_started_booking, head_only=True),
    "api/v1/queue/items/<str:item_id>/take/": StaffRoute(_callback, head_only=False),
    "api/v1/queue/items/<str:item_id>/touches/": StaffRoute(_item, head_only=False),
    "api/v1/queue/items/<str:item_id>/release/": StaffRoute(_item, head_only=False),
    "api/v1/queue/items/<str:item_id>/reassign/": StaffRoute(_item, head_only=True),
    "api/v1/tasks/<uuid:pk>/done/": StaffRoute(_task, head_only=False),
    "api/v1/staff/<uuid:pk>/": StaffRoute(_trainee, head_only=True),
    "api/v1/staff/<uuid:pk>/deactivate/": StaffRoute(_trainee, head_only=True),
}


# --- the callers and the snapshot ------------------------------------------------------------


def is_api(route: str) -> bool:
    return route.startswith("api/")


def partner_caller(route: str) -> Client | APIClient:
    """Partner B: an API key for the API, a logged-in partner owner for pages."""
    if is_api(route):
        _key, raw = ApiKeyFactory.issue(partner=PartnerFactory.create())
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api
    client = Client()
    client.force_login(UserFactory.create(role="partner_owner"))
    return client


def manager_caller(route: str) -> Client | APIClient:
    manager = UserFactory.create(role="manager")
    if is_api(route):
        _token, raw = PersonalTokenFactory.issue(user=manager)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api
    client = Client()
    client.force_login(manager)
    return client


def call(
    client: Client | APIClient, route: str, method: str, url: str, body: dict[str, Any]
) -> Any:
    if method == "get":
        return client.get(url)
    if isinstance(client, APIClient):
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url, body)


def snapshot(partner: Partner) -> dict[str, Any]:
    """Every row of the tenant apps, and partner A's keys and people: what a refused request
    must not touch. (Partner B's own key records its use, so only A's keys are compared.)"""
    rows: dict[str, Any] = {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in SNAPSHOT_APPS
    }
    rows["accounts.ApiKey"] = list(ApiKey.objects.for_partner(partner).order_by("pk").values())
    rows["accounts.User"] = list(
        User.objects.filter(partner=partner).order_by("pk").values("pk", "email", "role")
    )
    return rows


# --- the tests -------------------------------------------------------------------------------


def test_every_route_with_an_id_is_covered() -> None:
    discovered = set(routes_with_an_id())
    partner, staff = set(PARTNER_ROUTES), set(STAFF_ROUTES)

    uncovered = sorted(discovered - partner - staff)
    stale = sorted((partner | staff) - discovered)

    assert not partner & staff, f"listed both as partner and staff routes: {partner & staff}"
    assert not uncovered, (
        "routes with an object id that the tenancy test does not cover: "
        f"{uncovered}. Add each to PARTNER_ROUTES (with a builder of the object) or, "
        "if only the sales department reaches it, to STAFF_ROUTES in tests/test_tenancy_routes.py."
    )
    assert not stale, f"registry entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(PARTNER_ROUTES))
def test_a_second_partner_gets_404_and_changes_nothing(route: str) -> None:
    # given
    entry = PARTNER_ROUTES[route]
    owner = PartnerFactory.create()
    built = entry.build(owner)
    url = url_for(route, built)
    body = {**entry.body, **built.get("body", {})}
    methods = allowed_methods(routes_with_an_id()[route])
    intruder = partner_caller(route)
    before = snapshot(owner)

    for method in methods:
        # when
        response = call(intruder, route, method, url, body)

        # then
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        if is_api(route):
            assert response.json()["code"] == "not_found", f"{method.upper()} {url}"
        assert snapshot(owner) == before, f"{method.upper()} {url} changed partner A's data"


@pytest.mark.parametrize("route", sorted(STAFF_ROUTES))
def test_staff_routes_refuse_the_wrong_role_and_change_nothing(route: str) -> None:
    # given
    entry = STAFF_ROUTES[route]
    owner = PartnerFactory.create()
    built = entry.build(owner)
    url = url_for(route, built)
    methods = allowed_methods(routes_with_an_id()[route])
    callers: list[tuple[str, Client | APIClient, set[int]]] = [
        ("a partner", partner_caller(route), {403, 404})
    ]
    if entry.head_only:
        callers.append(("a manager", manager_caller(route), {403}))
    before = snapshot(owner)

    for who, client, expected in callers:
        for method in methods:
            # when
            response = call(client, route, method, url, built.get("body", {}))

            # then
            assert response.status_code in expected, (
                f"{who}: {method.upper()} {url}: {response.status_code}"
            )
            assert snapshot(owner) == before, f"{who}: {method.upper()} {url} changed data"


def test_for_partner_refuses_none_instead_of_reading_everyone() -> None:
    with pytest.raises(ValueError, match="needs a saved partner"):
        ApiKey.objects.for_partner(None)
