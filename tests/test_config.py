"""Settings helpers fail loudly on values they cannot use."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from salesdesk.config import (
    env_bool,
    env_int,
    env_list,
    parse_working_hours,
    redis_url_for_test_worker,
)

ROOT = Path(__file__).resolve().parent.parent


def test_booleans_accept_the_usual_spellings(monkeypatch) -> None:
    for raw, expected in [("true", True), ("1", True), ("On", True), ("no", False), ("0", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", default=not expected) is expected


def test_a_misspelt_boolean_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("X_FLAG", "ture")

    with pytest.raises(ImproperlyConfigured, match="X_FLAG='ture' is not a boolean"):
        env_bool("X_FLAG", default=False)


def test_integers_are_checked(monkeypatch) -> None:
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "-5")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_INT", 1, minimum=0)


def test_lists_are_comma_separated(monkeypatch) -> None:
    monkeypatch.setenv("X_LIST", " a.example , b.example,, ")

    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def test_working_hours_parse() -> None:
    hours = parse_working_hours("09:00-21:00")

    assert (hours.start, hours.end) == (dt.time(9), dt.time(21))
    assert str(hours) == "09:00-21:00"


def test_00_00_to_24_00_is_round_the_clock() -> None:
    hours = parse_working_hours("00:00-24:00")

    assert hours.round_the_clock
    assert str(hours) == "00:00-24:00"
    assert hours.contains(dt.time(0)) and hours.contains(dt.time(3)) and hours.contains(dt.time.max)


def test_a_day_may_end_at_midnight() -> None:
    hours = parse_working_hours("09:00-24:00")

    assert not hours.round_the_clock
    assert (hours.contains(dt.time(8, 59, 59)), hours.contains(dt.time(23, 59, 59))) == (
        False,
        True,
    )


@pytest.mark.parametrize(
    "raw",
    ["9-21", "21:00-09:00", "09:00-09:00", "25:00-26:00", "", "24:00-24:00", "00:00-24:30"],
)
def test_bad_working_hours_are_refused(raw) -> None:
    with pytest.raises(ImproperlyConfigured, match="SALES_WORKING_HOURS"):
        parse_working_hours(raw)


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "salesdesk.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start() -> None:
    result = _settings_in_subprocess({"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_max_order_age_days_defaults_to_14_and_refuses_nonsense() -> None:
    probe = "from django.conf import settings; print(settings.SALES_MAX_ORDER_AGE_DAYS)"

    def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if k != "SALES_MAX_ORDER_AGE_DAYS"}
        return subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", "import django; django.setup(); " + probe],
            cwd=ROOT,
            env={**clean, "DJANGO_SETTINGS_MODULE": "salesdesk.settings", **env},
            capture_output=True,
            text=True,
            check=False,
        )

    assert run({}).stdout.strip() == "14"
    assert run({"SALES_MAX_ORDER_AGE_DAYS": "30"}).stdout.strip() == "30"
    for bad, message in [("two weeks", "not an integer"), ("0", "must be at least 1")]:
        refused = run({"SALES_MAX_ORDER_AGE_DAYS": bad})
        assert refused.returncode != 0
        assert "SALES_MAX_ORDER_AGE_DAYS" in refused.stderr and message in refused.stderr


def test_production_with_a_secret_key_starts() -> None:
    result = _settings_in_subprocess({"DEBUG": "false", "SECRET_KEY": "x" * 50})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("hours", "digest_at"),
    [
        ("09:00-21:00", dt.time(21, 15)),
        ("09:00-23:40", dt.time(23, 50)),
        ("09:00-24:00", dt.time(23, 50)),
        ("00:00-24:00", dt.time(23, 50)),
    ],
)
def test_the_digest_goes_15_minutes_after_closing_and_before_midnight(hours, digest_at) -> None:
    assert parse_working_hours(hours).after_closing() == digest_at


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        (
            "redis://:secret@cache:6379/15?timeout=2",
            "gw0",
            "redis://:secret@cache:6379/0?timeout=2",
        ),
        ("redis://127.0.0.1:6379/3", "", "redis://127.0.0.1:6379/3"),
        ("redis://127.0.0.1:6379/3", "master", "redis://127.0.0.1:6379/3"),
    ],
)
def test_each_test_worker_gets_a_redis_database_of_its_own(
    url: str, worker: str, expected: str
) -> None:
    assert redis_url_for_test_worker(url, worker) == expected
