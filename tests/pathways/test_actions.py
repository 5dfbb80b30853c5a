"""Recording actions: one or a batch, each recorded once per (source, id); a batch with any
invalid item writes nothing; reading them back with filters."""

import time

import pytest
import sqlalchemy as sa

from cairn.db import db
from pathways.action_models import Action
from recipients.models import RecipientIdentity

SCHEMA = {"type": "object",
          "properties": {"kr": {"type": "string"}, "value": {"type": "number", "minimum": 0}},
          "required": ["value"], "additionalProperties": False}


@pytest.fixture
def action_types(api):
    for key, schema in (("partnership.closed", SCHEMA), ("mentoring.session", {})):
        created = api.post("/api/v1/action-types",
                           json={"key": key, "properties_schema": schema})
        assert created.status_code == 201, created.json


def action(number=4711, **overrides):
    body = {"source": "crm", "id": f"crm-{number}", "type": "partnership.closed",
            "person": {"type": "email", "identity": "ada@example.org"},
            "occurred_at": "2025-11-01T10:00:00Z",
            "properties": {"kr": "O1-KR1", "value": 5000}}
    body.update(overrides)
    return body


def count_actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Action))


def test_one_action_is_created_then_a_retry_returns_the_original(api, action_types):
    first = api.post("/api/v1/actions", json=action())
    assert first.status_code == 201, first.json
    assert first.json["source"] == "crm" and first.json["external_id"] == "crm-4711"
    assert first.json["type"] == "partnership.closed"
    assert first.json["person"] == {"type": "email", "identity": "ada@example.org"}
    assert first.json["occurred_at"] == "2025-11-01T10:00:00+00:00"
    assert first.json["properties"] == {"kr": "O1-KR1", "value": 5000}
    assert first.json["retracts"] is None
    assert first.json["id"] != "crm-4711"
    again = api.post("/api/v1/actions", json=action(properties={"value": 1}))
    assert again.status_code == 200
    assert again.json == first.json  # the original: actions are never edited
    assert count_actions() == 1
    assert api.get(f"/api/v1/actions/{first.json['id']}").json == first.json


def test_times_are_kept_in_utc(api, action_types):
    recorded = api.post("/api/v1/actions", json=action(occurred_at="2025-11-01T12:00:00+02:00"))
    assert recorded.json["occurred_at"] == "2025-11-01T10:00:00+00:00"


def batch_of(count, start=0, **overrides):
    return {"actions": [action(number, person={"type": "email",
                                               "identity": f"p{number % 300}@example.org"},
                               **overrides) for number in range(start, start + count)]}


def test_a_batch_of_1000_is_recorded_quickly_and_a_retry_records_nothing(api, action_types):
    body = batch_of(1000)
    started = time.perf_counter()
    first = api.post("/api/v1/actions", json=body)
    took = time.perf_counter() - started
    assert first.status_code == 200, first.json
    assert [item["status"] for item in first.json["items"]] == ["created"] * 1000
    assert [item["index"] for item in first.json["items"]] == list(range(1000))
    assert took < 3, f"a batch of 1,000 took {took:.2f}s"
    assert count_actions() == 1000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecipientIdentity)) == 300
    again = api.post("/api/v1/actions", json=body)
    assert again.status_code == 200
    assert [item["status"] for item in again.json["items"]] == ["duplicate"] * 1000
    assert [item["id"] for item in again.json["items"]] == \
        [item["id"] for item in first.json["items"]]
    assert count_actions() == 1000


def test_a_batch_over_1000_is_refused_and_writes_nothing(api, action_types):
    refused = api.post("/api/v1/actions", json=batch_of(1001))
    assert refused.status_code == 422
    assert refused.json["code"] == "too_many_actions"
    assert "actions" in refused.json["errors"]
    assert count_actions() == 0


def test_a_batch_mixing_new_and_recorded_actions(api, action_types):
    api.post("/api/v1/actions", json=action(1))
    mixed = api.post("/api/v1/actions", json={"actions": [action(1), action(2), action(2)]})
    assert [item["status"] for item in mixed.json["items"]] == \
        ["duplicate", "created", "duplicate"]
    items = mixed.json["items"]
    assert items[1]["id"] == items[2]["id"]  # the later copy in a batch duplicates the first
    assert items[0]["source"] == "crm" and items[0]["external_id"] == "crm-1"
    assert count_actions() == 2
    assert api.post("/api/v1/actions", json=[action(3)]).json["items"][0]["status"] == \
        "created"
    assert api.post("/api/v1/actions", json={"actions": []}).json == {"items": []}


@pytest.mark.parametrize("broken, field", [
    ({"type": "partnership.opened"}, "type"),
    ({"properties": {"kr": "O1-KR1"}}, "properties"),
    ({"properties": {"value": -5}}, "properties"),
    ({"properties": {"value": 5, "colour": "blue"}}, "properties"),
    ({"person": {"type": "email", "identity": "not an email"}}, "person"),
    ({"person": {"type": "phone", "identity": "+15551234567"}}, "person"),
    ({"person": {"type": "handle", "identity": "github:nobody"}}, "person"),
    ({"person": None}, "person"),
    ({"occurred_at": "2025-11-01T10:00:00"}, "occurred_at"),
    ({"occurred_at": "last tuesday"}, "occurred_at"),
    ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at"),
    ({"occurred_at": None}, "occurred_at"),
    ({"source": None}, "source"),
    ({"id": ""}, "id"),
    ({"properties": "lots"}, "properties"),
    ({"colour": "blue"}, "colour"),
])
def test_an_invalid_item_fails_the_whole_batch_and_writes_nothing(api, action_types,
                                                                  broken, field):
    body = batch_of(5)
    body["actions"][3] = {key: value for key, value in action(3, **broken).items()
                          if value is not None}
    refused = api.post("/api/v1/actions", json=body)
    assert refused.status_code == 422, refused.json
    assert refused.json["code"] == "invalid_actions"
    assert list(refused.json["errors"]["actions"]) == ["3"]
    assert field in refused.json["errors"]["actions"]["3"]
    [item] = refused.json["items"]
    assert item["index"] == 3 and item["status"] == "invalid" and item["id"] is None
    assert field in item["errors"]
    assert count_actions() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecipientIdentity)) == 0
    single = api.post("/api/v1/actions", json=body["actions"][3])
    assert single.status_code == 422
    assert single.json["code"] == "validation_failed" and field in single.json["errors"]


def test_every_invalid_item_is_reported(api, action_types):
    body = batch_of(4)
    body["actions"][0]["type"] = "nope"
    body["actions"][2]["properties"] = {"value": "a lot"}
    body["actions"][3] = "not an object"
    refused = api.post("/api/v1/actions", json=body)
    assert sorted(refused.json["errors"]["actions"]) == ["0", "2", "3"]
    assert refused.json["errors"]["actions"]["2"]["properties"]["value"] == \
        ["'a lot' is not of type 'number'"]
    assert [item["index"] for item in refused.json["items"]] == [0, 2, 3]


def test_bodies_that_are_not_actions_get_clear_errors(api, action_types):
    broken = api.post("/api/v1/actions", data="{not json",
                      headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json["code"] == "malformed_json"
    assert api.post("/api/v1/actions", json={"actions": "many"}).status_code == 422
    extra = api.post("/api/v1/actions", json={"actions": [], "dry_run": True})
    assert extra.status_code == 422 and "dry_run" in extra.json["errors"]
    assert api.post("/api/v1/actions", json=42).status_code == 422


def test_actions_are_listed_newest_first_with_filters(api, action_types):
    api.post("/api/v1/handles", json={"handle": "github:Ada",
                                      "person": {"identity": "ada@example.org"}})
    for body in (action(1, occurred_at="2025-01-10T00:00:00Z"),
                 action(2, occurred_at="2025-03-10T00:00:00Z",
                        person={"type": "url", "identity": "https://example.org/grace"}),
                 action(3, source="forum", type="mentoring.session", properties={},
                        occurred_at="2025-05-10T00:00:00Z"),
                 action(4, person={"type": "did", "identity": "did:web:example.org:lin"})):
        assert api.post("/api/v1/actions", json=body).status_code == 201

    def ids(query):
        listed = api.get(f"/api/v1/actions?{query}")
        assert listed.status_code == 200, listed.json
        return [item["external_id"] for item in listed.json["items"]]

    assert ids("") == ["crm-4", "crm-3", "crm-2", "crm-1"]
    assert ids("type=mentoring.session") == ["crm-3"]
    assert ids("type=no.such.type") == []
    assert ids("source=forum") == ["crm-3"]
    assert ids("person=ada@example.org") == ["crm-3", "crm-1"]
    assert ids("person=handle:github:Ada") == ["crm-3", "crm-1"]
    assert ids("person=url:https://example.org/grace") == ["crm-2"]
    assert ids("person=did:web:example.org:lin") == ["crm-4"]
    assert ids("person=nobody@example.org") == []
    assert ids("since=2025-03-10T00:00:00Z&until=2025-05-10T00:00:00Z") == ["crm-2"]
    first = api.get("/api/v1/actions?limit=3").json
    rest = api.get(f"/api/v1/actions?limit=3&cursor={first['next_cursor']}").json
    assert [i["external_id"] for i in rest["items"]] == ["crm-1"]
    assert rest["next_cursor"] is None
    assert api.get("/api/v1/actions?person=email:broken").status_code == 422
    assert api.get("/api/v1/actions/no-such-action").json["code"] == "action_not_found"


def test_reading_and_recording_need_their_scopes(api, make_user, action_types):
    _, reader = make_user(admin=True, scopes=["actions:read"])
    _, writer = make_user(admin=True, scopes=["actions:write"])
    refused = api.with_token(reader).post("/api/v1/actions", json=action())
    assert refused.status_code == 403 and refused.json["code"] == "insufficient_scope"
    assert api.with_token(writer).post("/api/v1/actions", json=action()).status_code == 201
    assert api.with_token(writer).get("/api/v1/actions").status_code == 403
    assert api.with_token(reader).get("/api/v1/actions").status_code == 200
    assert api.with_token(None).post("/api/v1/actions", json=action()).status_code == 401
    _, staff_without_role = make_user()
    assert api.with_token(staff_without_role).post(
        "/api/v1/actions", json=action(2)).json["code"] == "role_too_low"
    assert count_actions() == 1


def test_the_openapi_document_describes_actions(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/actions", "/api/v1/action-types", "/api/v1/action-types/{key}",
                 "/api/v1/handles", "/api/v1/action-sources",
                 "/api/v1/action-sources/{key}/webhook"):
        assert path in spec["paths"]
    post = spec["paths"]["/api/v1/actions"]["post"]
    assert {"201", "200", "422"} <= set(post["responses"])
    assert "ActionIn" in spec["components"]["schemas"]
