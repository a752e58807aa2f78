"""Stale-deal reminders: one per stale period to the partner's reminder addresses and the
responsible manager; a change starts a new period; two runs at once send nothing twice. Time
moves through ``now=``, never by sleeping."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from crm.models import Deal
from crm.reminders import stale_deal_reminders_send, stale_deals, unchanged_for
from crm.services import deal_description_set, deal_settings_update
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.crm.factories import DealFactory
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
ADDRESSES = ["sales@school.example", "boss@school.example"]


def partner_with_reminders(*, minutes: int = 60, enabled: bool = True) -> Any:
    partner = PartnerFactory.create()
    deal_settings_update(
        partner=partner,
        actor=None,
        reminder_emails=ADDRESSES,
        stale_after_minutes=minutes,
        stale_reminder_enabled=enabled,
    )
    return partner


def deal_of(partner: Any, **fields: Any) -> Deal:
    manager = UserFactory.create(role="manager", email=f"m{Deal.objects.count()}@desk.example")
    return DealFactory.create(
        product=ProductFactory.create(partner=partner), responsible=manager, **fields
    )


def reminders() -> list[Notification]:
    """The reminders' email rows (the manager also gets one on the bell, as they chose)."""
    return list(
        Notification.objects.filter(kind="stale_deal", channel="email").order_by("recipient")
    )


def test_a_stale_deal_is_reminded_once_to_the_addresses_and_the_manager() -> None:
    # given: a partner whose deals are stale after an hour, a deal last changed at t0
    deal = deal_of(partner_with_reminders(minutes=60), title="Курс «Python»")
    t0 = deal.updated_at

    # when: the job runs just before the hour, after it, and again later
    assert stale_deal_reminders_send(now=t0 + HOUR - dt.timedelta(seconds=1)) == 0
    sent = stale_deal_reminders_send(now=t0 + HOUR + dt.timedelta(minutes=5))
    again = stale_deal_reminders_send(now=t0 + 5 * HOUR)

    # then: three messages (two addresses, the manager), once
    assert (sent, again) == (3, 0)
    rows = reminders()
    assert [r.recipient for r in rows] == sorted([*ADDRESSES, deal.responsible.email])
    assert {r.key for r in rows} == {
        *(f"stale:{deal.pk}:{t0.isoformat()}:{address}" for address in ADDRESSES),
        f"stale:{deal.pk}:{t0.isoformat()}:email:{deal.responsible.pk}",
    }
    # the manager's bell has it too; the partner's addresses are email only
    assert list(
        Notification.objects.filter(kind="stale_deal", channel="in_app").values_list(
            "user", flat=True
        )
    ) == [deal.responsible.pk]
    manager_row = next(r for r in rows if r.recipient == deal.responsible.email)
    assert manager_row.user == deal.responsible
    # the Russian text names the deal, the buyer, how long; links the deal page
    assert manager_row.subject == "Сделка «Курс «Python»» не менялась 1 час 5 минут"
    assert "Анна Смирнова" in manager_row.text
    assert "1 час" in manager_row.text
    assert f"http://localhost:8000/workspace/deals/{deal.pk}/" in manager_row.text
    assert f'href="http://localhost:8000/workspace/deals/{deal.pk}/"' in manager_row.html
    partner_row = next(r for r in rows if r.recipient == ADDRESSES[0])
    assert "http://localhost:8000/cabinet/deals/" in partner_row.text


def test_a_change_to_the_deal_starts_a_new_period() -> None:
    # given: a deal reminded of once
    deal = deal_of(partner_with_reminders(minutes=60))
    assert stale_deal_reminders_send(now=deal.updated_at + 2 * HOUR) == 3

    # when: the manager changes it, and it stays unchanged again past the interval
    deal = deal_description_set(deal=deal, actor=deal.responsible, text="Перезвонить в среду")
    assert stale_deal_reminders_send(now=deal.updated_at + HOUR / 2) == 0
    sent = stale_deal_reminders_send(now=deal.updated_at + 2 * HOUR)

    # then: one more reminder to each, for the new period
    assert sent == 3
    assert len(reminders()) == 6
    assert len({r.key for r in reminders()}) == 6


def test_the_unique_key_sends_a_period_once_even_if_the_mark_is_lost() -> None:
    deal = deal_of(partner_with_reminders())
    now = deal.updated_at + 2 * HOUR
    assert stale_deal_reminders_send(now=now) == 3

    Deal.objects.filter(pk=deal.pk).update(stale_reminded_for=None)

    assert stale_deal_reminders_send(now=now) == 0
    assert len(reminders()) == 3


def test_no_reminder_without_the_partners_consent_or_for_a_closed_deal() -> None:
    off = deal_of(partner_with_reminders(enabled=False))
    never_set = deal_of(PartnerFactory.create())
    closed = deal_of(partner_with_reminders())
    Deal.objects.filter(pk=closed.pk).update(status="won")  # as deals_close leaves it

    sent = stale_deal_reminders_send(now=max(off.updated_at, never_set.updated_at) + 48 * HOUR)

    assert sent == 0
    assert reminders() == []


def test_the_manager_who_is_also_a_reminder_address_gets_one_message() -> None:
    partner = partner_with_reminders()
    deal = deal_of(partner)
    deal_settings_update(
        partner=partner, actor=None, reminder_emails=[deal.responsible.email.upper()]
    )

    assert stale_deal_reminders_send(now=deal.updated_at + 2 * HOUR) == 1
    assert [r.user for r in reminders()] == [deal.responsible]


def test_the_selection_is_one_query_and_batches_cover_every_deal(
    django_assert_num_queries: Any,
) -> None:
    partner = partner_with_reminders()
    deals = [deal_of(partner) for _ in range(5)]
    now = max(d.updated_at for d in deals) + 2 * HOUR

    with django_assert_num_queries(1):
        due = list(stale_deals(now=now))
    sent = stale_deal_reminders_send(now=now, batch_size=2)

    assert len(due) == 5
    assert sent == 5 * 3
    assert list(stale_deals(now=now)) == []


def test_the_command_prints_how_many_were_sent() -> None:
    deal = deal_of(partner_with_reminders(minutes=15))
    Deal.objects.filter(pk=deal.pk).update(updated_at=deal.updated_at - HOUR)
    out = StringIO()

    call_command("send_stale_deal_reminders", stdout=out)
    call_command("send_stale_deal_reminders", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert [json.loads(line) for line in lines] == [{"sent": 3}, {"sent": 0}]


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "0 минут"),
        (40, "40 минут"),
        (60, "1 час"),
        (125, "2 часа 5 минут"),
        (24 * 60 + 30, "1 день"),
        (3 * 24 * 60 + 5 * 60, "3 дня 5 часов"),
        (21 * 24 * 60, "21 день"),
    ],
)
def test_how_long_reads_in_russian(minutes: int, words: str) -> None:
    assert unchanged_for(dt.timedelta(minutes=minutes)) == words


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_nothing_twice() -> None:
    # given: twelve stale deals of two partners
    deals = [deal_of(partner_with_reminders()) for _ in range(2) for _ in range(6)]
    now = max(d.updated_at for d in deals) + 2 * HOUR

    # when: four runs start at the same moment (delivery is not what this is about, and
    # Celery's eager mode keeps a process-wide flag that threads running tasks corrupt)
    with mock.patch("notifications.services.enqueue"):
        results = unwrap(
            run_concurrently(*[lambda: stale_deal_reminders_send(now=now, batch_size=5)] * 4)
        )

    # then: every deal reminded once to each of its three recipients, in all runs together
    # (the two addresses by email; the manager by email and on the bell)
    assert sum(results) == 12 * 3
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 12 * 4
    assert stale_deal_reminders_send(now=now) == 0
