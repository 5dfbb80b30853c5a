"""Signed webhooks: a source posts actions with an HMAC of the timestamp and the raw body,
with no bearer token."""

import hashlib
import hmac
import json
import time

import pytest
import sqlalchemy as sa

from cairn.db import db
from pathways.action_models import Action, ActionSource

URL = "/api/v1/action-sources/crm/webhook"


@pytest.fixture
def secret(api):
    api.post("/api/v1/action-types", json={"key": "partnership.closed"})
    created = api.post("/api/v1/action-sources", json={"key": "crm", "description": "Our CRM"})
    assert created.status_code == 201, created.json
    assert created.json["webhook_url"].endswith(URL)
    return created.json["secret"]


def action(number=4711, **overrides):
    body = {"id": f"crm-{number}", "type": "partnership.closed",
            "person": {"type": "email", "identity": "ada@example.org"},
            "occurred_at": "2025-11-01T10:00:00Z"}
    body.update(overrides)
    return body


def signed(secret, body: bytes, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {"X-Cairn-Timestamp": timestamp, "X-Cairn-Signature": "sha256=" + digest.hexdigest(),
            "Content-Type": "application/json"}


def post(client, body: bytes, headers):
    return client.post(URL, data=body, headers=headers)


def count_actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Action))


def test_a_signed_webhook_records_actions_under_its_source(client, secret):
    body = json.dumps(action()).encode()
    first = post(client, body, signed(secret, body))
    assert first.status_code == 201, first.json
    assert first.json["source"] == "crm"
    replay = post(client, body, signed(secret, body))
    assert replay.status_code == 200 and replay.json["id"] == first.json["id"]
    batch = json.dumps({"actions": [action(1, source="crm"), action(2)]}).encode()
    recorded = post(client, batch, signed(secret, batch))
    assert [item["status"] for item in recorded.json["items"]] == ["created", "created"]
    assert count_actions() == 3


def test_wrong_missing_or_old_signatures_are_refused(client, secret):
    body = json.dumps(action()).encode()
    cases = {
        "no headers": {"Content-Type": "application/json"},
        "other secret": signed("not-the-secret", body),
        "too old": signed(secret, body, int(time.time()) - 400),
        "too far ahead": signed(secret, body, int(time.time()) + 400),
        "not a number": {**signed(secret, body), "X-Cairn-Timestamp": "yesterday"},
        "no sha256= prefix": {**signed(secret, body), "X-Cairn-Signature":
                              signed(secret, body)["X-Cairn-Signature"][7:]},
    }
    for case, headers in cases.items():
        refused = post(client, body, headers)
        assert refused.status_code == 401, case
        assert refused.json["code"] == "bad_signature", case
    assert count_actions() == 0


def test_a_signature_cannot_be_reused_for_another_body(client, secret):
    body = json.dumps(action()).encode()
    headers = signed(secret, body)
    other = json.dumps(action(4712)).encode()
    assert post(client, other, headers).status_code == 401
    same_but_timestamp = {**headers, "X-Cairn-Timestamp": str(int(time.time()) + 1)}
    assert post(client, body, same_but_timestamp).status_code == 401
    assert post(client, body, headers).status_code == 201
    assert count_actions() == 1


def test_unknown_sources_are_refused_like_bad_signatures(client, secret):
    body = json.dumps(action()).encode()
    refused = client.post("/api/v1/action-sources/forum/webhook", data=body,
                          headers=signed(secret, body))
    assert refused.status_code == 401 and refused.json["code"] == "bad_signature"


def test_webhook_actions_must_carry_its_source(client, secret):
    body = json.dumps(action(source="forum")).encode()
    refused = post(client, body, signed(secret, body))
    assert refused.status_code == 422
    assert "crm" in refused.json["errors"]["source"][0]
    broken = b"{not json"
    assert post(client, broken, signed(secret, broken)).json["code"] == "malformed_json"


def test_a_bearer_token_is_no_substitute_for_a_signature(api, secret):
    refused = api.post(URL, json=action())
    assert refused.status_code == 401 and refused.json["code"] == "bad_signature"


def test_the_secret_is_shown_once_and_encrypted_at_rest(api, secret):
    listed = api.get("/api/v1/action-sources").json["items"]
    assert [source["key"] for source in listed] == ["crm"]
    assert "secret" not in listed[0]
    stored = db.session.scalar(sa.select(ActionSource.secret))
    assert secret not in stored
    again = api.post("/api/v1/action-sources", json={"key": "crm"})
    assert again.status_code == 409 and again.json["code"] == "action_source_exists"
    assert api.post("/api/v1/action-sources", json={"key": "Our CRM"}).status_code == 422


def test_only_admins_manage_sources(api, make_user, make_issuer):
    issuer = make_issuer()
    awarder, token = make_user()
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": awarder.email, "role": "owner"})
    assert api.with_token(token).post("/api/v1/action-sources",
                                      json={"key": "crm"}).status_code == 403
    assert api.with_token(token).get("/api/v1/action-sources").status_code == 403
