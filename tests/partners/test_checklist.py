"""The new partner's checklist in the cabinet: each step ticked from the partner's data (no
stored flags), a copy-paste curl of POST /api/v1/orders/ for this host, hidden once all is
done."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accounts.models import ApiKey
from partners.models import SalesStatus
from partners.selectors import partner_checklist
from tests.accounts.factories import ApiKeyFactory, UserFactory
from tests.clients import logged_in
from tests.partners.factories import ProductFactory, product_in_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Any:
    return UserFactory.create(role="partner_owner")


def test_a_new_partner_has_nothing_ticked(owner: Any) -> None:
    assert partner_checklist(partner=owner.partner) == {
        "product": False,
        "sales_enabled": False,
        "questionnaire": False,
        "call": False,
        "storefront": False,
    }


@pytest.mark.parametrize(
    ("status", "ticked"),
    [
        (SalesStatus.OFF, {"product"}),
        (SalesStatus.DRAFT, {"product", "sales_enabled"}),
        (SalesStatus.SUBMITTED, {"product", "sales_enabled", "questionnaire"}),
        (SalesStatus.CALL_BOOKED, {"product", "sales_enabled", "questionnaire", "call"}),
        # approved after an ad-hoc call, without a booking
        (SalesStatus.APPROVED, {"product", "sales_enabled", "questionnaire", "call"}),
    ],
)
def test_each_step_is_read_from_the_data(owner: Any, status: str, ticked: set[str]) -> None:
    product_in_status(status, partner=owner.partner)

    steps = partner_checklist(partner=owner.partner)

    assert {key for key, done in steps.items() if done} == ticked


def test_the_storefront_is_connected_once_a_key_was_used(owner: Any) -> None:
    key, _raw = ApiKeyFactory.issue(partner=owner.partner)
    theirs, _raw = ApiKeyFactory.issue()  # another partner's storefront is connected
    ApiKey.objects.filter(pk=theirs.pk).update(last_used_at=timezone.now())
    assert partner_checklist(partner=owner.partner)["storefront"] is False

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())

    assert partner_checklist(partner=owner.partner)["storefront"] is True


def test_the_cabinet_shows_the_steps_and_a_curl_for_this_host(owner: Any, settings) -> None:
    settings.ALLOWED_HOSTS = ["shop.localhost"]
    product = ProductFactory.create(partner=owner.partner, external_id="akvarel-1")

    response = logged_in(owner).get("/cabinet/", HTTP_HOST="shop.localhost:8601")

    html = response.content.decode()
    assert 'data-testid="checklist"' in html and "Первые шаги" in html
    assert 'data-testid="step-product" data-done="true"' in html
    assert 'data-testid="step-sales_enabled" data-done="false"' in html
    assert f'href="/cabinet/products/{product.pk}/"' in html
    assert "curl -X POST &#x27;http://shop.localhost:8601/api/v1/orders/&#x27;" in html
    assert "Bearer ВАШ_КЛЮЧ" in html and "akvarel-1" in html


def test_the_checklist_hides_when_everything_is_done(owner: Any) -> None:
    product_in_status(SalesStatus.CALL_BOOKED, partner=owner.partner)
    key, _raw = ApiKeyFactory.issue(partner=owner.partner)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())

    html = logged_in(owner).get("/cabinet/").content.decode()

    assert 'data-testid="checklist"' not in html
