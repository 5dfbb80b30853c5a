"""Programs over several issuers, and who may see or change them: a role at every issuer a
program covers; a read-only reporting token for outside tools reads reports and nothing
else."""

from __future__ import annotations

from tests.conftest import ApiClient


def program(api, issuers, **overrides):
    body = {"name": "Community Programs", "issuers": [i["id"] for i in issuers],
            "time_zone": "America/New_York"}
    body.update(overrides)
    return api.post("/api/v1/programs", json=body)


def member(api, issuer, email, role):
    response = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                        json={"email": email, "role": role})
    assert response.status_code == 200, response.json


def test_a_program_covers_several_issuers_under_a_slug(api, issuer, make_issuer):
    other = make_issuer(name="Events")
    made = program(api, [issuer, other], action_types=[])
    assert made.status_code == 201, made.json
    assert made.json["slug"] == "community-programs" and made.json["own_issuer"] is None
    assert made.json["issuers"] == [issuer["id"], other["id"]]
    twin = program(api, [issuer])
    assert twin.status_code == 201 and twin.json["slug"].startswith("community-programs-")
    taken = program(api, [issuer], slug="community-programs")
    assert taken.status_code == 409 and taken.json["code"] == "slug_taken"
    bad = program(api, [issuer], slug="Not A Slug", time_zone="Nowhere/Land",
                  action_types=["nope"])
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"slug", "time_zone"}
    unknown = program(api, [issuer], action_types=["nope"])
    assert unknown.json["errors"] == {"action_types": ["No action type 'nope'."]}
    changed = api.patch(f"/api/v1/programs/{made.json['id']}",
                        json={"public": True, "time_zone": "UTC", "issuers": [other["id"]]})
    assert changed.status_code == 200, changed.json
    assert changed.json["public"] is True and changed.json["issuers"] == [other["id"]]
    assert api.get(f"/api/v1/programs/{made.json['id']}").json["time_zone"] == "UTC"


def test_an_issuers_own_program_keeps_to_that_issuer(api, issuer, make_issuer):
    made = api.post("/api/v1/objectives", json={"issuer": issuer["id"], "title": "Grow"})
    own = made.json["program"]
    other = make_issuer(name="Events")
    refused = api.patch(f"/api/v1/programs/{own}", json={"issuers": [other["id"]]})
    assert refused.status_code == 422 and "issuers" in refused.json["errors"]


def test_a_program_needs_a_role_at_each_of_its_issuers(api, client, make_user, issuer,
                                                       make_issuer):
    other = make_issuer(name="Events")
    both = program(api, [issuer, other]).json
    mine = program(api, [issuer], name="Mine").json
    _, secret = make_user("lead@example.org")
    member(api, issuer, "lead@example.org", "viewer")
    lead = ApiClient(client, secret)
    assert [p["id"] for p in lead.get("/api/v1/programs").json["items"]] == [mine["id"]]
    hidden = lead.get(f"/api/v1/programs/{both['id']}")
    assert hidden.status_code == 404 and hidden.json["code"] == "program_not_found"
    assert lead.get(f"/api/v1/programs/{mine['id']}").status_code == 200
    goal = lead.post("/api/v1/objectives", json={"program": mine["id"], "title": "Grow"})
    assert goal.status_code == 403 and goal.json["code"] == "role_too_low"
    member(api, issuer, "lead@example.org", "editor")
    goal = lead.post("/api/v1/objectives", json={"program": mine["id"], "title": "Grow"})
    assert goal.status_code == 201, goal.json
    elsewhere = lead.post("/api/v1/objectives", json={"program": both["id"], "title": "Grow"})
    assert elsewhere.status_code == 422 and elsewhere.json["errors"] == {
        "program": ["No such program."]}
    report = lead.get(f"/api/v1/reports/holders?program={both['id']}")
    assert report.json["errors"] == {"program": ["No such program."]}


def test_a_read_only_reporting_token_reads_reports_and_nothing_else(api, client, issuer,
                                                                    badge_class):
    created = api.post("/api/v1/tokens", json={"name": "BI tool", "scopes": ["reports:read"],
                                               "issuer": issuer["id"]})
    assert created.status_code == 201, created.json
    tool = ApiClient(client, created.json["token"])
    goal = api.post("/api/v1/objectives", json={
        "issuer": issuer["id"], "title": "Grow", "key_results": [
            {"title": "Holders", "target": 10, "metric": {"kind": "holders"}}]}).json
    assert tool.get("/api/v1/reports/holders").status_code == 200
    assert tool.get(f"/api/v1/reports/key-results/{goal['key_results'][0]['id']}") \
        .status_code == 200
    assert tool.get("/api/v1/objectives").json["items"][0]["id"] == goal["id"]
    for method, path, body in (
            ("post", "/api/v1/objectives", {"issuer": issuer["id"], "title": "More"}),
            ("patch", f"/api/v1/objectives/{goal['id']}", {"title": "Changed"}),
            ("delete", f"/api/v1/objectives/{goal['id']}", None),
            ("post", "/api/v1/programs", {"name": "P", "issuers": [issuer["id"]]})):
        answer = getattr(tool, method)(path, **({"json": body} if body else {}))
        assert answer.status_code == 403 and answer.json["code"] == "insufficient_scope", path
    for path in ("/api/v1/assertions", f"/api/v1/issuers/{issuer['id']}", "/api/v1/actions"):
        assert tool.get(path).status_code == 403, path


def test_a_token_limited_to_one_issuer_sees_only_that_issuers_awards(api, client, issuer,
                                                                      badge_class,
                                                                      make_issuer,
                                                                      make_badge_class,
                                                                      make_award):
    other = make_issuer(name="Events")
    make_award()
    make_award(badge_class_id=make_badge_class(issuer_id=other["id"])["id"],
               recipient={"type": "email", "identity": "bob@example.org"})
    created = api.post("/api/v1/tokens", json={"name": "BI", "scopes": ["reports:read"],
                                               "issuer": issuer["id"]})
    tool = ApiClient(client, created.json["token"])
    assert api.get("/api/v1/reports/holders").json["total"] == 2
    assert api.get("/api/v1/reports/contributors").json["total"] == 2
    assert tool.get("/api/v1/reports/holders").json["total"] == 1
    refused = tool.get(f"/api/v1/reports/holders?issuer={other['id']}")
    assert refused.status_code == 422
