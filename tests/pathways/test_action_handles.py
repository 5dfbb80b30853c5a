"""External handles (`github:ada`) stand for a person, so a source that knows people only by
handle can post their actions."""

import pytest


@pytest.fixture(autouse=True)
def action_type(api):
    api.post("/api/v1/action-types", json={"key": "contribution.merged"})


def merged(number, handle="github:ada"):
    return {"source": "github", "id": f"pr-{number}", "type": "contribution.merged",
            "person": {"type": "handle", "identity": handle},
            "occurred_at": "2025-11-01T10:00:00Z"}


def test_a_mapped_handle_records_actions_for_its_person(api):
    mapped = api.post("/api/v1/handles", json={
        "handle": "GitHub:ada", "person": {"type": "email", "identity": "Ada@Example.org"}})
    assert mapped.status_code == 201, mapped.json
    assert mapped.json["handle"] == "github:ada"  # the namespace is compared in lowercase
    assert mapped.json["person"] == {"type": "email", "identity": "ada@example.org"}
    recorded = api.post("/api/v1/actions", json=merged(1))
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["person"] == {"type": "email", "identity": "ada@example.org"}
    assert api.get("/api/v1/handles/github:ada").json == mapped.json


def test_an_unmapped_handle_is_an_invalid_action(api):
    refused = api.post("/api/v1/actions", json=merged(1))
    assert refused.status_code == 422
    assert "not mapped" in refused.json["errors"]["person"]["identity"][0]
    api.post("/api/v1/handles", json={"handle": "github:ada",
                                      "person": {"identity": "ada@example.org"}})
    other_case = api.post("/api/v1/actions", json=merged(1, "github:Ada"))
    assert other_case.status_code == 422  # names are compared exactly as given
    badly_written = api.post("/api/v1/actions", json=merged(1, "ada"))
    assert badly_written.status_code == 422 and "person" in badly_written.json["errors"]


def test_a_handle_maps_to_one_person(api):
    body = {"handle": "github:ada", "person": {"type": "email", "identity": "ada@example.org"}}
    assert api.post("/api/v1/handles", json=body).status_code == 201
    assert api.post("/api/v1/handles", json=body).status_code == 200
    taken = api.post("/api/v1/handles", json={
        "handle": "github:ada", "person": {"type": "email", "identity": "eve@example.org"}})
    assert taken.status_code == 409 and taken.json["code"] == "handle_taken"


@pytest.mark.parametrize("body, field", [
    ({"handle": "ada", "person": {"identity": "ada@example.org"}}, "handle"),
    ({"handle": "github:a da", "person": {"identity": "ada@example.org"}}, "handle"),
    ({"handle": "github:ada", "person": {"type": "handle", "identity": "forum:ada"}}, "person"),
    ({"handle": "github:ada", "person": {"type": "email", "identity": "nope"}}, "person"),
    ({"handle": "github:ada"}, "person"),
])
def test_bad_handles_are_refused(api, body, field):
    refused = api.post("/api/v1/handles", json=body)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"]


def test_unknown_handles_are_not_found(api):
    assert api.get("/api/v1/handles/github:nobody").json["code"] == "handle_not_found"
    assert api.get("/api/v1/handles/nonsense").status_code == 404


def test_mapping_handles_needs_the_write_scope(api, make_user):
    _, reader = make_user(admin=True, scopes=["actions:read"])
    assert api.with_token(reader).post("/api/v1/handles", json={
        "handle": "github:ada", "person": {"identity": "ada@example.org"}}).status_code == 403
