"""Redis stopped (issue 14, "Faults"): every write endpoint and page answers as usual — the
head's approve and refuse included — and what was to be sent goes out, once, when Redis is back.

The cache and the Celery broker point at a ``redis-server`` of the test's own, stopped and
started again; the machine's shared Redis is never touched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notification
from notifications.tasks import deliver_pending_task
from orders.models import Order
from partners.models import SalesStatus
from sales_queue.models import QueueItem
from salesdesk.celery import app as celery_app
from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory, UserFactory
from tests.partners.factories import (
    ADHOC_CALL_NOTES,
    PartnerFactory,
    ProductFactory,
    product_in_status,
)
from tests.processes import RedisServer, redis_server
from tests.sales_queue.factories import queued_item

pytestmark = pytest.mark.django_db


def _reset_broker_connections() -> None:
    # Celery keeps a connection pool built from the broker URL it first saw.
    app: Any = celery_app
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings: Any, tmp_path: Path) -> Iterator[RedisServer]:
    """The cache, the throttle counts and the broker on our own Redis; tasks really published
    (not run inline), so a stopped Redis is felt where it would be in production."""
    with redis_server(tmp_path) as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        settings.CELERY_BROKER_URL = server.url
        settings.CELERY_TASK_ALWAYS_EAGER = False
        _reset_broker_connections()
        try:
            yield server
        finally:
            _reset_broker_connections()


def _api(header_token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {header_token}")
    return client


def _decision_emails() -> list[Notification]:
    return list(Notification.objects.filter(kind="partner_decision", channel="email"))


def test_with_redis_stopped_every_write_answers_and_the_mail_goes_out_once_it_is_back(
    own_redis: RedisServer, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a head, two submitted products of a partner, a storefront's key, a manager holding
    # an item; Redis answering at first (the cache works)
    head = UserFactory.create(role="head")
    head_page = Client()
    head_page.force_login(head)
    partner = PartnerFactory.create()
    owner = UserFactory.create(role="partner_owner", partner=partner)
    to_approve = product_in_status(SalesStatus.SUBMITTED, partner=partner, head=head)
    to_refuse = product_in_status(SalesStatus.SUBMITTED, partner=partner, head=head)
    on_sale = ProductFactory.create(on_sale=True, partner=partner)
    _key, raw_key = ApiKeyFactory.issue(partner=partner)
    storefront = _api(raw_key)
    manager = UserFactory.create(role="manager")
    _token, raw_token = PersonalTokenFactory.issue(user=manager)
    seller = _api(raw_token)
    held = queued_item(product=on_sale, state=QueueItem.State.ACTIVE, holder=manager)
    held_order = held.order
    assert held_order is not None
    cache.set("probe", 1)
    assert cache.get("probe") == 1

    # when: Redis stops, and the head, the storefront and the manager go on working
    own_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        approved = head_page.post(
            f"/head/sales-department/products/{to_approve.pk}/approve/",
            {"approve-comment": "", "approve-call_notes": ADHOC_CALL_NOTES},
        )
        refused = head_page.post(
            f"/head/sales-department/products/{to_refuse.pk}/refuse/",
            {"refuse-reason": "unacceptable_price", "refuse-comment": "Слишком дёшево"},
        )
        intake = storefront.post(
            "/api/v1/orders/",
            {
                "external_id": "shop-redis-down",
                "product": str(on_sale.pk),
                "amount": "1000.00",
                "currency": "RUB",
                "customer": {"name": "Анна Смирнова", "phone": "+79123456789"},
            },
            format="json",
        )
        touched = seller.post(
            f"/api/v1/queue/items/{held.pk}/touches/",
            {"channel": "phone", "outcome": "no_answer"},
            format="json",
        )
        paid = storefront.post(f"/api/v1/orders/{held_order.pk}/pay/", {}, format="json")
        pages = {path: head_page.get(path).status_code for path in ("/head/", "/notifications/")}

    # then: the usual answers; the decisions are saved and their mails wait in the outbox
    assert approved.status_code == 302, approved.content[:500]
    assert refused.status_code == 302, refused.content[:500]
    assert intake.status_code == 201, intake.content[:500]
    assert touched.status_code in (200, 201), touched.content[:500]
    assert paid.status_code == 200, paid.content[:500]
    assert pages == {"/head/": 200, "/notifications/": 200}
    to_approve.refresh_from_db()
    to_refuse.refresh_from_db()
    assert (to_approve.sales_status, to_refuse.sales_status) == (
        SalesStatus.APPROVED,
        SalesStatus.REFUSED,
    )
    assert Order.objects.get(external_id="shop-redis-down").partner_id == partner.pk
    assert Order.objects.get(pk=held_order.pk).status == Order.Status.PAID
    waiting = _decision_emails()
    assert [(n.status, n.recipient) for n in waiting] == [("pending", owner.email)] * 2
    assert mail.outbox == []

    # when: Redis is back and beat's re-delivery job runs (the worker runs it and what it
    # enqueues: inline here), twice, as beat would a minute later
    own_redis.start()
    _reset_broker_connections()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", True)
        deliver_pending_task.delay()
        deliver_pending_task.delay()

    # then: both mails went out once each
    assert {n.status for n in _decision_emails()} == {"sent"}
    decision_mails = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(decision_mails) == 2
    assert not Notification.objects.exclude(status="sent").filter(recipient=owner.email).exists()
