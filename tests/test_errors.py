"""Every API error is JSON {"code", "message", "details"} with a 4xx — never an HTML page."""

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_views")]


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


def test_malformed_json_is_a_400_with_the_parser_reason(client: Client) -> None:
    response = client.post("/api/test/echo/", data="{not json", content_type="application/json")

    body = assert_error_shape(response, 400, "malformed_request")
    assert "JSON parse error" in body["details"]["reason"]


def test_validation_errors_name_each_field(client: Client) -> None:
    response = client.post(
        "/api/test/echo/", data={"amount": "-1", "name": "x" * 11}, content_type="application/json"
    )

    body = assert_error_shape(response, 400, "validation_error")
    assert set(body["details"]) == {"amount", "name"}
    assert all(isinstance(m, str) for m in body["details"]["amount"])


def test_a_json_array_instead_of_an_object_is_a_validation_error(client: Client) -> None:
    response = client.post("/api/test/echo/", data="[1, 2]", content_type="application/json")

    body = assert_error_shape(response, 400, "validation_error")
    assert "non_field_errors" in body["details"]


def test_domain_conflicts_keep_their_code_and_details(client: Client) -> None:
    response = client.post(
        "/api/test/echo/", data={"amount": "1", "name": "taken"}, content_type="application/json"
    )

    body = assert_error_shape(response, 409, "name_taken")
    assert body["details"] == {"name": "taken"}


def test_an_unsupported_media_type_is_a_415(client: Client) -> None:
    response = client.post("/api/test/echo/", data="amount=1", content_type="text/plain")

    assert_error_shape(response, 415, "unsupported_media_type")


def test_a_wrong_method_is_a_405(client: Client) -> None:
    assert_error_shape(client.get("/api/test/echo/"), 405, "method_not_allowed")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_body_is_a_413(client: Client) -> None:
    body = '{"name": "' + "x" * 5000 + '", "amount": "1"}'

    response = client.post("/api/test/echo/", data=body, content_type="application/json")

    assert_error_shape(response, 413, "payload_too_large")


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_paths_are_json_404s_even_in_debug(client: Client, settings, debug) -> None:
    settings.DEBUG = debug

    assert_error_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_a_server_fault_in_the_api_is_still_json() -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/test/crash/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def _nested(levels: int) -> str:
    """``levels`` arrays, one inside the other."""
    return "[" * levels + "1" + "]" * levels


def test_a_thousand_nested_brackets_are_a_400_not_a_500(client: Client) -> None:
    body = '{"amount": "1", "name": "x", "extra": ' + _nested(1000) + "}"
    assert len(body) < 2100

    response = client.post("/api/test/echo/", data=body, content_type="application/json")

    details = assert_error_shape(response, 400, "malformed_request")["details"]
    assert "nested deeper than 20 levels" in details["reason"]


def test_nesting_up_to_the_limit_is_accepted_one_more_is_not(client: Client) -> None:
    # the object is level 1, so the array inside may nest 19 more
    ok = '{"amount": "1", "name": "x", "extra": ' + _nested(19) + "}"
    deep = '{"amount": "1", "name": "x", "extra": ' + _nested(20) + "}"

    assert client.post("/api/test/echo/", data=ok, content_type="application/json").json() == {
        "ok": True
    }
    response = client.post("/api/test/echo/", data=deep, content_type="application/json")
    assert_error_shape(response, 400, "malformed_request")
