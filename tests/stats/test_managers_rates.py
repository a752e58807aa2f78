"""Commission rates: the default from the environment, the database's range check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from salesdesk.config import env_percent
from stats.managers import manager_stats
from stats.models import CommissionRate
from stats.periods import period_from
from tests.accounts.factories import UserFactory


@pytest.mark.parametrize(
    ("raw", "value"), [("5", "5.00"), ("7,5", "7.50"), ("0", "0.00"), ("100", "100.00")]
)
def test_the_default_rate_is_read_from_the_environment(monkeypatch, raw: str, value: str) -> None:
    monkeypatch.setenv("X_PERCENT", raw)
    assert env_percent("X_PERCENT", Decimal("5")) == Decimal(value)


@pytest.mark.parametrize("raw", ["abc", "-1", "100.01", "1.005", "NaN", "Infinity"])
def test_a_bad_default_rate_stops_the_start(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("X_PERCENT", raw)
    with pytest.raises(ImproperlyConfigured):
        env_percent("X_PERCENT", Decimal("5"))


@pytest.mark.django_db
def test_the_setting_is_the_rate_of_a_manager_without_one(settings) -> None:
    settings.SALES_COMMISSION_PERCENT = Decimal("3.5")
    manager = UserFactory.create(role="manager")
    [row] = manager_stats(period=period_from({}), manager_ids=[manager.pk])
    assert row.commission_percent == Decimal("3.5")


@pytest.mark.django_db
@pytest.mark.parametrize("percent", ["-0.01", "100.01"])
def test_the_database_refuses_a_rate_out_of_range(percent: str) -> None:
    manager = UserFactory.create(role="manager")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissionRate.objects.create(user=manager, percent=Decimal(percent))
