"""Bad input answers one JSON error shape with a stable code, never a 500."""

import pytest


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_malformed_json_is_a_clear_400(api):
    response = api.post("/api/v1/issuers", data="{not json",
                        headers={"Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_wrong_types_name_each_field(api):
    response = api.post("/api/v1/issuers", json={"name": 5, "url": "not a url", "email": "x"})
    body = assert_error(response, 422, "validation_failed")
    assert set(body["errors"]) == {"name", "url", "email"}


def test_unknown_field_is_refused(api):
    body = assert_error(api.post("/api/v1/issuers", json={
        "name": "A", "url": "https://a.example", "colour": "red"}), 422, "validation_failed")
    assert "colour" in body["errors"]


def test_unknown_badge_class_is_404(api):
    response = api.post("/api/v1/badge-classes/nope/assertions",
                        json={"recipient": {"identity": "ada@example.org"}})
    assert_error(response, 404, "badge_class_not_found")


def test_unknown_route_and_method_use_the_same_shape(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.delete("/api/v1/issuers"), 405, "method_not_allowed")


def test_body_over_the_request_limit_is_413(api, app, issuer):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = api.post(f"/api/v1/issuers/{issuer['id']}/badge-classes",
                            data="x" * 4096, headers={"Content-Type": "application/json"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzEsMl0"])
def test_a_bad_cursor_is_a_validation_error(api, cursor):
    assert_error(api.get(f"/api/v1/assertions?cursor={cursor}"), 422, "validation_failed")


def test_a_limit_out_of_range_is_a_validation_error(api):
    body = assert_error(api.get("/api/v1/assertions?limit=501"), 422, "validation_failed")
    assert "limit" in body["errors"]
