"""The deal's own fields: the responsible seller or the head renames a deal and changes its ad
channel (one task per changed field); the head hands a deal to another seller, and while its
order is still in the queue the item goes along. All or nothing; a partner only reads."""

from __future__ import annotations

import pytest

from crm.models import Deal, Task
from crm.services import deal_fields_set
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next
from salesdesk.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.clients import logged_in, partner_api, staff_api
from tests.crm.factories import DealFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


def field_tasks(deal: Deal) -> list[str]:
    return list(
        Task.objects.filter(deal=deal, kind=Task.Kind.FIELD_CHANGED)
        .order_by("created_at", "id")
        .values_list("text", flat=True)
    )


def test_the_seller_renames_the_deal_and_changes_its_ad_channel_one_task_each() -> None:
    # given Вера's deal «Курс рисования» from «vk_ads»
    vera = manager()
    deal = DealFactory.create(responsible=vera, title="Курс рисования", source="vk_ads")

    # when she saves the form by htmx
    response = logged_in(vera).post(
        f"/workspace/deals/{deal.pk}/fields/",
        {"title": "  Курс   акварели ", "source": "Яндекс Директ"},
        HTTP_HX_REQUEST="true",
    )

    # then the card comes back saved, the fields changed, one task per field in Russian
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="deal-fields-saved"' in html
    assert "Яндекс Директ" in html
    deal.refresh_from_db()
    assert (deal.title, deal.source) == ("Курс акварели", "Яндекс Директ")
    assert sorted(field_tasks(deal)) == [
        "Канал рекламы сделки «Курс акварели» теперь «Яндекс Директ»",
        "Сделка «Курс рисования» теперь называется «Курс акварели»",
    ]
    assert set(Task.objects.filter(deal=deal).values_list("assignee", flat=True)) == {vera.pk}

    # and the same values again write no task; a plain post returns to the deal page
    again = logged_in(vera).post(
        f"/workspace/deals/{deal.pk}/fields/",
        {"title": "Курс акварели", "source": "Яндекс Директ"},
    )
    assert again.status_code == 302
    assert again["Location"] == f"/workspace/deals/{deal.pk}/"
    assert len(field_tasks(deal)) == 2


@pytest.mark.parametrize(
    ("title", "source", "field"),
    [("   ", "vk", "title"), ("x" * 201, "vk", "title"), ("Курс", "y" * 101, "source")],
)
def test_bad_fields_are_refused_and_nothing_changes(title: str, source: str, field: str) -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera, title="Курс", source="vk_ads")

    response = logged_in(vera).post(
        f"/workspace/deals/{deal.pk}/fields/", {"title": title, "source": source}
    )

    assert response.status_code == 400
    assert 'data-testid="deal-fields-error"' in response.content.decode()
    with pytest.raises(ApplicationError) as refused:
        deal_fields_set(deal=deal, actor=vera, title=title, source=source)
    assert field in refused.value.details
    deal.refresh_from_db()
    assert (deal.title, deal.source) == ("Курс", "vk_ads")
    assert field_tasks(deal) == []


def test_the_head_hands_a_deal_without_an_open_item_to_another_seller() -> None:
    # given Вера's deal (no queue item) and Олег
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera, title="Курс")
    head = UserFactory.create(role="head")

    # when the head hands it to Олег from the deal page (the title unchanged)
    response = logged_in(head).post(
        f"/head/deals/{deal.pk}/fields/",
        {"title": "Курс", "source": deal.source, "responsible": str(oleg.pk)},
    )

    # then Олег is responsible and has a task naming Вера; Вера's page is a 404 for her now
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.responsible == oleg
    task = Task.objects.get(deal=deal, kind=Task.Kind.RESPONSIBLE_CHANGED)
    assert task.assignee == oleg
    assert (vera.full_name or vera.email) in task.text
    assert logged_in(vera).get(f"/workspace/deals/{deal.pk}/").status_code == 404
    assert logged_in(oleg).get(f"/workspace/deals/{deal.pk}/").status_code == 200


def test_a_deal_whose_order_is_held_goes_over_with_its_queue_item() -> None:
    # given Вера holds an order; its deal is open
    vera, oleg = manager(), manager()
    queued_item(product=ProductFactory.create(on_sale=True))
    item = queue_take_next(manager=vera, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)

    # when the head hands the deal to Олег over the API
    response = staff_api(UserFactory.create(role="head")).patch(
        f"/api/v1/deals/{deal.pk}/", {"responsible": str(oleg.pk)}, format="json"
    )

    # then the order went along: Олег holds it, and the deal is his
    assert response.status_code == 200, response.json()
    assert response.json()["responsible"] == str(oleg.pk)
    item.refresh_from_db()
    assert (item.state, item.holder) == (QueueItem.State.ACTIVE, oleg)


def test_a_refused_hand_over_keeps_every_field_as_it_was() -> None:
    # given Вера's held order and Олег holding another one
    vera, oleg = manager(), manager()
    product = ProductFactory.create(on_sale=True)
    queued_item(product=product)
    queued_item(product=product)
    mine = queue_take_next(manager=vera, now=NOON)
    assert queue_take_next(manager=oleg, now=NOON) is not None
    assert mine is not None
    deal = Deal.objects.get(queue_item=mine)
    title = deal.title

    # when the head renames the deal and hands it to the busy Олег
    response = staff_api(UserFactory.create(role="head")).patch(
        f"/api/v1/deals/{deal.pk}/",
        {"title": "Новое имя", "responsible": str(oleg.pk)},
        format="json",
    )

    # then 409 and nothing changed, not even the title
    assert response.status_code == 409
    assert response.json()["code"] == "manager_busy"
    deal.refresh_from_db()
    assert (deal.title, deal.responsible) == (title, vera)
    assert field_tasks(deal) == []


def test_a_closed_deal_stays_with_its_manager() -> None:
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera, status=Deal.Status.WON)

    response = staff_api(UserFactory.create(role="head")).patch(
        f"/api/v1/deals/{deal.pk}/", {"responsible": str(oleg.pk)}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "deal_closed"
    deal.refresh_from_db()
    assert deal.responsible == vera


def test_who_may_change_what_over_the_api() -> None:
    # given Вера's deal
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera, title="Курс")
    url = f"/api/v1/deals/{deal.pk}/"

    # Вера renames it
    renamed = staff_api(vera).patch(url, {"title": "Курс 2"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Курс 2"
    # but may not hand it over; Олег does not see it; the partner only reads it
    assert (
        staff_api(vera).patch(url, {"responsible": str(oleg.pk)}, format="json").status_code == 403
    )
    assert staff_api(oleg).patch(url, {"title": "Чужое"}, format="json").status_code == 404
    assert (
        partner_api(deal.partner).patch(url, {"title": "Партнёр"}, format="json").status_code == 403
    )
    # bad input is a 400 naming the field; someone who is not an active seller too
    bad = staff_api(vera).patch(url, {"title": ""}, format="json")
    assert bad.status_code == 400
    assert "title" in bad.json()["details"]
    head = staff_api(UserFactory.create(role="head"))
    qa = UserFactory.create(role="qa")
    nobody = head.patch(url, {"responsible": str(qa.pk)}, format="json")
    assert nobody.status_code == 400
    assert "responsible" in nobody.json()["details"]
    deal.refresh_from_db()
    assert (deal.title, deal.responsible) == ("Курс 2", vera)


def test_the_head_sees_the_hand_over_choice_and_a_seller_does_not() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    seller_page = logged_in(vera).get(f"/workspace/deals/{deal.pk}/").content.decode()
    head_page = (
        logged_in(UserFactory.create(role="head")).get(f"/head/deals/{deal.pk}/").content.decode()
    )

    assert 'name="responsible"' not in seller_page
    assert 'name="responsible"' in head_page
    assert 'data-testid="deal-fields-form"' in seller_page
