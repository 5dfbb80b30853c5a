"""The pathway builder pages: a program lead builds a pathway from form rows (no JSON),
edits it into a new rule version, and sees each problem beside its field with nothing
saved; the roles are the API's."""

import pytest

from pathways.models import Pathway, RuleVersion
from tests.badges.test_staff_pages import member
from tests.issuers.test_staff_pages import csrf_token, text, words
from tests.pathways.test_pathway_pages_helpers import (
    SESSIONS,
    builder_errors,
    count,
    described_by,
    form_fields,
    milestone_fields,
    press,
)
from tests.pathways.test_pathways_helpers import (
    count as count_rows,
)
from tests.pathways.test_pathways_helpers import (
    create_pathway,
    define_action_type,
    milestone,
)


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    return [make_badge_class(name=f"Mentor {level}") for level in ("I", "II")]


@pytest.fixture
def editor(app, api, make_user, issuer):
    return member(app, api, make_user, issuer, "editor")


def new_path(issuer):
    return f"/manage/pathways/new?issuer={issuer['id']}"


def test_a_lead_builds_a_two_milestone_pathway_adding_a_condition_row(editor, api, issuer,
                                                                       ladder):
    path = new_path(issuer)
    blank = editor.get(path)
    assert blank.status_code == 200
    assert "Mentor I" in text(blank) and f'<option value="{SESSIONS}"' in text(blank)

    shown = press(editor, path, blank, "add_milestone")
    assert shown.status_code == 200 and "m-1-key" in form_fields(shown)
    filled = {**milestone_fields(0, "first", "First session", ladder[0]["id"], count()),
              **milestone_fields(1, "regular", "Regular mentor", ladder[1]["id"],
                                 {"kind": "milestone", "milestone": "first"})}
    grown = press(editor, path, shown, "add_condition", "m-1:action", name="Mentoring",
                  **filled)
    assert grown.status_code == 200 and count_rows(Pathway) == 0  # nothing saved yet
    assert 'id="f-m-1-c-1-action" name="m-1-c-1-action" autofocus' in text(grown)
    fields = form_fields(grown)
    assert fields["name"] == "Mentoring" and fields["m-1-c-0-milestone"] == "first"

    filtered = press(editor, path, grown, "add_filter", "m-1-c-1")
    saved = press(editor, path, filtered, **{
        "m-1-c-1-action": SESSIONS, "m-1-c-1-at_least": "5", "m-1-c-1-within_days": "180",
        "m-1-c-1-f-0-property": "kr", "m-1-c-1-f-0-operator": "in",
        "m-1-c-1-f-0-value": 'O1-KR1, "2", 3'})
    assert saved.status_code == 302, builder_errors(saved)
    pathway_id = saved.headers["Location"].rsplit("/", 1)[1]
    body = api.get(f"/api/v1/pathways/{pathway_id}").json
    assert body["name"] == "Mentoring" and body["issuer"] == issuer["id"]
    assert [(m["key"], m["badge_class"], m["rule"]) for m in body["milestones"]] == [
        ("first", ladder[0]["id"], {"action": SESSIONS, "at_least": 1}),
        ("regular", ladder[1]["id"], {"all": [
            {"milestone": "first"},
            {"action": SESSIONS, "at_least": 5, "within_days": 180,
             "where": {"kr": {"in": ["O1-KR1", "2", 3]}}}]})]

    page = words(editor.get(saved.headers["Location"]))
    assert "Created the pathway Mentoring." in page
    assert "at least 1 mentoring.session" in page
    assert ("all of: reached “First session” at least 5 mentoring.session with "
            'kr = O1-KR1, "2" or 3 in the last 180 days') in page


def test_editing_a_rule_makes_its_next_version_and_keeps_the_others(editor, api, issuer,
                                                                    ladder):
    created = create_pathway(api, issuer, [
        milestone("first", ladder[0], {"action": SESSIONS}, "First session"),
        milestone("regular", ladder[1], {"all": [
            {"milestone": "first"},
            {"action": SESSIONS, "at_least": 5, "between": ["2026-01-01", "2026-03-31"]}]},
            "Regular mentor")]).json
    path = f"/manage/pathways/{created['id']}/edit"
    shown = editor.get(path)
    fields = form_fields(shown)
    assert (fields["m-1-c-1-start"], fields["m-1-c-1-end"]) == ("2026-01-01", "2026-03-31")
    assert fields["m-1-combinator"] == "all" and fields["m-0-c-0-action"] == SESSIONS

    unchanged = press(editor, path, shown)
    assert unchanged.status_code == 302 and count_rows(RuleVersion) == 2

    changed = press(editor, path, editor.get(path), **{"m-1-c-1-at_least": "6",
                                                        "name": "Mentoring, again"})
    assert changed.status_code == 302, builder_errors(changed)
    body = api.get(f"/api/v1/pathways/{created['id']}").json
    assert body["name"] == "Mentoring, again"
    assert [(m["key"], m["version"]) for m in body["milestones"]] == [("first", 1),
                                                                      ("regular", 2)]
    assert body["milestones"][1]["rule"]["all"][1]["at_least"] == 6
    page = words(editor.get(changed.headers["Location"]))
    assert "Saved the pathway Mentoring, again." in page and "rule version 2" in page
    assert "between 1 Jan 2026 and 31 Mar 2026" in page


def post_builder(client, path, issuer, *milestones):
    token = csrf_token(client.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "issuer": issuer["id"], "name": "Ladder", "save": "1"}
    for fields in milestones:
        data |= fields
    return client.post(path, data=data)


def test_each_problem_shows_beside_its_field_and_nothing_is_saved(editor, issuer, ladder,
                                                                  make_badge_class,
                                                                  make_issuer):
    foreign = make_badge_class(issuer_id=make_issuer(name="Elsewhere")["id"])
    response = post_builder(
        editor, new_path(issuer), issuer,
        milestone_fields(0, "a", "A", foreign["id"], count(at_least="0")),
        milestone_fields(1, "b", "B", ladder[1]["id"],
                         count(within_days="30", start="2026-01-01", end="2026-02-01"),
                         count(**{"f-0-property": "kr", "f-0-operator": "at_least",
                                  "f-0-value": "high", "f-1-property": "kr",
                                  "f-1-value": "x"})),
        milestone_fields(2, "c", "", "", count(action=""), count(end="2026-01-01")))
    assert response.status_code == 422 and count_rows(Pathway) == 0
    errors = builder_errors(response)
    assert errors["m-0-badge_class"] == "No badge class with this id at this pathway's issuer."
    assert errors["m-0-c-0-at_least"] == "Must be a whole number from 1 to 1,000,000."
    assert errors["m-1-c-0"] == "Give within_days or between, not both."
    assert errors["m-1-c-1-f-0-value"] == "Must be a number."
    assert errors["m-1-c-1-f-1-property"] == (
        "Another filter of this condition tests this property already.")
    assert errors["m-2-name"] == "Length must be between 1 and 200."
    assert errors["m-2-badge_class"] == "Choose the badge class this milestone awards."
    assert errors["m-2-c-0-action"] == "Choose an action type."
    assert errors["m-2-c-1-start"] == "Give both dates, or neither."
    assert "f-m-0-c-0-at_least-error" in described_by(response, "m-0-c-0-at_least")
    assert 'id="f-m-0-c-0-at_least" name="m-0-c-0-at_least" aria-describedby' in text(response)
    assert "Some fields need fixing" in text(response)
    assert form_fields(response)["m-1-c-1-f-0-value"] == "high"  # kept as typed


def test_milestones_naming_each_other_in_a_circle_are_refused(editor, issuer, ladder):
    response = post_builder(
        editor, new_path(issuer), issuer,
        milestone_fields(0, "a", "A", ladder[0]["id"], count(),
                         {"kind": "milestone", "milestone": "b"}),
        milestone_fields(1, "b", "B", ladder[1]["id"], {"kind": "milestone", "milestone": "a"}))
    assert response.status_code == 422 and count_rows(Pathway) == 0
    assert builder_errors(response)["m-0-rule"] == (
        "Milestones refer to each other in a circle: a → b → a.")
    assert "f-m-0-rule-error" in described_by(response, "m-0-rule")


def test_a_rule_nested_deeper_than_the_form_is_shown_as_text_and_kept(editor, api, issuer,
                                                                      ladder):
    deep = {"any": [{"all": [{"any": [{"badge": ladder[1]["id"]},
                                      {"action": SESSIONS, "at_least": 2}]},
                             {"action": SESSIONS, "within_days": 30}]},
                    {"action": SESSIONS, "at_least": 50}]}
    created = create_pathway(api, issuer, [milestone("deep", ladder[0], deep, "Deep")]).json
    path = f"/manage/pathways/{created['id']}/edit"
    shown = editor.get(path)
    page = words(shown)
    assert "kept as it is" in page and "holds Mentor II" in page
    assert "at least 2 mentoring.session" in page and "m-0-c-0-kind" not in form_fields(shown)

    saved = press(editor, path, shown, name="Renamed")
    assert saved.status_code == 302, builder_errors(saved)
    body = api.get(f"/api/v1/pathways/{created['id']}").json
    assert body["name"] == "Renamed" and body["milestones"][0]["version"] == 1

    rebuilt = press(editor, path, editor.get(path), "rebuild_rule", "m-0")
    assert "m-0-rule_json" not in form_fields(rebuilt)
    assert form_fields(rebuilt)["m-0-c-0-kind"] == "action"


def test_rows_move_and_go_without_saving(editor, issuer, ladder):
    path = new_path(issuer)
    shown = press(editor, path, editor.get(path), "add_condition", "m-0:group",
                  **milestone_fields(0, "a", "A", ladder[0]["id"], count(at_least="7")))
    fields = form_fields(shown)
    assert fields["m-0-c-1-kind"] == "group" and fields["m-0-c-1-combinator"] == "any"
    assert fields["m-0-c-1-c-0-kind"] == "action"
    assert 'value="m-0:group"' in text(shown)
    assert 'value="m-0-c-1:group"' not in text(shown)  # one level of groups only

    moved = press(editor, path, shown, "move_condition", "m-0-c-1:up")
    assert form_fields(moved)["m-0-c-0-kind"] == "group"
    assert form_fields(moved)["m-0-c-1-at_least"] == "7"
    removed = press(editor, path, moved, "remove_condition", "m-0-c-0")
    assert "m-0-c-1-kind" not in form_fields(removed)
    assert form_fields(removed)["m-0-c-0-at_least"] == "7"
    two = press(editor, path, removed, "add_milestone", **{"m-0-key": "first"})
    swapped = press(editor, path, two, "move_milestone", "m-1:up", **{"m-1-key": "second"})
    assert (form_fields(swapped)["m-0-key"], form_fields(swapped)["m-1-key"]) == (
        "second", "first")
    assert count_rows(Pathway) == 0


def test_a_viewer_reads_but_cannot_change_and_other_issuers_are_not_found(
        app, api, make_user, issuer, ladder, make_issuer, make_badge_class, editor):
    created = create_pathway(api, issuer, [
        milestone("first", ladder[0], {"action": SESSIONS}, "First session")]).json
    viewer = member(app, api, make_user, issuer, "viewer")
    page = viewer.get(f"/manage/pathways/{created['id']}")
    assert page.status_code == 200 and "First session" in text(page)
    assert "Edit pathway" not in text(page) and "Award everyone" not in text(page)
    assert "New pathway" not in text(viewer.get("/manage/pathways"))
    assert viewer.get(f"/manage/pathways/{created['id']}/edit").status_code == 403
    token = csrf_token(page.get_data(as_text=True))
    refused = viewer.post(f"/manage/pathways/{created['id']}/edit",
                          data={"csrf_token": token, "name": "Mine now", "save": "1"})
    assert refused.status_code == 403
    assert api.get(f"/api/v1/pathways/{created['id']}").json["name"] == "Mentoring ladder"
    assert viewer.get(f"/manage/pathways/{created['id']}/dry-run").status_code == 403
    assert viewer.post(f"/manage/pathways/{created['id']}/backfill",
                       data={"csrf_token": token}).status_code == 403
    assert viewer.get(new_path(issuer)).status_code == 403

    other = make_issuer(name="Elsewhere")
    foreign = create_pathway(api, other, [milestone(
        "m", make_badge_class(issuer_id=other["id"]), {"action": SESSIONS})]).json
    for client in (viewer, editor):
        for suffix in ("", "/edit", "/dry-run"):
            assert client.get(f"/manage/pathways/{foreign['id']}{suffix}").status_code == 404
        assert client.get(new_path(other)).status_code == 404
        assert "Elsewhere" not in text(client.get("/manage/pathways"))


def test_forms_without_the_csrf_token_change_nothing(editor, issuer, ladder):
    response = editor.post(new_path(issuer), data={
        "issuer": issuer["id"], "name": "Ladder", "save": "1",
        **milestone_fields(0, "a", "A", ladder[0]["id"], count())})
    assert response.status_code == 400 and count_rows(Pathway) == 0


def test_new_pathway_asks_for_the_issuer_only_when_there_is_a_choice(app, api, make_user,
                                                                     issuer, make_issuer):
    lead = member(app, api, make_user, issuer, "editor", "lead@example.org")
    assert lead.get("/manage/pathways/new").headers["Location"] == new_path(issuer)
    second = make_issuer(name="Mentor Guild")
    viewing = make_issuer(name="Read Only")
    for target, role in ((second, "owner"), (viewing, "viewer")):
        api.post(f"/api/v1/issuers/{target['id']}/members",
                 json={"email": "lead@example.org", "role": role})
    choice = lead.get("/manage/pathways/new")
    assert choice.status_code == 200
    page = text(choice)
    assert f'<option value="{issuer["id"]}">' in page
    assert f'<option value="{second["id"]}">' in page and viewing["id"] not in page
