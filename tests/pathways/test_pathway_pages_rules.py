"""Rules through the builder's rows: values typed as a person types them, read as the
API's JSON; and a rule made through the API shown in the form and saved back unchanged
(no new version for an edit that changed nothing)."""

import pytest

from tests.badges.test_staff_pages import member
from tests.issuers.test_staff_pages import words
from tests.pathways.test_pathway_pages_helpers import (
    SESSIONS,
    builder_errors,
    count,
    form_fields,
    milestone_fields,
    press,
)
from tests.pathways.test_pathways_helpers import create_pathway, define_action_type, milestone


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    define_action_type(api, "partnership.closed")
    return [make_badge_class(name=f"Mentor {level}") for level in ("I", "II")]


@pytest.fixture
def editor(app, api, make_user, issuer):
    return member(app, api, make_user, issuer, "editor")


def test_filter_values_are_read_as_json_values_or_as_text(editor, api, issuer, ladder):
    path = f"/manage/pathways/new?issuer={issuer['id']}"
    rows = {"f-0-property": "kr", "f-0-value": "O1-KR1",
            "f-1-property": "value", "f-1-operator": "at_least", "f-1-value": "2.5",
            "f-2-property": "stage", "f-2-operator": "in",
            "f-2-value": 'won, "lost, then won", 3, true, null',
            "f-3-property": "code", "f-3-value": '"5"',
            "f-4-property": "", "f-4-value": ""}  # a blank row is left out
    shown = press(editor, path, editor.get(path), name="Deals", **milestone_fields(
        0, "deal", "Deal", ladder[0]["id"],
        count(action="partnership.closed", start="2026-01-01", end="2026-03-31T18:00:00+02:00",
              **rows)))
    assert shown.status_code == 302, builder_errors(shown)
    pathway_id = shown.headers["Location"].rsplit("/", 1)[1]
    rule = api.get(f"/api/v1/pathways/{pathway_id}").json["milestones"][0]["rule"]
    assert rule == {"action": "partnership.closed", "at_least": 1,
                    "between": ["2026-01-01", "2026-03-31T16:00:00Z"],
                    "where": {"code": {"equals": "5"}, "kr": {"equals": "O1-KR1"},
                              "stage": {"in": ["won", "lost, then won", 3, True, None]},
                              "value": {"at_least": 2.5}}}
    page = words(editor.get(shown.headers["Location"]))
    assert ('at least 1 partnership.closed with code = "5" and kr = O1-KR1 and '
            'stage = won, lost, then won, 3, true or null and value ≥ 2.5 between '
            '1 Jan 2026 and 31 Mar 2026 16:00 UTC') in page


def test_a_rule_made_through_the_api_comes_back_unchanged_through_the_form(editor, api,
                                                                          issuer, ladder):
    rules = [
        {"action": SESSIONS, "at_least": 2, "within_days": 30,
         "where": {"a": {"equals": "1"}, "b": {"equals": 1}, "c": {"in": ["x, y", "z", 2.5]},
                   "d": {"equals": ' padded '}, "e": {"equals": '"quoted"'},
                   "f": {"at_least": -3}, "g": {"equals": ""}}},
        {"any": [{"badge": ladder[1]["id"]},
                 {"all": [{"milestone": "one"}, {"action": "partnership.closed"}]}]},
    ]
    created = create_pathway(api, issuer, [
        milestone("one", ladder[0], rules[0], "One"),
        milestone("two", ladder[1], rules[1], "Two")]).json
    before = [m["rule"] for m in created["milestones"]]
    path = f"/manage/pathways/{created['id']}/edit"
    shown = editor.get(path)
    fields = form_fields(shown)
    assert fields["m-1-combinator"] == "any" and fields["m-1-c-1-kind"] == "group"
    assert fields["m-1-c-1-c-0-milestone"] == "one"
    assert fields["m-0-c-0-f-2-value"] == '"x, y", z, 2.5'
    assert fields["m-0-c-0-f-0-value"] == '"1"' and fields["m-0-c-0-f-1-value"] == "1"

    saved = press(editor, path, shown)
    assert saved.status_code == 302, builder_errors(saved)
    after = api.get(f"/api/v1/pathways/{created['id']}").json["milestones"]
    assert [m["rule"] for m in after] == before
    assert [m["version"] for m in after] == [1, 1]


def test_a_milestone_named_by_a_rule_is_offered_by_its_name(editor, issuer, ladder):
    path = f"/manage/pathways/new?issuer={issuer['id']}"
    shown = press(editor, path, editor.get(path), "add_condition", "m-1:milestone", **{
        **milestone_fields(0, "one", "First steps", ladder[0]["id"], count()),
        **milestone_fields(1, "two", "Second", ladder[1]["id"], count())})
    html = shown.get_data(as_text=True)
    select = html.split('name="m-1-c-1-milestone"')[1].split("</select>")[0]
    assert '<option value="one">First steps</option>' in select
    assert 'value="two"' not in select  # not itself
