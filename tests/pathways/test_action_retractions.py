"""A correction is a retraction: a new action that withdraws a recorded one, at most once."""

import pytest
import sqlalchemy as sa

from cairn.db import db
from pathways.action_models import Action


@pytest.fixture(autouse=True)
def action_type(api):
    assert api.post("/api/v1/action-types", json={"key": "partnership.closed"}).status_code \
        == 201


def action(external_id="crm-4711", **overrides):
    body = {"source": "crm", "id": external_id, "type": "partnership.closed",
            "person": {"type": "email", "identity": "ada@example.org"},
            "occurred_at": "2025-11-01T10:00:00Z", "properties": {"value": 5000}}
    body.update(overrides)
    return body


def retraction(external_id="crm-4711-retracted", target="crm-4711", **overrides):
    body = {"source": "crm", "id": external_id, "retracts": {"source": "crm", "id": target}}
    body.update(overrides)
    return body


def count_actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Action))


def test_a_retraction_withdraws_a_recorded_action(api):
    original = api.post("/api/v1/actions", json=action()).json
    withdrawn = api.post("/api/v1/actions", json=retraction(properties={"reason": "typo"}))
    assert withdrawn.status_code == 201, withdrawn.json
    assert withdrawn.json["type"] == "retraction"
    assert withdrawn.json["retracts"] == {"source": "crm", "id": "crm-4711"}
    assert withdrawn.json["person"] == original["person"]
    assert withdrawn.json["properties"] == {"reason": "typo"}
    assert withdrawn.json["occurred_at"]  # defaults to the time it was recorded
    listed = api.get("/api/v1/actions?type=retraction").json["items"]
    assert [item["id"] for item in listed] == [withdrawn.json["id"]]
    typed = api.get("/api/v1/actions?type=partnership.closed").json["items"]
    assert [item["id"] for item in typed] == [original["id"]]  # counting a type never
    # counts its retractions


def test_retracting_again_is_a_duplicate(api):
    api.post("/api/v1/actions", json=action())
    first = api.post("/api/v1/actions", json=retraction())
    retry = api.post("/api/v1/actions", json=retraction())
    assert retry.status_code == 200 and retry.json["id"] == first.json["id"]
    other_id = api.post("/api/v1/actions", json=retraction("crm-4711-retracted-again"))
    assert other_id.status_code == 200 and other_id.json["id"] == first.json["id"]
    assert count_actions() == 2


def test_the_retracted_action_must_exist_and_not_be_a_retraction(api):
    missing = api.post("/api/v1/actions", json=retraction(target="crm-0"))
    assert missing.status_code == 422
    assert "has been recorded" in missing.json["errors"]["retracts"][0]
    api.post("/api/v1/actions", json=action())
    api.post("/api/v1/actions", json=retraction())
    twice = api.post("/api/v1/actions", json=retraction("r2", target="crm-4711-retracted"))
    assert twice.status_code == 422
    assert twice.json["errors"]["retracts"] == ["A retraction cannot be retracted."]
    assert count_actions() == 2


def test_a_retraction_has_no_type_or_person_of_its_own(api):
    api.post("/api/v1/actions", json=action())
    typed = api.post("/api/v1/actions", json=retraction(type="partnership.closed"))
    assert typed.status_code == 422 and "type" in typed.json["errors"]
    person = api.post("/api/v1/actions", json=retraction(
        person={"type": "email", "identity": "ada@example.org"}))
    assert person.status_code == 422 and "person" in person.json["errors"]
    named = api.post("/api/v1/actions", json=retraction(type="retraction"))
    assert named.status_code == 201
    no_target = api.post("/api/v1/actions", json=action("x", type="retraction"))
    assert no_target.status_code == 422 and "retracts" in no_target.json["errors"]


def test_a_batch_may_record_and_retract_an_action_together(api):
    batch = api.post("/api/v1/actions", json={"actions": [
        action("crm-1"), retraction("r1", target="crm-1"), retraction("r1b", target="crm-1"),
        retraction("r2", target="crm-2")]})
    assert batch.status_code == 422  # crm-2 is neither recorded nor earlier in the batch
    assert list(batch.json["errors"]["actions"]) == ["3"]
    assert count_actions() == 0
    batch = api.post("/api/v1/actions", json={"actions": [
        action("crm-1"), retraction("r1", target="crm-1"), retraction("r1b", target="crm-1")]})
    items = batch.json["items"]
    assert [item["status"] for item in items] == ["created", "created", "duplicate"]
    assert items[2]["id"] == items[1]["id"]
    withdrawn = api.get(f"/api/v1/actions/{items[1]['id']}").json
    assert withdrawn["retracts"] == {"source": "crm", "id": "crm-1"}
    again = api.post("/api/v1/actions", json={"actions": [
        action("crm-1"), retraction("r1", target="crm-1")]})
    assert [item["status"] for item in again.json["items"]] == ["duplicate", "duplicate"]
    assert count_actions() == 2


def test_a_retraction_cannot_target_a_retraction_in_the_same_batch(api):
    batch = api.post("/api/v1/actions", json={"actions": [
        action("crm-1"), retraction("r1", target="crm-1"), retraction("r2", target="r1")]})
    assert batch.status_code == 422
    assert batch.json["errors"]["actions"]["2"]["retracts"] == \
        ["A retraction cannot be retracted."]
