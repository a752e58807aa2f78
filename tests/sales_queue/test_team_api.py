"""``GET/PATCH /api/v1/team/``: the head reads and changes the team's mode and QA's sample;
nobody else may, a partner key neither."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.team import team_is_split, team_settings
from tests.clients import partner_api
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_the_head_reads_the_default_single_mode(staff_client: Any) -> None:
    client, _head = staff_client(role="head")

    response = client.get("/api/v1/team/")

    assert response.status_code == 200
    assert response.json()["mode"] == "single"
    assert response.json()["qa_sample_size"] == 3


def test_the_head_splits_the_team_and_back(staff_client: Any) -> None:
    client, head = staff_client(role="head")

    split = client.patch("/api/v1/team/", {"mode": "split"}, format="json")

    assert split.status_code == 200 and split.json()["mode"] == "split"
    assert team_is_split() and team_settings().updated_by_id == head.pk
    assert client.get("/api/v1/team/").json()["mode"] == "split"

    single = client.patch("/api/v1/team/", {"mode": "single", "qa_sample_size": 5}, format="json")

    assert single.status_code == 200
    assert (single.json()["mode"], single.json()["qa_sample_size"]) == ("single", 5)
    assert not team_is_split()


@pytest.mark.parametrize("mode", ["both", "SPLIT", "", "split "])
def test_an_unknown_mode_is_400_invalid_team_mode_and_changes_nothing(
    staff_client: Any, mode: str
) -> None:
    client, _head = staff_client(role="head")

    response = client.patch("/api/v1/team/", {"mode": mode}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_team_mode"
    assert "mode" in response.json()["details"]
    assert not team_is_split()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"mode": 1}, "validation_error"),
        ({"team": "split"}, "validation_error"),
        ({"qa_sample_size": 51}, "invalid_qa_sample_size"),
        ({"qa_sample_size": -1}, "invalid_qa_sample_size"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(staff_client: Any, body: dict, code: str) -> None:
    client, _head = staff_client(role="head")

    response = client.patch("/api/v1/team/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert team_settings().qa_sample_size == 3


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "qa"])
def test_other_staff_get_403(staff_client: Any, role: str) -> None:
    client, _user = staff_client(role=role)

    assert client.get("/api/v1/team/").status_code == 403
    assert client.patch("/api/v1/team/", {"mode": "split"}, format="json").status_code == 403
    assert not team_is_split()


def test_a_partner_key_gets_403() -> None:
    client = partner_api(PartnerFactory.create())

    assert client.get("/api/v1/team/").status_code == 403
    assert client.patch("/api/v1/team/", {"mode": "split"}, format="json").status_code == 403
    assert not team_is_split()


def test_an_anonymous_caller_gets_401(client: Any) -> None:
    assert client.get("/api/v1/team/").status_code == 401
