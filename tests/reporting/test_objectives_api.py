"""Objectives and key results through the API: an issuer's own program made on first use,
defaults (period, unit), every metric checked against the program before anything is
written, changes and removal."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from reporting.periods import quarter_of


def objective(api, issuer, **overrides):
    body = {"issuer": issuer["id"], "title": "Grow technical contributors",
            "period": {"start": "2026-01-01", "end": "2026-03-31"}, "time_zone": "UTC",
            "key_results": [{"title": "100 new contributors", "target": 100,
                             "metric": {"kind": "new_contributors"}}]}
    body.update(overrides)
    return api.post("/api/v1/objectives", json=body)


def test_an_objective_posted_for_an_issuer_lands_in_its_own_program(api, issuer):
    first = objective(api, issuer, time_zone="Europe/Berlin")
    assert first.status_code == 201, first.json
    body = first.json
    assert body["issuer"] == issuer["id"] and body["time_zone"] == "Europe/Berlin"
    assert body["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    [key_result] = body["key_results"]
    assert key_result["unit"] == "people" and key_result["own_period"] is False
    assert key_result["period"] == body["period"]
    assert key_result["metric"] == {"kind": "new_contributors"}
    [program] = api.get("/api/v1/programs").json["items"]
    assert program["id"] == body["program"] and program["own_issuer"] == issuer["id"]
    assert program["issuers"] == [issuer["id"]] and program["public"] is False
    assert program["slug"] == "open-source-partnerships"
    second = objective(api, issuer, time_zone=None, period=None, key_results=[])
    assert second.status_code == 201 and second.json["program"] == body["program"]
    start, end = quarter_of(datetime.now(ZoneInfo("Europe/Berlin")).date())
    assert second.json["period"] == {"start": start.isoformat(), "end": end.isoformat()}
    clash = objective(api, issuer, time_zone="UTC")
    assert clash.status_code == 422
    assert clash.json["errors"]["time_zone"][0].startswith(
        "The program's time zone is Europe/Berlin")


def test_every_metric_problem_is_reported_and_nothing_is_written(api, issuer, make_issuer,
                                                                 make_badge_class):
    other = make_issuer(name="Other")
    foreign = make_badge_class(issuer_id=other["id"])
    response = objective(api, issuer, key_results=[
        {"title": "a", "target": 1, "metric": {"kind": "followers"}},
        {"title": "b", "target": 1, "metric": {"kind": "holders", "colour": "red",
                                               "badge_classes": [foreign["id"]]}},
        {"title": "c", "target": 1, "metric": {"kind": "action_sum",
                                               "action_types": ["nope"]}},
        {"title": "d", "target": 1, "metric": {"kind": "milestones", "pathway": "nope"}},
        {"title": "e", "target": 1, "metric": {"kind": "actions",
                                               "where": {"value": {"above": 3}}}},
        {"title": "f", "target": 1, "metric": {"kind": "nominations", "status": "pending"}}])
    assert response.status_code == 422 and response.json["code"] == "invalid_objective"
    errors = response.json["errors"]
    assert set(errors) == {
        "key_results.0.metric.kind", "key_results.1.metric.colour",
        "key_results.1.metric.badge_classes", "key_results.2.metric.action_types",
        "key_results.2.metric.property", "key_results.3.metric.pathway",
        "key_results.4.metric.where.value.above", "key_results.5.metric.status"}
    assert errors["key_results.1.metric.badge_classes"] == [
        f"No badge class '{foreign['id']}' at the program's issuers."]
    assert api.get("/api/v1/objectives").json["items"] == []


def test_the_shape_is_checked_first(api, issuer):
    both = objective(api, issuer, program="x")
    assert both.status_code == 422 and "issuer" in both.json["errors"]
    bad = objective(api, issuer, period={"start": "2026-04-01", "end": "2026-03-31"},
                    key_results=[{"title": "x", "target": 0, "metric": {"kind": "actions"}}])
    assert bad.status_code == 422
    assert bad.json["errors"]["period"] == {"start": ["Must not be after end."]}
    assert "target" in bad.json["errors"]["key_results"]["0"]


def test_objectives_and_key_results_change_and_go(api, issuer, badge_class):
    body = objective(api, issuer).json
    kr = body["key_results"][0]
    patched = api.patch(f"/api/v1/objectives/{body['id']}", json={
        "title": "Grow", "period": {"start": "2026-01-01", "end": "2026-06-30"}})
    assert patched.status_code == 200 and patched.json["title"] == "Grow"
    assert patched.json["key_results"][0]["period"]["end"] == "2026-06-30"
    changed = api.patch(f"/api/v1/key-results/{kr['id']}", json={
        "target": 40, "metric": {"kind": "action_sum", "property": "value"},
        "period": {"start": "2026-02-01", "end": "2026-02-28"}})
    assert changed.status_code == 200, changed.json
    assert changed.json["unit"] == "value" and changed.json["target"] == 40
    assert changed.json["own_period"] is True
    back = api.patch(f"/api/v1/key-results/{kr['id']}", json={"period": None, "unit": "USD"})
    assert back.json["period"]["end"] == "2026-06-30" and back.json["unit"] == "USD"
    added = api.post(f"/api/v1/objectives/{body['id']}/key-results", json={
        "title": "Holders", "target": 5,
        "metric": {"kind": "holders", "badge_classes": [badge_class["id"]]}})
    assert added.status_code == 201 and added.json["position"] == 1
    assert api.delete(f"/api/v1/key-results/{kr['id']}").status_code == 204
    assert api.get(f"/api/v1/key-results/{kr['id']}").status_code == 404
    assert [k["title"] for k in api.get(f"/api/v1/objectives/{body['id']}").json[
        "key_results"]] == ["Holders"]
    assert api.delete(f"/api/v1/objectives/{body['id']}").status_code == 204
    assert api.get(f"/api/v1/objectives/{body['id']}").json["code"] == "objective_not_found"
    assert api.get(f"/api/v1/key-results/{added.json['id']}").status_code == 404


def test_objectives_list_by_program_and_issuer_a_page_at_a_time(api, issuer, make_issuer):
    other = make_issuer(name="Other")
    made = [objective(api, issuer, title=f"O{n}").json["id"] for n in range(3)]
    objective(api, other, title="Elsewhere")
    page = api.get(f"/api/v1/objectives?issuer={issuer['id']}&limit=2").json
    assert [item["id"] for item in page["items"]] == made[:2]
    rest = api.get(f"/api/v1/objectives?issuer={issuer['id']}&cursor={page['next_cursor']}")
    assert [item["id"] for item in rest.json["items"]] == made[2:]
    assert rest.json["next_cursor"] is None
    program = api.get(f"/api/v1/objectives/{made[0]}").json["program"]
    assert len(api.get(f"/api/v1/objectives?program={program}").json["items"]) == 3
