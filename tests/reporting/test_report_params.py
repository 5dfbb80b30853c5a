"""Bad report parameters answer 422 in the one error shape, naming each parameter; no
report parameter makes a 500."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient


def refused(response) -> dict:
    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed" and response.json["message"]
    return response.json["errors"]


@pytest.mark.parametrize("path", ["holders", "contributors", "actions"])
def test_an_unknown_bucket_is_refused(api, path):
    errors = refused(api.get(f"/api/v1/reports/{path}?group_by=day"))
    assert errors == {"group_by": ["Must be one of: week, month, quarter."]}


def test_from_after_to_is_refused(api):
    errors = refused(api.get("/api/v1/reports/holders?from=2026-03-01&to=2026-01-31"))
    assert errors == {"from": ["Must not be after 'to'."]}
    errors = refused(api.get("/api/v1/reports/holders?from=2199-01-01"))
    assert errors == {"from": ["Must not be after 'to' (which defaults to today)."]}


def test_more_than_ten_years_is_refused(api):
    errors = refused(api.get("/api/v1/reports/contributors?from=2016-01-01&to=2026-01-01"))
    assert errors == {"to": ["A report spans at most 10 years."]}
    decade = api.get("/api/v1/reports/contributors?from=2016-01-02&to=2026-01-01")
    assert decade.status_code == 200 and decade.json["group_by"] == "month"


def test_an_unknown_filter_is_refused_not_ignored(api):
    errors = refused(api.get("/api/v1/reports/holders?colour=red&badge_class=x"))
    assert errors["colour"] == ["Unknown field."]
    errors = refused(api.get("/api/v1/reports/actions?badge_class=x"))
    assert errors == {"badge_class": ["Unknown field."]}


def test_malformed_values_are_refused_by_name(api):
    errors = refused(api.get("/api/v1/reports/holders?from=last-week&time_zone=Mars/Base"
                             "&cumulative=perhaps"))
    assert set(errors) == {"from", "time_zone", "cumulative"}
    assert errors["time_zone"] == ["Must be an IANA time zone name, like Europe/Berlin or UTC."]
    errors = refused(api.get("/api/v1/reports/actions?where=no-operator&sum=a\"b"))
    assert set(errors) == {"where", "sum"}


def test_filters_naming_nothing_in_reach_are_refused(api, issuer, make_issuer, make_user,
                                                     client):
    errors = refused(api.get("/api/v1/reports/holders?badge_class=nope&issuer=nope2"
                             "&pathway=nope3&program=nope4"))
    assert errors == {"badge_class": ["No such badge class: nope."],
                      "issuer": ["No such issuer: nope2."], "pathway": ["No such pathway."],
                      "program": ["No such program."]}
    errors = refused(api.get("/api/v1/reports/actions?action_type=nope"))
    assert errors == {"action_type": ["No such action type among: nope."]}
    _, secret = make_user("viewer@example.org")  # no role anywhere
    stranger = ApiClient(client, secret)
    hidden = stranger.get(f"/api/v1/reports/holders?issuer={issuer['id']}")
    assert hidden.status_code == 403 and hidden.json["code"] == "role_too_low"


def test_an_issuer_outside_the_program_is_refused(api, issuer, make_issuer):
    other = make_issuer(name="Other")
    program = api.post("/api/v1/programs", json={"name": "Ladder", "issuers": [issuer["id"]]})
    assert program.status_code == 201, program.json
    errors = refused(api.get("/api/v1/reports/holders",
                             query_string={"program": program.json["id"], "issuer": other["id"]}))
    assert errors == {"issuer": [f"The issuer {other['id']} is not one of the program's."]}


def test_the_funnel_needs_a_pathway_and_a_key_result_report_a_known_bucket(api):
    assert refused(api.get("/api/v1/reports/funnel")) == {
        "pathway": ["Missing data for required field."]}
    assert refused(api.get("/api/v1/reports/key-results/nope?group_by=year")) == {
        "group_by": ["Must be one of: week, month, quarter."]}
    missing = api.get("/api/v1/reports/key-results/nope")
    assert missing.status_code == 404 and missing.json["code"] == "key_result_not_found"


def test_reports_need_a_token_with_the_reports_scope(api, client, make_user, issuer):
    anonymous = client.get("/api/v1/reports/holders")
    assert anonymous.status_code == 401 and anonymous.json["code"] == "unauthorized"
    _, secret = make_user("writer@example.org", scopes=["badges:award"])
    lacking = ApiClient(client, secret).get("/api/v1/reports/holders")
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"


def test_the_openapi_document_describes_the_reports(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    holders = spec["paths"]["/api/v1/reports/holders"]["get"]
    names = {parameter["name"] for parameter in holders["parameters"]}
    assert {"group_by", "from", "to", "time_zone", "badge_class", "issuer", "program",
            "pathway", "cumulative", "new", "include_revoked", "format"} <= names
    assert "text/csv" in holders["responses"]["200"]["content"]
    for path in ("/api/v1/objectives", "/api/v1/programs", "/api/v1/reports/funnel",
                 "/api/v1/reports/key-results/{key_result_id}",
                 "/api/v1/key-results/{key_result_id}/values"):
        assert path in spec["paths"], path


def test_a_window_of_decades_or_at_the_ends_of_the_calendar_is_refused(api, badge_class):
    errors = refused(api.get("/api/v1/reports/contributors?from=1971-01-01&group_by=week"))
    assert errors == {"to": ["A report spans at most 10 years."]}
    for query in ("from=0001-01-01", "to=9999-12-31", "from=9999-12-31&to=9999-12-31"):
        errors = refused(api.get(f"/api/v1/reports/holders?{query}"))
        assert set(errors) <= {"from", "to"} and errors, query
    funnel = api.get("/api/v1/reports/funnel?pathway=x&to=9999-12-31")
    assert refused(funnel) == {"to": ["Must be a day from 1970-01-01 to 2199-12-31."]}
