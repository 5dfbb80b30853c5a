"""Every API endpoint, tried with no token, a token without the scope it needs, and a
token of another issuer: 401, 403 and 404 respectively, and nothing changes."""

import pytest

from cairn.users import SCOPES, issue_token
from tests.conftest import ApiClient, data_uri, png_bytes

# (method, path template, scope needed, body)
ENDPOINTS = [
    ("GET", "/api/v1/issuers/{issuer}", "issuers:read", None),
    ("PATCH", "/api/v1/issuers/{issuer}", "issuers:write", {"name": "Taken over"}),
    ("GET", "/api/v1/issuers/{issuer}/members", "issuers:read", None),
    ("POST", "/api/v1/issuers/{issuer}/members", "issuers:write",
     {"email": "mallory@example.org", "role": "owner"}),
    ("GET", "/api/v1/issuers/{issuer}/keys", "issuers:read", None),
    ("POST", "/api/v1/issuers/{issuer}/keys", "issuers:write", {"type": "rsa"}),
    ("POST", "/api/v1/issuers/{issuer}/keys/{key}/retire", "issuers:write", None),
    ("GET", "/api/v1/issuers/{issuer}/badge-classes", "issuers:read", None),
    ("POST", "/api/v1/issuers/{issuer}/badge-classes", "badges:write",
     {"name": "Fake", "description": "Fake", "criteria": {"narrative": "none"},
      "image": data_uri(png_bytes())}),
    ("GET", "/api/v1/badge-classes/{badge_class}", "issuers:read", None),
    ("PATCH", "/api/v1/badge-classes/{badge_class}", "badges:write", {"name": "Fake"}),
    ("POST", "/api/v1/badge-classes/{badge_class}/assertions", "badges:award",
     {"recipient": {"identity": "mallory@example.org"}}),
    ("GET", "/api/v1/assertions/{assertion}", "issuers:read", None),
    ("POST", "/api/v1/assertions/{assertion}/revoke", "badges:revoke", {"reason": "Because"}),
    ("POST", "/api/v1/assertions/{assertion}/suspend", "badges:revoke", {"reason": "Because"}),
    ("POST", "/api/v1/assertions/{assertion}/unsuspend", "badges:revoke", None),
]
LISTS = [("GET", "/api/v1/issuers", "issuers:read"), ("GET", "/api/v1/assertions",
                                                      "issuers:read")]


@pytest.fixture
def target(api, issuer, badge_class, award):
    key = api.post(f"/api/v1/issuers/{issuer['id']}/keys", json={"type": "rsa"}).json
    return {"issuer": issuer["id"], "badge_class": badge_class["id"],
            "assertion": award["id"], "key": key["id"]}


def call(client: ApiClient, method, path, body):
    return client.client.open(path, method=method, json=body,
                              headers=client._headers(None))


def snapshot(api, target):
    return (api.get(f"/api/v1/issuers/{target['issuer']}").json,
            api.get(f"/api/v1/issuers/{target['issuer']}/members").json,
            api.get(f"/api/v1/issuers/{target['issuer']}/keys").json,
            api.get(f"/api/v1/issuers/{target['issuer']}/badge-classes").json,
            api.get("/api/v1/assertions").json)


@pytest.mark.parametrize("method,path,scope,body", ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_no_token_wrong_scope_and_other_issuer_are_refused(
        api, make_user, target, method, path, scope, body):
    url = path.format(**target)
    owner, _ = make_user()
    api.post(f"/api/v1/issuers/{target['issuer']}/members",
             json={"email": owner.email, "role": "owner"})
    before = snapshot(api, target)
    anonymous = call(api.with_token(None), method, url, body)
    assert anonymous.status_code == 401 and anonymous.json["code"] == "unauthorized"
    bad = call(api.with_token("cairn_not-a-real-token"), method, url, body)
    assert bad.status_code == 401

    _, narrow = issue_token(owner, name="narrow", scopes=[s for s in SCOPES if s != scope])
    refused = call(api.with_token(narrow), method, url, body)
    assert refused.status_code == 403 and refused.json["code"] == "insufficient_scope"

    _, stranger = make_user()
    other = ApiClient(api.client, stranger)
    other.post("/api/v1/issuers", json={"name": "Other", "url": "https://other.example"})
    hidden = call(other, method, url, body)
    assert hidden.status_code == 404, hidden.json
    assert snapshot(api, target) == before


def test_a_token_limited_to_one_issuer_sees_nothing_else(api, make_user, make_issuer, target):
    mine = make_issuer(name="Mine")
    _, limited = make_user(admin=True, issuer=mine["id"])
    client = api.with_token(limited)
    assert [i["id"] for i in client.get("/api/v1/issuers").json["items"]] == [mine["id"]]
    assert client.get(f"/api/v1/issuers/{target['issuer']}").status_code == 404
    assert client.get("/api/v1/assertions").json["items"] == []
    assert client.post("/api/v1/issuers", json={"name": "X", "url": "https://x.example"}) \
        .status_code == 403


@pytest.mark.parametrize("method,path,scope", LISTS)
def test_lists_show_only_reachable_issuers(api, make_user, target, method, path, scope):
    _, stranger = make_user()
    other = api.with_token(stranger)
    assert other.get(path).json["items"] == []
    assert api.with_token(None).get(path).status_code == 401


def test_roles_limit_what_a_member_can_do(api, make_user, target):
    awarder, secret = make_user()
    api.post(f"/api/v1/issuers/{target['issuer']}/members",
             json={"email": awarder.email, "role": "awarder"})
    client = api.with_token(secret)
    award = client.post(f"/api/v1/badge-classes/{target['badge_class']}/assertions",
                        json={"recipient": {"identity": "ada@example.org"}})
    assert award.status_code == 201
    edit = client.patch(f"/api/v1/badge-classes/{target['badge_class']}", json={"name": "X"})
    assert edit.status_code == 403 and edit.json["code"] == "role_too_low"
    members = client.post(f"/api/v1/issuers/{target['issuer']}/members",
                          json={"email": awarder.email, "role": "owner"})
    assert members.status_code == 403
