"""The deals API per the public contract: the shape, the filters, who sees what (a deal one may
not see is a 404), stage moves, and a bounded number of queries whatever the rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import order_pay
from crm.models import Deal, Stage, StageChange
from orders.models import Order
from sales_queue.services import queue_take_next, queue_touch
from tests.accounts.factories import UserFactory
from tests.clients import partner_api, staff_api
from tests.crm.factories import DealFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_deal():
    """Иван took Анна's 1000 ₽ order (created 2 h before it entered the queue at 11:00),
    phoned her at 12:01 with no answer... then she paid at 12:10."""
    ivan = manager(full_name="Иван Петров")
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    queued_item(
        product=product,
        amount=Decimal("1000.00"),
        customer_name="Анна Смирнова",
        customer_email="anna@example.com",
        customer_phone="+79123456789",
        source="vk_ads",
    )
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    queue_touch(
        manager=ivan,
        item_id=item.pk,
        channel="phone",
        outcome="reached",
        comment="Оплатит сегодня",
        now=NOON + dt.timedelta(minutes=1),
    )
    order_pay(order=Order.objects.get(queue_item=item), paid_at=NOON + dt.timedelta(minutes=10))
    return ivan, Deal.objects.get(queue_item=item)


def test_the_deal_has_the_contracts_shape(worked_deal) -> None:
    # given
    ivan, deal = worked_deal

    # when
    response = staff_api(ivan).get(f"/api/v1/deals/{deal.pk}/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "title",
        "stage",
        "stage_id",
        "stage_kind",
        "status",
        "responsible",
        "responsible_name",
        "contact",
        "product",
        "product_name",
        "source",
        "lead_created_at",
        "created_at",
        "deal_after_seconds",
        "orders",
        "touches",
    }
    assert body["title"] == "Курс рисования"
    assert (body["status"], body["stage"], body["stage_kind"]) == (
        "won",
        "Выиграна",
        "won",
    )
    assert (body["responsible"], body["responsible_name"]) == (str(ivan.pk), "Иван Петров")
    assert body["contact"] == {
        "name": "Анна Смирнова",
        "email": "anna@example.com",
        "phone": "+79123456789",
        "telegram": "",
        "whatsapp": "",
    }
    assert (body["product"], body["product_name"]) == (str(deal.product_id), "Курс рисования")
    assert body["source"] == "vk_ads"
    assert [(o["external_id"], o["amount"]) for o in body["orders"]] == [
        (deal.order.external_id, "1000.00")
    ]
    assert body["orders"][0]["paid_at"].startswith("2026-11-20T")
    assert [(t["channel"], t["outcome"], t["comment"]) for t in body["touches"]] == [
        ("phone", "reached", "Оплатит сегодня")
    ]
    assert body["touches"][0]["manager_name"] == "Иван Петров"
    expected = int((deal.created_at - deal.lead_created_at).total_seconds())
    assert body["deal_after_seconds"] == expected


def test_an_unpaid_deal_lists_no_orders() -> None:
    deal = DealFactory.create()

    body = staff_api(deal.responsible).get(f"/api/v1/deals/{deal.pk}/").json()

    assert (body["orders"], body["touches"], body["status"]) == ([], [], "open")


def test_who_sees_a_deal(worked_deal) -> None:
    _ivan, deal = worked_deal
    url = f"/api/v1/deals/{deal.pk}/"

    # the partner and the head see it
    assert partner_api(deal.partner).get(url).status_code == 200
    assert staff_api(UserFactory.create(role="head")).get(url).status_code == 200
    # a second partner, another manager, QA and a caller without the deal do not
    for api in (
        partner_api(PartnerFactory.create()),
        staff_api(manager()),
        staff_api(UserFactory.create(role="qa")),
        staff_api(UserFactory.create(role="caller")),
    ):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_lists_hold_what_the_caller_sees_and_filter() -> None:
    # given two managers' deals of one partner, one moved on, and another partner's deal
    ivan, olga = manager(), manager()
    product = ProductFactory.create()
    a = DealFactory.create(product=product, responsible=ivan)
    b = DealFactory.create(product=product, responsible=ivan)
    c = DealFactory.create(product=product, responsible=olga)
    foreign = DealFactory.create()
    presentation = Stage.objects.get(partner=product.partner, name="Презентация")
    staff_api(ivan).post(f"/api/v1/deals/{b.pk}/stage/", {"stage": str(presentation.pk)})

    def ids(api, query=""):
        response = api.get(f"/api/v1/deals/{query}")
        assert response.status_code == 200, response.json()
        return {d["id"] for d in response.json()["results"]}

    head = staff_api(UserFactory.create(role="head"))
    assert ids(staff_api(ivan)) == {str(a.pk), str(b.pk)}
    assert ids(partner_api(product.partner)) == {str(a.pk), str(b.pk), str(c.pk)}
    assert str(foreign.pk) in ids(head)
    assert ids(head, f"?responsible={olga.pk}") == {str(c.pk)}
    assert ids(staff_api(ivan), f"?stage={presentation.pk}") == {str(b.pk)}
    assert ids(staff_api(ivan), "?stage=Новая") == {str(a.pk)}
    assert ids(partner_api(product.partner), "?status=won") == set()
    assert ids(staff_api(UserFactory.create(role="qa"))) == set()
    # by product, and by the days the buyer has waited since the last touch
    lamp = ProductFactory.create(partner=product.partner)
    d = DealFactory.create(product=lamp, responsible=ivan)
    assert ids(staff_api(ivan), f"?product={lamp.pk}") == {str(d.pk)}
    Deal.objects.filter(pk=a.pk).update(
        last_touch_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3, minutes=1)
    )
    assert ids(staff_api(ivan), "?idle_days=3") == {str(a.pk)}
    assert ids(staff_api(ivan), "?idle_days=4") == set()


def test_bad_filters_are_400() -> None:
    api = staff_api(UserFactory.create(role="head"))

    for query in (
        "?status=maybe",
        "?responsible=nobody",
        "?product=lamp",
        "?idle_days=0",
        "?idle_days=many",
        "?idle_days=366",
    ):
        response = api.get(f"/api/v1/deals/{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] == "validation_error"


def test_the_list_runs_a_bounded_number_of_queries(django_assert_max_num_queries) -> None:
    # given 3 and then 23 paid, touched deals of the head's view
    head = staff_api(UserFactory.create(role="head"))

    def counted() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert head.get("/api/v1/deals/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        DealFactory.create()
    few = counted()
    for _ in range(20):
        DealFactory.create()

    # then
    with django_assert_max_num_queries(few):
        assert len(head.get("/api/v1/deals/").json()["results"]) == 23


def test_the_responsible_manager_moves_the_stage_and_a_row_is_written() -> None:
    deal = DealFactory.create()
    contact = Stage.objects.get(partner=deal.partner, name="Контакт установлен")

    response = staff_api(deal.responsible).post(
        f"/api/v1/deals/{deal.pk}/stage/", {"stage": str(contact.pk)}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["stage"] == "Контакт установлен"
    assert (
        StageChange.objects.filter(deal=deal, to_stage=contact, actor=deal.responsible).count() == 1
    )


def test_stage_moves_lost_needs_a_reason_and_closed_is_409() -> None:
    deal = DealFactory.create()
    head = staff_api(UserFactory.create(role="head"))
    lost = Stage.objects.get(partner=deal.partner, kind="lost")
    url = f"/api/v1/deals/{deal.pk}/stage/"

    no_reason = head.post(url, {"stage": str(lost.pk)}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["details"]

    assert (
        head.post(url, {"stage": str(lost.pk), "reason": "no_time"}, format="json").status_code
        == 200
    )
    again = head.post(url, {"stage": str(lost.pk), "reason": "no_time"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "deal_closed")
    deal.refresh_from_db()
    assert (deal.status, deal.stage) == ("lost", lost)


def test_stage_moves_are_refused_to_others() -> None:
    deal = DealFactory.create()
    other_stage = DealFactory.create().stage_id
    url = f"/api/v1/deals/{deal.pk}/stage/"

    assert (
        staff_api(manager()).post(url, {"stage": str(deal.stage_id)}, format="json").status_code
        == 404
    )
    assert (
        partner_api(deal.partner)
        .post(url, {"stage": str(deal.stage_id)}, format="json")
        .status_code
        == 403
    )
    foreign = staff_api(deal.responsible).post(url, {"stage": str(other_stage)}, format="json")
    assert foreign.status_code == 400
    assert not StageChange.objects.filter(deal=deal).exists()


def test_the_schema_documents_the_deals_endpoints(client) -> None:
    schema = client.get("/api/schema/?format=json").json()

    assert {"/api/v1/deals/", "/api/v1/deals/{id}/", "/api/v1/deals/{id}/stage/"} <= set(
        schema["paths"]
    )
