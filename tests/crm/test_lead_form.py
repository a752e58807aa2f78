"""The public lead form ``POST /forms/<token>/``: a landing page's form (form-encoded, a browser
asking for a page) or its script (JSON) records a lead that enters the queue at once; consent
is required, a honeypot is dropped quietly, CORS only for the list's sites, rate limits per
address and per list, a size limit, and an unknown, rotated or archived token is the same 404."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from crm.leads import lead_list_archive, lead_list_rotate_token
from crm.models import Lead, LeadList
from sales_queue.models import QueueItem
from tests.crm.lead_factories import lead_list
from web.crm.lead_form import lead_form_html

pytestmark = pytest.mark.django_db

LANDING = "https://school.example"
PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FIELDS = {"name": "Ольга Петрова", "phone": "8 (912) 345-67-89", "consent": "yes"}


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()  # the rate-limit counters live in the cache (Redis in the PostgreSQL run)
    yield
    cache.clear()


@pytest.fixture
def listed() -> LeadList:
    return lead_list(
        name="Вебинар 12 марта",
        allowed_origins=[LANDING],
        thank_you_url="https://school.example/thanks",
        default_source="webinar",
    )


def url(of: LeadList) -> str:
    return f"/forms/{of.form_token}/"


def public() -> Client:
    """A client as another site's visitor: no CSRF token, and Django checks it."""
    return Client(enforce_csrf_checks=True)


def browser_post(of: LeadList, data: dict[str, Any], **headers: Any) -> Any:
    return public().post(url(of), data, HTTP_ACCEPT=PAGE, **headers)


def script_post(of: LeadList, data: dict[str, Any], **headers: Any) -> Any:
    return public().post(
        url(of),
        json.dumps(data),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **headers,
    )


# --- success ---------------------------------------------------------------------------------


def test_a_browser_post_is_redirected_to_the_lists_thank_you_page(listed: LeadList) -> None:
    # when
    response = browser_post(listed, {**FIELDS, "comment": "Перезвоните вечером"})

    # then
    assert response.status_code == 303
    assert response["Location"] == "https://school.example/thanks"
    got = Lead.objects.get()
    assert (got.name, got.phone, got.comment, got.origin) == (
        "Ольга Петрова",
        "+79123456789",
        "Перезвоните вечером",
        "form",
    )
    assert got.lead_list == listed and got.source == "webinar"
    assert got.consent_text.startswith("Я согласен(на)") and got.consent_at is not None


def test_without_a_thank_you_page_a_browser_lands_on_ours() -> None:
    # given
    plain = lead_list()

    # when
    response = browser_post(plain, FIELDS)

    # then
    assert response.status_code == 303
    assert response["Location"] == "/forms/thank-you/"
    page = Client().get(response["Location"])
    assert page.status_code == 200
    assert "Спасибо! Заявка принята" in page.content.decode()


def test_a_script_post_gets_201_json_without_personal_data(listed: LeadList) -> None:
    # when
    response = script_post(
        listed,
        {
            "name": "Ольга",
            "phone": "+7 912 345 67 89",
            "email": "Olga@Example.com",
            "consent": True,
        },
        HTTP_ORIGIN=LANDING,
    )

    # then
    assert response.status_code == 201
    got = Lead.objects.get()
    assert response.json() == {"id": str(got.pk), "status": "received"}
    assert response["Access-Control-Allow-Origin"] == LANDING
    assert "Origin" in response["Vary"]
    assert got.email == "olga@example.com"


def test_the_lead_lands_in_the_queue_at_once(listed: LeadList) -> None:
    # when
    script_post(listed, {**FIELDS, "consent": True})

    # then
    item = QueueItem.objects.get(lead=Lead.objects.get())
    assert (item.source, item.state) == ("lead", "queued")


def test_utm_marks_and_the_referrer_are_captured_into_the_source(listed: LeadList) -> None:
    # when
    browser_post(
        listed,
        {
            **FIELDS,
            "utm_source": "yandex",
            "utm_medium": "cpc",
            "utm_campaign": "spring",
            "referrer": "https://ya.ru/search",
        },
    )

    # then
    got = Lead.objects.get()
    assert got.source == "yandex / cpc / spring"
    assert got.tracking == {
        "utm_source": "yandex",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
        "referrer": "https://ya.ru/search",
    }


def test_without_the_referrer_field_the_referer_header_is_kept(listed: LeadList) -> None:
    browser_post(listed, FIELDS, HTTP_REFERER="https://school.example/landing")
    assert Lead.objects.get().tracking == {"referrer": "https://school.example/landing"}


def test_unknown_fields_are_ignored_and_not_stored(listed: LeadList) -> None:
    # when
    response = script_post(
        listed, {**FIELDS, "consent": True, "is_admin": True, "cold": True, "source": "hack"}
    )

    # then
    assert response.status_code == 201
    got = Lead.objects.get()
    assert got.cold is False and got.source == "webinar" and "is_admin" not in got.tracking


def test_a_plain_form_post_from_a_site_not_in_the_list_is_taken(listed: LeadList) -> None:
    # when: a browser's own form post (no script) from another site
    response = browser_post(listed, FIELDS, HTTP_ORIGIN="https://other.example")

    # then: taken, without CORS headers
    assert response.status_code == 303
    assert "Access-Control-Allow-Origin" not in response
    assert Lead.objects.count() == 1


# --- refusals --------------------------------------------------------------------------------


def test_without_consent_a_script_gets_400_naming_it(listed: LeadList) -> None:
    # when
    response = script_post(listed, {"name": "Ольга", "phone": "+79123456789"})

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and "consent" in body["details"]
    assert set(body) == {"code", "message", "details"}
    assert not Lead.objects.exists()


def test_consent_false_is_refused_too(listed: LeadList) -> None:
    response = script_post(listed, {"name": "Ольга", "phone": "+79123456789", "consent": False})
    assert response.status_code == 400 and not Lead.objects.exists()


def test_without_consent_a_browser_gets_a_russian_page_saying_what_is_missing(
    listed: LeadList,
) -> None:
    # when
    response = browser_post(
        listed,
        {"name": "Ольга", "phone": "12"},
        HTTP_REFERER="https://school.example/landing",
    )

    # then
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Заявка не отправлена" in page
    assert "Отметьте согласие на обработку персональных данных" in page
    assert "Телефон: " in page  # the bad phone, named as the form names it
    assert 'href="https://school.example/landing"' in page  # the way back
    assert not Lead.objects.exists()


def test_a_bad_phone_is_a_400_naming_the_field(listed: LeadList) -> None:
    response = script_post(listed, {"name": "Ольга", "phone": "12", "consent": True})
    assert response.status_code == 400
    assert "phone" in response.json()["details"]


def test_a_filled_honeypot_answers_as_a_success_but_stores_nothing(listed: LeadList) -> None:
    # when
    page = browser_post(listed, {**FIELDS, "website": "http://spam.example"})
    script = script_post(listed, {**FIELDS, "consent": True, "website": "spam"})

    # then
    assert page.status_code == 303 and page["Location"] == "https://school.example/thanks"
    assert script.status_code == 201 and script.json()["status"] == "received"
    assert not Lead.objects.exists() and not QueueItem.objects.exists()


def test_an_unknown_a_rotated_and_an_archived_token_are_the_same_404() -> None:
    # given
    rotated = lead_list(name="Старый адрес")
    old_token = rotated.form_token
    lead_list_rotate_token(lead_list=rotated)
    archived = lead_list(name="В архиве")
    lead_list_archive(lead_list=archived)

    # when
    answers = [
        Client().post(f"/forms/{token}/", json.dumps(FIELDS), content_type="application/json")
        for token in ("no-such-token", old_token, archived.form_token)
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["code"] == "not_found"
    assert not Lead.objects.exists()


def test_a_script_from_a_site_not_in_the_list_is_refused(listed: LeadList) -> None:
    # when
    response = script_post(listed, {**FIELDS, "consent": True}, HTTP_ORIGIN="https://evil.example")

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    assert not Lead.objects.exists()


def test_an_oversized_body_is_a_413(listed: LeadList) -> None:
    response = script_post(listed, {**FIELDS, "consent": True, "comment": "я" * 20_000})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Lead.objects.exists()


def test_too_deep_json_is_a_400_not_a_500(listed: LeadList) -> None:
    response = Client().post(url(listed), "[" * 100 + "]" * 100, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_a_json_array_or_broken_json_is_a_400(listed: LeadList) -> None:
    for body in ("[1, 2]", "{not json"):
        response = Client().post(url(listed), body, content_type="application/json")
        assert response.status_code == 400, body


def test_another_content_type_is_a_415(listed: LeadList) -> None:
    response = Client().post(url(listed), "name=Ольга", content_type="text/plain")
    assert response.status_code == 415


def test_a_get_is_not_allowed_whatever_the_token(listed: LeadList) -> None:
    assert Client().get(url(listed)).status_code == 405
    assert Client().get("/forms/no-such-token/").status_code == 405


# --- rate limits -----------------------------------------------------------------------------


def test_a_burst_from_one_address_is_a_429_with_retry_after(
    listed: LeadList, settings: Any
) -> None:
    # given
    settings.LEAD_FORM_RATE_LIMIT_PER_IP = (3, 600)

    # when
    answers = [script_post(listed, {**FIELDS, "consent": True}) for _ in range(4)]

    # then
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert int(answers[-1]["Retry-After"]) >= 1
    assert answers[-1].json()["code"] == "throttled"
    assert Lead.objects.count() == 3


def test_another_address_is_not_held_back_by_the_first(listed: LeadList, settings: Any) -> None:
    settings.LEAD_FORM_RATE_LIMIT_PER_IP = (1, 600)
    first = script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.0.1")
    again = script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.0.1")
    other = script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.0.2")
    assert (first.status_code, again.status_code, other.status_code) == (201, 429, 201)


def test_an_address_over_the_limit_on_one_form_can_still_send_another_form(
    listed: LeadList, settings: Any
) -> None:
    # given: one office address filled one landing page's form up to the limit
    settings.LEAD_FORM_RATE_LIMIT_PER_IP = (1, 600)
    other = lead_list(name="Другой лендинг", product=listed.product)
    assert (
        script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.2.1").status_code == 201
    )

    # when
    again = script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.2.1")
    elsewhere = script_post(other, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.2.1")

    # then: that form says wait; another form from the same address goes through
    assert (again.status_code, elsewhere.status_code) == (429, 201)


def test_a_browser_over_the_limit_gets_a_page_with_retry_after(
    listed: LeadList, settings: Any
) -> None:
    settings.LEAD_FORM_RATE_LIMIT_PER_IP = (1, 600)
    browser_post(listed, FIELDS)
    response = browser_post(listed, FIELDS)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "Отсюда отправлено слишком много заявок" in page
    assert "lead-form-problems" not in page


def test_a_list_has_its_own_limit_whatever_the_addresses(listed: LeadList, settings: Any) -> None:
    # given
    settings.LEAD_FORM_RATE_LIMIT_PER_LIST = (2, 3600)
    other = lead_list(name="Другой список", product=listed.product)

    # when
    answers = [
        script_post(listed, {**FIELDS, "consent": True}, REMOTE_ADDR=f"10.0.1.{n}")
        for n in range(3)
    ]
    elsewhere = script_post(other, {**FIELDS, "consent": True}, REMOTE_ADDR="10.0.1.9")

    # then
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "Retry-After" in answers[-1]
    assert elsewhere.status_code == 201


def test_behind_a_proxy_the_forwarded_address_is_counted(listed: LeadList, settings: Any) -> None:
    settings.LEAD_FORM_RATE_LIMIT_PER_IP = (1, 600)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    one = script_post(listed, {**FIELDS, "consent": True}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    two = script_post(listed, {**FIELDS, "consent": True}, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert (one.status_code, two.status_code) == (201, 201)


# --- CORS preflight --------------------------------------------------------------------------


def test_a_preflight_from_an_allowed_site_is_answered_with_cors_headers(listed: LeadList) -> None:
    # when
    response = Client().options(
        url(listed),
        HTTP_ORIGIN=LANDING,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    # then
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == LANDING
    assert response["Access-Control-Allow-Methods"] == "POST"
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert int(response["Access-Control-Max-Age"]) > 0


def test_a_preflight_from_another_site_gets_no_cors_headers(listed: LeadList) -> None:
    response = Client().options(
        url(listed),
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_a_preflight_for_an_unknown_token_is_a_404() -> None:
    response = Client().options("/forms/no-such-token/", HTTP_ORIGIN=LANDING)
    assert response.status_code == 404
    assert "Access-Control-Allow-Origin" not in response


# --- the snippet -----------------------------------------------------------------------------


def test_the_snippet_posts_to_the_lists_address_and_escapes_what_the_partner_wrote(
    settings: Any,
) -> None:
    # given
    settings.SITE_URL = "https://salesdesk.example"
    made = lead_list(
        name='Курс <script>alert("x")</script>', consent_text="Согласен & <b>точно</b>"
    )

    # when
    html = lead_form_html(made)

    # then
    assert f'action="https://salesdesk.example/forms/{made.form_token}/"' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Согласен &amp; &lt;b&gt;точно&lt;/b&gt;" in html
    assert 'name="consent"' in html and "required" in html
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'aria-hidden="true"' in html
    assert 'type="hidden" name="utm_source"' in html and 'name="referrer"' in html


def test_the_snippet_shows_the_default_consent_text_when_the_list_has_none() -> None:
    html = lead_form_html(lead_list())
    assert "Я согласен(на) на обработку моих персональных данных." in html


def test_the_script_is_optional_and_separable() -> None:
    made = lead_list()
    full, bare = lead_form_html(made), lead_form_html(made, with_script=False)
    assert "<script>" in full and "<script>" not in bare
    assert full.startswith(bare.split("</form>")[0])
