"""Pathways through the API: defined with their milestones in one go, every rule checked
before anything is written, versioned on edit, and visible only at their issuer."""

import pytest

from pathways.models import Milestone, MilestoneTrigger, Pathway, RuleVersion
from tests.cairn.test_errors import assert_error
from tests.conftest import ApiClient
from tests.pathways.test_pathways_helpers import (
    count,
    create_pathway,
    define_action_type,
    milestone,
)

SESSIONS = "mentoring.session"


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    """An action type and three badge classes of the issuer."""
    define_action_type(api, SESSIONS)
    return [make_badge_class(name=f"Mentor {level}") for level in ("I", "II", "III")]


def test_a_pathway_is_created_read_and_listed_with_normalised_rules(api, issuer, ladder,
                                                                    make_issuer):
    created = create_pathway(api, issuer, [
        milestone("first", ladder[0], {"action": SESSIONS}, "Mentor I"),
        milestone("regular", ladder[1], {"all": [
            {"milestone": "first"},
            {"action": SESSIONS, "at_least": 5.0, "within_days": 180}]}, "Mentor II"),
    ], description="From first session to regular mentor.")
    assert created.status_code == 201, created.json
    body = created.json
    assert body["issuer"] == issuer["id"] and body["name"] == "Mentoring ladder"
    assert [m["key"] for m in body["milestones"]] == ["first", "regular"]
    first, regular = body["milestones"]
    assert first["rule"] == {"action": SESSIONS, "at_least": 1}
    assert regular["rule"]["all"][1] == {"action": SESSIONS, "at_least": 5, "within_days": 180}
    assert (first["version"], first["badge_class"], first["position"]) == (1, ladder[0]["id"], 0)

    assert api.get(f"/api/v1/pathways/{body['id']}").json == body
    listed = api.get(f"/api/v1/pathways?issuer={issuer['id']}").json
    assert [p["id"] for p in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    other = make_issuer(name="Elsewhere")
    assert api.get(f"/api/v1/pathways?issuer={other['id']}").json["items"] == []
    assert count(RuleVersion) == 2


def test_pathways_page_through_with_a_cursor(api, issuer, ladder):
    ids = [create_pathway(api, issuer, [milestone("m", ladder[0], {"action": SESSIONS})],
                          name=f"P{n}").json["id"] for n in range(3)]
    first = api.get("/api/v1/pathways?limit=2").json
    second = api.get(f"/api/v1/pathways?limit=2&cursor={first['next_cursor']}").json
    assert [p["id"] for p in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


def bad_cases(ladder, foreign):
    """(milestones, the error paths expected)"""
    sessions = {"action": SESSIONS}
    return {
        "missing badge class": ([milestone("a", {"id": "nope"}, sessions)],
                                {"milestones.0.badge_class"}),
        "another issuer's badge class": ([milestone("a", foreign, sessions)],
                                         {"milestones.0.badge_class"}),
        "rule names a missing badge class": (
            [milestone("a", ladder[0], {"all": [sessions, {"badge": "nope"}]})],
            {"milestones.0.rule.all.1.badge"}),
        "rule names another issuer's badge class": (
            [milestone("a", ladder[0], {"any": [{"badge": foreign["id"]}]})],
            {"milestones.0.rule.any.0.badge"}),
        "cycle": ([milestone("a", ladder[0], {"milestone": "b"}),
                   milestone("b", ladder[1], {"all": [sessions, {"milestone": "a"}]})],
                  {"milestones.0.rule"}),
        "unknown milestone": ([milestone("a", ladder[0], sessions),
                               milestone("b", ladder[1], {"milestone": "c"})],
                              {"milestones.1.rule"}),
        "unknown action type": ([milestone("a", ladder[0], {"action": "never.defined"})],
                                {"milestones.0.rule.action"}),
        "bad rule": ([milestone("a", ladder[0], {"action": SESSIONS, "at_least": 0,
                                                 "colour": "red"})],
                     {"milestones.0.rule"}),
        "repeated key": ([milestone("a", ladder[0], sessions),
                          milestone("a", ladder[1], sessions)], {"milestones.1.key"}),
    }


@pytest.mark.parametrize("case", ["missing badge class", "another issuer's badge class",
                                  "rule names a missing badge class",
                                  "rule names another issuer's badge class", "cycle",
                                  "unknown milestone", "unknown action type", "bad rule",
                                  "repeated key"])
def test_a_bad_pathway_names_each_problem_and_writes_nothing(api, issuer, ladder, make_issuer,
                                                             make_badge_class, case):
    foreign = make_badge_class(issuer_id=make_issuer(name="Elsewhere")["id"])
    milestones, paths = bad_cases(ladder, foreign)[case]
    body = assert_error(create_pathway(api, issuer, milestones), 422, "invalid_pathway")
    if case == "bad rule":  # pathways.rules names the parts: at_least, colour
        assert all(path.startswith("milestones.0.rule") for path in body["errors"]), body
    else:
        assert set(body["errors"]) == paths, body
    assert (count(Pathway), count(Milestone), count(RuleVersion),
            count(MilestoneTrigger)) == (0, 0, 0, 0)


def test_a_cycle_names_the_circle(api, issuer, ladder):
    body = assert_error(create_pathway(api, issuer, [
        milestone("a", ladder[0], {"milestone": "c"}),
        milestone("b", ladder[1], {"milestone": "a"}),
        milestone("c", ladder[2], {"milestone": "b"})]), 422, "invalid_pathway")
    assert body["errors"] == {"milestones.0.rule": [
        "Milestones refer to each other in a circle: a → c → b → a."]}


def test_shape_errors_are_422_before_any_rule_is_read(api, issuer, ladder):
    body = assert_error(api.post("/api/v1/pathways", json={
        "issuer": issuer["id"], "name": "", "milestones": [{"key": "bad key!", "rule": {}}]}),
        422, "validation_failed")
    assert {"name", "milestones"} <= set(body["errors"])
    body = assert_error(create_pathway(api, {"id": "nope"}, [
        milestone("a", ladder[0], {"action": SESSIONS})]), 422, "invalid_pathway")
    assert body["errors"] == {"issuer": ["No such issuer."]}
    assert count(Pathway) == 0


def test_editing_a_rule_makes_a_new_version_and_removing_a_milestone_archives_it(
        api, issuer, ladder):
    first = milestone("first", ladder[0], {"action": SESSIONS})
    regular = milestone("regular", ladder[1], {"action": SESSIONS, "at_least": 5})
    pathway = create_pathway(api, issuer, [first, regular]).json
    path = f"/api/v1/pathways/{pathway['id']}"

    changed = api.patch(path, json={"name": "Mentors", "milestones": [
        first, {**regular, "name": "Regular mentor", "rule": {"action": SESSIONS,
                                                              "at_least": 6}}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["name"] == "Mentors"
    versions = {m["key"]: m["version"] for m in changed.json["milestones"]}
    assert versions == {"first": 1, "regular": 2}
    assert changed.json["milestones"][1]["rule"]["at_least"] == 6
    assert count(RuleVersion) == 3  # v1 of each, and regular's v2: the old one is kept

    # The same rule written differently is the same version.
    same = api.patch(path, json={"milestones": [
        {**first, "rule": {"action": SESSIONS, "at_least": 1.0}},
        {**regular, "rule": {"action": SESSIONS, "at_least": 6}}]})
    assert {m["key"]: m["version"] for m in same.json["milestones"]} == versions

    # Left out: archived (not shown, not evaluated); named again: back, same version.
    dropped = api.patch(path, json={"milestones": [first]}).json
    assert [m["key"] for m in dropped["milestones"]] == ["first"]
    assert count(Milestone) == 2
    restored = api.patch(path, json={"milestones": [
        {**regular, "rule": {"action": SESSIONS, "at_least": 6}}, first]}).json
    assert [(m["key"], m["version"], m["position"]) for m in restored["milestones"]] == [
        ("regular", 2, 0), ("first", 1, 1)]
    assert count(RuleVersion) == 3


def test_an_edit_that_breaks_the_rules_changes_nothing(api, issuer, ladder):
    pathway = create_pathway(api, issuer, [
        milestone("a", ladder[0], {"action": SESSIONS}),
        milestone("b", ladder[1], {"milestone": "a"})]).json
    path = f"/api/v1/pathways/{pathway['id']}"
    body = assert_error(api.patch(path, json={"name": "Renamed", "milestones": [
        milestone("a", ladder[0], {"milestone": "b"}),
        milestone("b", ladder[1], {"milestone": "a"})]}), 422, "invalid_pathway")
    assert "circle" in body["errors"]["milestones.0.rule"][0]
    assert_error(api.patch(path, json={"milestones": [milestone("b", ladder[1], {
        "milestone": "a"})]}), 422, "invalid_pathway")  # refers to a milestone left out
    assert api.get(path).json == pathway
    assert count(RuleVersion) == 2
    assert_error(api.patch(path, json={"issuer": "elsewhere"}), 422, "validation_failed")


def test_reading_needs_a_role_and_writing_editor_and_the_scopes(api, client, issuer, ladder,
                                                                make_user):
    pathway = create_pathway(api, issuer, [milestone("a", ladder[0], {"action": SESSIONS})]).json
    path = f"/api/v1/pathways/{pathway['id']}"
    _, outsider_secret = make_user()
    outsider = ApiClient(client, outsider_secret)
    assert_error(outsider.get(path), 404, "pathway_not_found")
    assert_error(outsider.patch(path, json={"name": "Mine"}), 404, "pathway_not_found")
    assert outsider.get("/api/v1/pathways").json["items"] == []

    viewer_user, viewer_secret = make_user()
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": viewer_user.email, "role": "viewer"})
    viewer = ApiClient(client, viewer_secret)
    assert viewer.get(path).status_code == 200
    assert viewer.get(f"{path}/progress?person=ada@example.org").status_code == 200
    assert_error(viewer.patch(path, json={"name": "Mine"}), 403, "role_too_low")
    assert_error(viewer.post(f"{path}/evaluate", json={"dry_run": True}), 403, "role_too_low")
    assert_error(create_pathway(viewer, issuer, [milestone("a", ladder[0], {
        "action": SESSIONS})]), 403, "role_too_low")

    _, no_read = make_user(admin=True, scopes=["issuers:read", "pathways:write"])
    assert_error(ApiClient(client, no_read).get(path), 403, "insufficient_scope")
    _, no_write = make_user(admin=True, scopes=["pathways:read"])
    assert_error(ApiClient(client, no_write).patch(path, json={"name": "x"}), 403,
                 "insufficient_scope")
    _, elsewhere = make_user(admin=True, issuer="another-issuer")
    assert_error(ApiClient(client, elsewhere).get(path), 404, "pathway_not_found")
    assert_error(api.with_token(None).get(path), 401, "unauthorized")
    assert api.get(path).json["name"] == "Mentoring ladder"
