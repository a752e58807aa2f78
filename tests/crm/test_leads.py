"""Lead lists and leads (crm.leads): what a list accepts, how a lead is checked and normalised,
its contact found again, and the same external id twice (idempotency)."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.leads import (
    lead_contact_clean,
    lead_list_archive,
    lead_list_create,
    lead_list_rotate_token,
    lead_list_update,
    tracking_clean,
)
from crm.models import Contact, Lead
from sales_queue.services.leads import lead_submit
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.crm.factories import ContactFactory
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory

pytestmark = pytest.mark.django_db


def errors_of(excinfo: pytest.ExceptionInfo[ApplicationError]) -> dict[str, list[str]]:
    assert excinfo.value.code == "validation_error"
    return excinfo.value.details


# --- lead lists ------------------------------------------------------------------------------


def test_a_lead_list_gets_a_long_random_form_token_and_clean_origins() -> None:
    # given / when
    product = ProductFactory.create()
    made = lead_list_create(
        partner=product.partner,
        product=product,
        name="  Вебинар 12 декабря ",
        allowed_origins=["https://School.Example/", "https://school.example", "http://x.test:8080"],
        thank_you_url="https://school.example/thanks",
    )
    other = lead_list(product=product, name="Другой")

    # then
    assert made.name == "Вебинар 12 декабря"
    assert len(made.form_token) >= 40 and made.form_token != other.form_token
    assert made.allowed_origins == ["https://school.example", "http://x.test:8080"]


@pytest.mark.parametrize(
    "origin", ["school.example", "https://school.example/path", "ftp://x.test", "https://"]
)
def test_a_site_that_is_not_an_origin_is_refused(origin: str) -> None:
    product = ProductFactory.create()
    with pytest.raises(ApplicationError) as excinfo:
        lead_list_create(
            partner=product.partner, product=product, name="Л", allowed_origins=[origin]
        )
    assert "allowed_origins" in errors_of(excinfo)


def test_another_partners_product_cannot_get_a_lead_list() -> None:
    mine, theirs = ProductFactory.create(), ProductFactory.create()
    with pytest.raises(NotFoundError):
        lead_list_create(partner=mine.partner, product=theirs, name="Чужой")


def test_a_partner_cannot_have_two_lead_lists_of_one_name() -> None:
    first = lead_list(name="Лендинг")
    with pytest.raises(ApplicationError) as excinfo:
        lead_list_create(partner=first.partner, product=first.product, name="Лендинг")
    assert "name" in errors_of(excinfo)
    second = lead_list(product=first.product, name="Второй")
    with pytest.raises(ApplicationError):
        lead_list_update(lead_list=second, name="Лендинг")


def test_a_new_token_retires_the_old_one_and_archiving_stops_leads() -> None:
    made = lead_list()
    old = made.form_token
    lead_list_rotate_token(lead_list=made)
    assert made.form_token != old

    lead_list_archive(lead_list=made)
    with pytest.raises(ConflictError) as excinfo:
        lead(of=made)
    assert excinfo.value.code == "lead_list_archived"


# --- one lead ----------------------------------------------------------------------------------


def test_a_leads_contacts_are_normalised() -> None:
    cleaned = lead_contact_clean(
        name=" Ольга ", phone="8 (912) 345-67-89", email=" Olga@Example.COM", telegram="t.me/olga_p"
    )
    assert cleaned.as_dict() == {
        "name": "Ольга",
        "phone": "+79123456789",
        "email": "olga@example.com",
        "telegram": "@olga_p",
        "whatsapp": "",
    }


def test_a_lead_needs_a_name_and_a_way_to_reach_the_buyer() -> None:
    with pytest.raises(ApplicationError) as excinfo:
        lead_contact_clean(name="", phone="", email="")
    details = errors_of(excinfo)
    assert set(details) == {"name", "phone"}


def test_bad_contacts_and_control_characters_are_named_field_by_field() -> None:
    with pytest.raises(ApplicationError) as excinfo:
        lead_contact_clean(name="Ан\u202eна", phone="12", email="not-an-email", prefix="customer.")
    assert set(errors_of(excinfo)) == {"customer.name", "customer.phone", "customer.email"}


def test_a_lead_finds_the_buyers_contact_again_and_fills_what_it_lacked() -> None:
    # given: the buyer is known by phone from an order
    made = lead_list()
    known = ContactFactory.create(
        partner=made.partner, name="Ольга", phone="+79123456789", email=""
    )

    # when
    got = lead(of=made, phone="+7 912 345 67 89", email="olga@example.com")

    # then
    assert got.contact_id == known.pk
    known.refresh_from_db()
    assert known.email == "olga@example.com"
    assert Contact.objects.filter(partner=made.partner).count() == 1


def test_the_source_is_what_was_sent_else_the_utm_tags_else_the_lists_default() -> None:
    made = lead_list(default_source="Лендинг")
    assert lead(of=made, phone="+79120000001", source="VK").source == "VK"
    tracked = lead(
        of=made,
        phone="+79120000002",
        tracking=tracking_clean(
            {"utm_source": "yandex", "utm_medium": "cpc", "utm_campaign": "winter", "x": "y"}
        ),
    )
    assert tracked.source == "yandex / cpc / winter"
    assert tracked.tracking == {
        "utm_source": "yandex",
        "utm_medium": "cpc",
        "utm_campaign": "winter",
    }
    assert lead(of=made, phone="+79120000003").source == "Лендинг"


def test_the_same_external_id_with_the_same_body_is_the_same_lead() -> None:
    # given
    made = lead_list()
    contact = lead_contact_clean(name="Ольга", phone="+79123456789")
    first = lead_submit(lead_list=made, contact=contact, origin="api", external_id="L-1")

    # when
    again = lead_submit(lead_list=made, contact=contact, origin="api", external_id="L-1")

    # then
    assert first.created and not again.created
    assert again.lead.pk == first.lead.pk
    assert Lead.objects.count() == 1


def test_the_same_external_id_with_another_body_is_a_conflict_naming_the_fields() -> None:
    made = lead_list()
    lead_submit(
        lead_list=made,
        contact=lead_contact_clean(name="Ольга", phone="+79123456789"),
        origin="api",
        external_id="L-1",
    )
    with pytest.raises(ConflictError) as excinfo:
        lead_submit(
            lead_list=made,
            contact=lead_contact_clean(name="Ольга", phone="+79120000000"),
            origin="api",
            external_id="L-1",
            comment="другое",
        )
    assert excinfo.value.code == "lead_conflict"
    assert excinfo.value.details["fields"] == ["comment", "customer.phone"]
    assert Lead.objects.count() == 1


def test_a_lead_keeps_its_time_of_arrival() -> None:
    at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    assert lead(now=at).created_at == at
