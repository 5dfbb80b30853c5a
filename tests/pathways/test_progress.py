"""Progress explains, per milestone, what holds and what is missing for one person; the
dry run says who would qualify now and writes nothing."""

import pytest

from badges.models import Assertion
from cairn.jobs import Job
from pathways.models import MilestoneAward
from tests.cairn.test_errors import assert_error
from tests.pathways.test_pathways_helpers import (
    awards_of,
    count,
    create_pathway,
    days_ago,
    define_action_type,
    milestone,
    post_action,
    retract,
    settle,
)

SESSIONS = "mentoring.session"


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    """Mentor I (1 session), Mentor II (3 in 180 days), and Lead: Mentor II and a
    badge of training, or 10 sessions in all."""
    define_action_type(api, SESSIONS)
    badges = [make_badge_class(name=name) for name in ("Mentor I", "Mentor II", "Lead",
                                                        "Trained")]
    response = create_pathway(api, issuer, [
        milestone("mentor-1", badges[0], {"action": SESSIONS}, "Mentor I"),
        milestone("mentor-2", badges[1], {"action": SESSIONS, "at_least": 3,
                                          "within_days": 180}, "Mentor II"),
        milestone("lead", badges[2], {"any": [
            {"all": [{"milestone": "mentor-2"}, {"badge": badges[3]["id"]}]},
            {"action": SESSIONS, "at_least": 10}]}, "Lead")])
    assert response.status_code == 201, response.json
    return response.json, badges


def progress(api, pathway, person="email:ada@example.org"):
    response = api.get(f"/api/v1/pathways/{pathway['id']}/progress?person={person}")
    assert response.status_code == 200, response.json
    return {m["key"]: m for m in response.json["milestones"]}


def test_progress_says_what_holds_and_what_is_missing(api, ladder):
    pathway, badges = ladder
    for n in (1, 2):
        post_action(api, SESSIONS, "ada@example.org", f"s{n}")
    settle()
    [first_award] = awards_of("ada@example.org")
    shown = progress(api, pathway)
    assert list(shown) == ["mentor-1", "mentor-2", "lead"]
    assert shown["mentor-1"]["reached"] is True and shown["mentor-1"]["holds"] is True
    assert shown["mentor-1"]["awarded"] == first_award.public_id
    assert shown["mentor-2"] == {
        "key": "mentor-2", "name": "Mentor II", "version": 1, "badge_class": badges[1]["id"],
        "reached": False, "holds": False, "awarded": None,
        "detail": "2 of 3 mentoring.session in the last 180 days",
        "lines": [{"depth": 0, "holds": False,
                   "text": "2 of 3 mentoring.session in the last 180 days"}]}
    assert shown["lead"]["detail"] == (
        "any of:\n"
        "  all of:\n"
        "    has not reached “Mentor II”\n"
        "    does not hold Trained\n"
        "  2 of 10 mentoring.session")
    assert [line["depth"] for line in shown["lead"]["lines"]] == [0, 1, 2, 2, 1]


def test_progress_of_someone_unknown_shows_nothing_reached(api, ladder):
    pathway, _ = ladder
    shown = progress(api, pathway, "grace@example.org")
    assert not any(m["reached"] or m["awarded"] for m in shown.values())
    assert shown["mentor-1"]["detail"] == "0 of 1 mentoring.session"


def test_a_retraction_after_the_award_leaves_it_and_progress_shows_the_rule_now(api, ladder):
    pathway, _ = ladder
    post_action(api, SESSIONS, "ada@example.org", "s1")
    settle()
    retract(api, "r1", "s1")
    settle()
    [award] = awards_of("ada@example.org")
    assert award.revoked_at is None  # the engine never revokes
    shown = progress(api, pathway)["mentor-1"]
    assert (shown["reached"], shown["holds"], shown["awarded"]) == (True, False,
                                                                    award.public_id)
    assert shown["detail"] == "0 of 1 mentoring.session"


def test_progress_takes_typed_identities_and_refuses_malformed_ones(api, ladder):
    pathway, _ = ladder
    path = f"/api/v1/pathways/{pathway['id']}/progress"
    shown = api.get(f"{path}?person=url:https://example.org/ada").json
    assert shown["person"] == {"type": "url", "identity": "https://example.org/ada"}
    body = assert_error(api.get(f"{path}?person=email:not-an-address"), 422,
                        "invalid_identity")
    assert body["errors"] == {"person": ["Not a valid email address."]}
    assert_error(api.get(path), 422, "validation_failed")
    assert_error(api.get("/api/v1/pathways/nope/progress?person=ada@example.org"), 404,
                 "pathway_not_found")


def test_a_dry_run_lists_who_would_qualify_now_and_writes_nothing(api, issuer, make_award,
                                                                  make_badge_class):
    define_action_type(api, SESSIONS)
    badges = [make_badge_class(name=name) for name in ("Mentor I", "Mentor II", "Lead",
                                                        "Trained")]
    # Recorded before the pathway exists: nothing evaluates them yet.
    for who, sessions in (("ada", 3), ("grace", 1), ("alan", 0)):
        for n in range(sessions):
            post_action(api, SESSIONS, f"{who}@example.org", f"{who}-{n}",
                        occurred_at=days_ago(n + 1))
    make_award(badge_class_id=badges[3]["id"])  # ada is trained
    make_award(badge_class_id=badges[3]["id"], recipient={"identity": "alan@example.org"})
    settle()
    pathway = create_pathway(api, issuer, [
        milestone("mentor-1", badges[0], {"action": SESSIONS}),
        milestone("mentor-2", badges[1], {"action": SESSIONS, "at_least": 3}),
        milestone("lead", badges[2], {"all": [{"milestone": "mentor-2"},
                                              {"badge": badges[3]["id"]}]})]).json
    assertions, jobs = count(Assertion), count(Job)

    response = api.post(f"/api/v1/pathways/{pathway['id']}/evaluate", json={"dry_run": True})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["dry_run"] is True and body["evaluated"] == 3  # ada, grace and alan
    assert body["candidates"] == 3 and body["complete"] is True
    who = {m["key"]: sorted(p["identity"] for p in m["people"]) for m in body["milestones"]}
    assert who == {"mentor-1": ["ada@example.org", "grace@example.org"],
                   "mentor-2": ["ada@example.org"], "lead": ["ada@example.org"]}
    assert [m["count"] for m in body["milestones"]] == [2, 1, 1]
    assert (count(Assertion), count(Job), count(MilestoneAward)) == (assertions, jobs, 0)

    # Once ada is awarded, she no longer shows; a lower bar lets grace in.
    post_action(api, SESSIONS, "ada@example.org", "ada-new")
    settle()
    api.patch(f"/api/v1/pathways/{pathway['id']}", json={"milestones": [
        milestone("mentor-1", badges[0], {"action": SESSIONS}),
        milestone("mentor-2", badges[1], {"action": SESSIONS, "at_least": 1}),
        milestone("lead", badges[2], {"all": [{"milestone": "mentor-2"},
                                              {"badge": badges[3]["id"]}]})]})
    body = api.post(f"/api/v1/pathways/{pathway['id']}/evaluate",
                    json={"dry_run": True}).json
    who = {m["key"]: sorted(p["identity"] for p in m["people"]) for m in body["milestones"]}
    assert who == {"mentor-1": ["grace@example.org"], "mentor-2": ["grace@example.org"],
                   "lead": []}
    assert [m["version"] for m in body["milestones"]] == [1, 2, 1]


def test_a_dry_run_past_its_ceiling_says_it_is_incomplete(api, issuer, make_badge_class, app,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "PATHWAYS_DRY_RUN_MAX_PEOPLE", 2)
    define_action_type(api, SESSIONS)
    for who in ("ada", "grace", "alan"):
        post_action(api, SESSIONS, f"{who}@example.org", who)
    settle()
    pathway = create_pathway(api, issuer, [
        milestone("mentor-1", make_badge_class(), {"action": SESSIONS})]).json
    body = api.post(f"/api/v1/pathways/{pathway['id']}/evaluate", json={"dry_run": True}).json
    assert (body["evaluated"], body["candidates"], body["complete"]) == (2, 3, False)
    assert body["milestones"][0]["count"] == 2  # a lower bound, as `complete` says
