"""The cabinet's lead lists: the lists with their leads and conversion, a list's page with its
leads and where each stands, the form's preview and code, creating and changing a list, a new
form address and the archive; another partner's list is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from crm.models import Deal, LeadList
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager

pytestmark = pytest.mark.django_db


def owner_of(made: LeadList) -> Client:
    return logged_in(UserFactory.create(role="partner_owner", partner=made.partner))


def test_the_list_page_shows_the_leads_their_status_and_the_conversion() -> None:
    # given: two leads of a list; one taken and won, one waiting in the queue
    made = lead_list(name="Вебинар 12 марта")
    won = lead(of=made, name="Ольга Петрова", now=NOON - dt.timedelta(minutes=5))
    waiting = lead(of=made, name="Иван Сидоров", phone="+79990001122", now=NOON)
    item = queue_take_next(manager=manager(), now=NOON)
    assert item is not None and item.lead_id == won.pk
    Deal.objects.filter(queue_item=item).update(status=Deal.Status.WON)

    # when
    response = owner_of(made).get(f"/cabinet/lead-lists/{made.pk}/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ольга Петрова" in page and "Иван Сидоров" in page
    assert page.index("Иван Сидоров") < page.index("Ольга Петрова")  # newest first
    assert "в очереди" in page
    assert 'data-testid="lead-list-conversion">50,0\u00a0%' in page
    assert "srcdoc=" in page and "sandbox" in page
    assert "&lt;form method=&quot;post&quot;" in page  # the code, escaped in the textarea
    assert waiting.pk and QueueItem.objects.filter(lead=waiting, state="queued").exists()


def test_the_lists_page_shows_each_list_with_its_leads_and_conversion() -> None:
    made = lead_list(name="Вебинар 12 марта")
    lead(of=made)
    response = owner_of(made).get("/cabinet/lead-lists/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Вебинар 12 марта" in page and "0,0\u00a0%" in page


def test_a_lead_of_a_product_the_sales_department_does_not_work_says_why_it_waits() -> None:
    made = lead_list(product=ProductFactory.create())
    lead(of=made)
    page = owner_of(made).get(f"/cabinet/lead-lists/{made.pk}/").content.decode()
    assert "не в очереди: отдел продаж тогда не работал с этим продуктом" in page


def test_the_owner_creates_a_list_from_the_cabinet() -> None:
    # given
    product = ProductFactory.create(on_sale=True)
    owner = logged_in(UserFactory.create(role="partner_owner", partner=product.partner))

    # when
    response = owner.post(
        "/cabinet/lead-lists/new/",
        {
            "name": "Лендинг курса",
            "product": str(product.pk),
            "allowed_origins": "https://school.example\nhttps://promo.school.example",
            "thank_you_url": "https://school.example/thanks",
            "default_source": "target",
            "consent_text": "",
        },
    )

    # then
    made = LeadList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cabinet/lead-lists/{made.pk}/"
    assert made.allowed_origins == ["https://school.example", "https://promo.school.example"]
    assert made.partner == product.partner


def test_a_bad_site_address_is_shown_beside_its_field() -> None:
    product = ProductFactory.create(on_sale=True)
    owner = logged_in(UserFactory.create(role="partner_owner", partner=product.partner))
    response = owner.post(
        "/cabinet/lead-lists/new/",
        {"name": "Лендинг", "product": str(product.pk), "allowed_origins": "school.example/x"},
    )
    assert response.status_code == 200
    assert "не адрес сайта" in response.content.decode()
    assert not LeadList.objects.exists()


def test_another_partners_product_cannot_be_chosen() -> None:
    mine = ProductFactory.create()
    foreign = ProductFactory.create()
    owner = logged_in(UserFactory.create(role="partner_owner", partner=mine.partner))
    response = owner.post("/cabinet/lead-lists/new/", {"name": "Ч", "product": str(foreign.pk)})
    assert response.status_code == 200 and not LeadList.objects.exists()


def test_the_owner_edits_rotates_and_archives_a_list() -> None:
    # given
    made = lead_list()
    owner = owner_of(made)
    old = made.form_token

    # when
    edited = owner.post(
        f"/cabinet/lead-lists/{made.pk}/edit/",
        {"name": "Новое имя", "allowed_origins": "", "thank_you_url": "", "default_source": ""},
    )
    rotated = owner.post(f"/cabinet/lead-lists/{made.pk}/rotate-token/")
    archived = owner.post(f"/cabinet/lead-lists/{made.pk}/archive/", {"archived": "1"})

    # then
    assert {edited.status_code, rotated.status_code, archived.status_code} == {302}
    made.refresh_from_db()
    assert made.name == "Новое имя" and made.form_token != old and made.is_archived
    assert made.product_id is not None


def test_another_partners_list_is_a_404() -> None:
    made = lead_list()
    intruder = logged_in(UserFactory.create(role="partner_owner"))
    for path in ("", "edit/"):
        assert intruder.get(f"/cabinet/lead-lists/{made.pk}/{path}").status_code == 404
    assert intruder.post(f"/cabinet/lead-lists/{made.pk}/archive/").status_code == 404
    made.refresh_from_db()
    assert not made.is_archived
    assert "lead-list-row" not in intruder.get("/cabinet/lead-lists/").content.decode()


def test_the_cabinet_menu_leads_to_the_lead_lists() -> None:
    made = lead_list()
    page = owner_of(made).get("/cabinet/").content.decode()
    assert 'href="/cabinet/lead-lists/"' in page and "Списки заявок" in page


def test_the_list_page_leads_to_the_csv_import_while_the_list_takes_leads() -> None:
    made = lead_list()
    client = owner_of(made)

    page = client.get(f"/cabinet/lead-lists/{made.pk}/").content.decode()
    assert f'href="/cabinet/lead-lists/{made.pk}/import/"' in page
    assert "Загрузить из CSV" in page

    made.archived_at = NOON
    made.save(update_fields=["archived_at"])
    assert "Загрузить из CSV" not in client.get(f"/cabinet/lead-lists/{made.pk}/").content.decode()
