"""The set-up commands print the contract's JSON as their last line and fail clearly."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiKey, PersonalToken, User
from billing.models import LedgerEntry
from crm.models import Lead
from orders.models import Order
from partners.models import AlignmentSlot, Partner
from sales_queue.models import QueueItem

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_create_partner_prints_the_partner_and_a_working_key() -> None:
    result = run("create_partner", "Школа рисования", "--email", "Owner@Example.com")

    assert set(result) == {"partner", "api_key"}
    owner = User.objects.get(email="owner@example.com")
    assert str(owner.partner_id) == result["partner"]
    assert owner.role == "partner_owner"
    assert not owner.has_usable_password()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {result['api_key']}")
    assert client.get("/api/v1/me/").json()["partner"] == result["partner"]
    assert not ApiKey.objects.filter(key_hash=result["api_key"]).exists()
    # the key is named in Russian after its day, as the cabinet shows it
    assert ApiKey.objects.get(partner=owner.partner).name.startswith("Ключ от ")


def test_create_staff_prints_the_user_and_a_working_token() -> None:
    result = run("create_staff", "m@example.com", "--role", "manager", "--password", "pw-12345!")

    assert set(result) == {"user", "token", "trainee"}
    user = User.objects.get(pk=result["user"])
    assert user.role == "manager" and user.partner is None
    assert result["trainee"] is False and not user.is_trainee
    assert user.check_password("pw-12345!")
    assert PersonalToken.objects.filter(user=user).count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {result['token']}")
    assert client.get("/api/v1/me/").json()["role"] == "manager"


def test_create_staff_trainee_makes_a_trainee_seller_and_says_so() -> None:
    result = run(
        "create_staff",
        "t1@example.com",
        "--role",
        "manager",
        "--password",
        "pw-12345!",
        "--trainee",
    )

    assert result["trainee"] is True
    assert User.objects.get(pk=result["user"]).is_trainee


def test_only_a_seller_can_be_a_trainee() -> None:
    with pytest.raises(CommandError, match="Стажёром может быть только"):
        call_command(
            "create_staff",
            "q@example.com",
            "--role",
            "qa",
            "--password",
            "p",
            "--trainee",
            stdout=StringIO(),
        )

    assert not User.objects.filter(email="q@example.com").exists()


def test_a_duplicate_email_is_a_clear_error_and_changes_nothing() -> None:
    run("create_staff", "dup@example.com", "--role", "head", "--password", "pw-12345!")

    with pytest.raises(CommandError, match="уже существует"):
        call_command("create_staff", "DUP@example.com", "--role", "qa", "--password", "x")
    with pytest.raises(CommandError, match="уже существует"):
        call_command("create_partner", "Other", "--email", "dup@example.com", stdout=StringIO())

    assert User.objects.filter(email="dup@example.com").get().role == "head"
    assert not ApiKey.objects.exists()


def test_a_bad_role_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        call_command("create_staff", "x@example.com", "--role", "boss", "--password", "p")
    with pytest.raises(CommandError, match="invalid choice: 'partner_owner'"):
        call_command("create_staff", "x@example.com", "--role", "partner_owner", "--password", "p")


def test_a_bad_email_is_refused() -> None:
    with pytest.raises(CommandError, match="некорректный адрес"):
        call_command("create_staff", "not-an-email", "--role", "qa", "--password", "p")


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_errors_reach_the_shell_without_a_traceback() -> None:
    # A real process against the test database: what an operator sees in the terminal.
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    args = ("create_staff", "t@example.com", "--role", "qa", "--password", "pw-12345!")

    first = _manage(*args, env=env)
    again = _manage(*args, env=env)

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.strip().splitlines()[-1])["user"]
    assert again.returncode == 1
    assert "уже существует" in again.stderr
    assert "Traceback" not in again.stderr


def test_seed_demo_is_idempotent(settings) -> None:
    settings.DEBUG = True

    first = run("seed_demo")
    second = run("seed_demo")

    assert first["created"] > 0 and second["created"] == 0
    assert first["logins"] == second["logins"]
    roles = {login["role"] for login in first["logins"]}
    assert {"partner_owner", "manager", "head"} <= roles
    assert User.objects.get(email="manager1@demo.salesdesk.local").check_password(first["password"])
    # The second run added no second demo partner and no second set of call slots.
    names = list(Partner.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    assert AlignmentSlot.objects.count() == 3
    # Demo orders: per approved product, five waiting in the queue and one won (its fee).
    assert Order.objects.count() == 16
    # 5 overdue orders and 3 leads per approved product
    assert QueueItem.objects.filter(state="queued").count() == 16
    assert Lead.objects.count() == 6
    assert QueueItem.objects.filter(source="lead", state="queued").count() == 6
    assert LedgerEntry.objects.filter(kind="fee").count() == 2


def test_seed_demo_refuses_to_run_in_production(settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
