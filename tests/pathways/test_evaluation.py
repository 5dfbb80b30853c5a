"""Actions turn into badges: each milestone awards once per person, as soon as its rule
holds, and says why (rule version and actions) in the award's evidence."""

import json
import threading
import time

import pytest
import sqlalchemy as sa

from badges.awards import Recipient, award_badge
from badges.models import Assertion
from cairn.db import db, transaction
from cairn.jobs import Job
from cairn.webhooks import WebhookDelivery
from pathways.evaluation import awarding_actor
from pathways.evaluation_batch import evaluate_changes, evaluate_milestones
from pathways.models import Milestone, MilestoneAward
from pathways.services import find_pathway
from recipients.models import IdentityType
from tests.conftest import ApiClient
from tests.pathways.test_pathways_helpers import (
    awards_of,
    badge_classes_of,
    count,
    create_pathway,
    days_ago,
    define_action_type,
    identity_id,
    milestone,
    milestone_awards,
    post_action,
    retract,
    settle,
)

SESSIONS = "mentoring.session"


@pytest.fixture
def levels(api, issuer, make_badge_class):
    """Mentor I-III: 1, 3 and 5 sessions in the last 180 days."""
    define_action_type(api, SESSIONS)
    badges = [make_badge_class(name=f"Mentor {level}") for level in ("I", "II", "III")]
    pathway = create_pathway(api, issuer, [
        milestone(f"mentor-{n}", badge, {"action": SESSIONS, "at_least": needed,
                                         "within_days": 180}, f"Mentor {'I' * n}")
        for n, (badge, needed) in enumerate(zip(badges, (1, 3, 5), strict=True), start=1)])
    assert pathway.status_code == 201, pathway.json
    return pathway.json, badges


def test_a_ladder_awards_each_level_once_as_actions_arrive(api, levels):
    pathway, badges = levels
    expected = {1: badges[:1], 2: badges[:1], 3: badges[:2], 4: badges[:2], 5: badges}
    for n in range(1, 6):
        post_action(api, SESSIONS, "ada@example.org", f"s{n}")
        settle()
        assert badge_classes_of("ada@example.org") == [b["id"] for b in expected[n]], n
    post_action(api, SESSIONS, "grace@example.org", "g1")
    post_action(api, SESSIONS, "ada@example.org", "s5")  # the same action again: a duplicate
    post_action(api, SESSIONS, "ada@example.org", "s6")  # beyond the top of the ladder
    settle()
    assert len(awards_of("ada@example.org")) == 3
    assert badge_classes_of("grace@example.org") == [badges[0]["id"]]
    assert len(milestone_awards()) == 4
    assert not any(job.errors for job in db.session.scalars(sa.select(Job)))


def test_the_award_names_the_rule_version_and_the_actions_that_met_it(api, levels, client):
    pathway, badges = levels
    posted = [post_action(api, SESSIONS, "ada@example.org", f"s{n}",
                          properties={"url": f"https://forum.example.org/t/{n}"}).json["id"]
              for n in range(1, 4)]
    settle()
    second = awards_of("ada@example.org")[1]
    assert second.badge_class.public_id == badges[1]["id"]
    award = next(a for a in milestone_awards() if a.assertion_id == second.id)
    assert sorted(award.action_ids) == sorted(posted)
    assert award.rule_version.version == 1 and award.milestone.key == "mentor-2"

    shown = api.get(f"/api/v1/assertions/{second.public_id}").json
    why, *actions = shown["evidence"]
    assert why["name"] == "Milestone “Mentor II”, rule version 1"
    assert why["narrative"] == ("Rule version 1 of the milestone “Mentor II” of the pathway "
                                "“Mentoring ladder” held:\n"
                                "3 of 3 mentoring.session in the last 180 days")
    assert sorted(item["name"].split()[-1] for item in actions) == sorted(posted)
    assert {item["url"] for item in actions} == {
        f"https://forum.example.org/t/{n}" for n in range(1, 4)}
    assert all("recorded from crm as s" in item["narrative"] for item in actions)
    assert shown["narrative"] == "Reached the milestone “Mentor II” of the pathway " \
                                 "“Mentoring ladder”."
    page = client.get(f"/assertions/{second.public_id}", headers={"Accept": "text/html"})
    assert "Rule version 1 of the milestone" in page.get_data(as_text=True)

    # A new version of the rule: later awards name it.
    api.patch(f"/api/v1/pathways/{pathway['id']}", json={"milestones": [
        milestone(m["key"], {"id": m["badge_class"]},
                  {**m["rule"], "at_least": 2} if m["key"] == "mentor-2" else m["rule"],
                  m["name"]) for m in pathway["milestones"]]})
    for n in (1, 2):
        post_action(api, SESSIONS, "grace@example.org", f"g{n}")
    settle()
    graces = awards_of("grace@example.org")
    assert graces[1].evidence[0]["name"] == "Milestone “Mentor II”, rule version 2"


def test_milestones_and_badges_named_by_rules_chain_in_one_evaluation(api, issuer,
                                                                      make_badge_class):
    define_action_type(api, "training.done")
    define_action_type(api, "partnership.closed")
    certified, partner, ambassador = (make_badge_class(name=name) for name in (
        "Certified", "Partner", "Ambassador"))
    assert create_pathway(api, issuer, [
        milestone("certified", certified, {"action": "training.done"}),
        milestone("partner", partner, {"all": [{"milestone": "certified"},
                                               {"action": "partnership.closed"}]}),
    ], name="Partnerships").status_code == 201
    assert create_pathway(api, issuer, [
        milestone("ambassador", ambassador, {"badge": partner["id"]})],
        name="Ambassadors").status_code == 201

    post_action(api, "partnership.closed", "ada@example.org", "p1")
    settle()
    assert awards_of("ada@example.org") == []
    post_action(api, "training.done", "ada@example.org", "t1")
    settle()
    assert badge_classes_of("ada@example.org") == [certified["id"], partner["id"],
                                                   ambassador["id"]]
    assert len(milestone_awards()) == 3


def test_a_badge_awarded_by_hand_completes_the_milestones_that_name_it(api, issuer,
                                                                       make_badge_class,
                                                                       make_award):
    define_action_type(api, SESSIONS)
    trained, veteran = make_badge_class(name="Trained"), make_badge_class(name="Veteran")
    create_pathway(api, issuer, [milestone("veteran", veteran, {"all": [
        {"badge": trained["id"]}, {"action": SESSIONS, "at_least": 2}]})])
    for n in (1, 2):
        post_action(api, SESSIONS, "ada@example.org", f"s{n}")
    settle()
    assert awards_of("ada@example.org") == []
    make_award(badge_class_id=trained["id"])  # a trainer awards it to ada@example.org
    settle()
    assert badge_classes_of("ada@example.org") == [trained["id"], veteran["id"]]
    make_award(badge_class_id=trained["id"], recipient={"identity": "bob@example.org"})
    settle()  # bob has no sessions: the evaluation runs and awards nothing
    assert badge_classes_of("bob@example.org") == [trained["id"]]


def test_someone_who_holds_the_badge_already_gets_no_second_one(api, issuer, make_badge_class,
                                                                make_award):
    define_action_type(api, SESSIONS)
    badge = make_badge_class()
    held = make_award(badge_class_id=badge["id"])
    create_pathway(api, issuer, [milestone("first", badge, {"action": SESSIONS})])
    post_action(api, SESSIONS, "ada@example.org", "s1")
    settle()
    assert [a.public_id for a in awards_of("ada@example.org")] == [held["id"]]
    [award] = milestone_awards()
    assert award.assertion.public_id == held["id"]


def test_a_retraction_before_the_threshold_prevents_the_award(api, levels):
    _, badges = levels
    for n in (1, 2):
        post_action(api, SESSIONS, "ada@example.org", f"s{n}")
    retract(api, "r1", "s1")
    post_action(api, SESSIONS, "ada@example.org", "s3")
    settle()
    assert badge_classes_of("ada@example.org") == [badges[0]["id"]]  # 2 of 3 count
    post_action(api, SESSIONS, "ada@example.org", "s4")
    settle()
    assert badge_classes_of("ada@example.org") == [b["id"] for b in badges[:2]]
    award = next(a for a in milestone_awards() if a.milestone.key == "mentor-2")
    assert len(award.action_ids) == 3  # s2, s3, s4: not the withdrawn s1


def test_a_batch_awards_everyone_in_it_and_the_same_batch_again_nothing_more(api, levels):
    _, badges = levels
    batch = {"actions": [
        {"source": "forum", "id": f"{who}-{n}", "type": SESSIONS,
         "person": {"type": "email", "identity": f"{who}@example.org"},
         "occurred_at": days_ago(n)}
        for who, sessions in (("ada", 5), ("grace", 3), ("alan", 1)) for n in range(sessions)]}
    for _ in range(2):
        response = api.post("/api/v1/actions", json=batch)
        assert response.status_code == 200, response.json
        settle()
    assert [len(awards_of(f"{who}@example.org")) for who in ("ada", "grace", "alan")] == \
        [3, 2, 1]
    assert count(Job) == 1  # the repeat recorded nothing new, so nothing was evaluated


def test_an_old_action_outside_the_window_does_not_count(api, levels):
    post_action(api, SESSIONS, "ada@example.org", "old", occurred_at=days_ago(200))
    settle()
    assert awards_of("ada@example.org") == []


def test_the_same_action_posted_at_once_by_many_clients_awards_once(api, levels, app):
    _, badges = levels
    errors: list = []
    start = threading.Barrier(6)

    def post():
        try:
            start.wait()
            with app.app_context():
                post_action(api, SESSIONS, "ada@example.org", "s1")
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle()
    assert errors == []
    assert badge_classes_of("ada@example.org") == [badges[0]["id"]]
    assert len(milestone_awards()) == 1


def test_evaluations_of_one_person_racing_award_once(api, levels, app, monkeypatch):
    """Eight evaluations of the same person at once (connections of their own): the unique
    (milestone, person) row lets one award each milestone; the others lose cleanly."""
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")  # nothing evaluates on its own
    pathway, badges = levels
    for n in range(1, 4):
        post_action(api, SESSIONS, "ada@example.org", f"s{n}")
    person = identity_id("ada@example.org")
    results, errors = [], []
    start = threading.Barrier(8)

    def evaluate():
        try:
            with app.app_context():
                start.wait()
                results.append(evaluate_changes({person: ({SESSIONS}, set())})[person])
                db.session.remove()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=evaluate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 8
    assert sum(result.awarded for result in results) == 2
    assert sum(result.failed for result in results) == 0
    assert badge_classes_of("ada@example.org") == [b["id"] for b in badges[:2]]
    assert len(milestone_awards()) == 2


def test_evaluating_again_awards_nothing_more(api, levels, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    pathway, _ = levels
    post_action(api, SESSIONS, "ada@example.org", "s1")
    person = identity_id("ada@example.org")
    milestones = find_pathway(pathway["id"]).active_milestones
    first = evaluate_milestones([person], milestones)[person]
    again = evaluate_milestones([person], milestones)[person]
    assert (first.awarded, again.awarded) == (1, 0)
    assert count(Assertion) == 1 and count(MilestoneAward) == 1


def test_an_archived_milestone_is_not_evaluated(api, levels):
    pathway, badges = levels
    first = pathway["milestones"][0]
    api.patch(f"/api/v1/pathways/{pathway['id']}", json={"milestones": [
        milestone(first["key"], {"id": first["badge_class"]}, first["rule"])]})
    api.patch(f"/api/v1/pathways/{pathway['id']}", json={"milestones": [
        milestone("mentor-2", badges[1], {"action": SESSIONS, "at_least": 1})]})
    post_action(api, SESSIONS, "ada@example.org", "s1")
    settle()
    assert badge_classes_of("ada@example.org") == [badges[1]["id"]]
    assert count(Milestone) == 3


def test_a_creator_who_lost_their_role_stops_the_awards_and_the_job_says_why(
        api, client, issuer, make_badge_class, make_user):
    define_action_type(api, SESSIONS)
    badge = make_badge_class()
    lead, secret = make_user()
    api.post(f"/api/v1/issuers/{issuer['id']}/members", json={"email": lead.email,
                                                                "role": "editor"})
    created = create_pathway(ApiClient(client, secret), issuer,
                             [milestone("first", badge, {"action": SESSIONS})])
    assert created.status_code == 201, created.json
    api.post(f"/api/v1/issuers/{issuer['id']}/members", json={"email": lead.email,
                                                                "role": "viewer"})
    post_action(api, SESSIONS, "ada@example.org", "s1")
    settle()
    assert awards_of("ada@example.org") == [] and milestone_awards() == []
    job = db.session.scalars(sa.select(Job)).one()
    assert job.status == "done" and job.result["failed"] == 1
    assert job.errors[0]["code"] == "role_too_low"
    response = api.get(f"/api/v1/jobs/{job.public_id}")  # the engine's jobs: admins read them
    assert response.status_code == 200 and response.json["result"]["failed"] == 1


def test_a_milestone_reached_is_a_webhook_event_of_the_issuer(api, issuer, levels, app,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    pathway, badges = levels
    created = api.post(f"/api/v1/issuers/{issuer['id']}/webhooks", json={
        "url": "http://127.0.0.1:9/hooks", "events": ["milestone.reached"]})
    assert created.status_code == 201, created.json
    post_action(api, SESSIONS, "ada@example.org", "s1")
    settle()
    [award] = awards_of("ada@example.org")
    [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
    body = json.loads(delivery.body)
    assert (delivery.event, body["type"], body["issuer"]) == (
        "milestone.reached", "milestone.reached", issuer["id"])
    assert body["data"] | {"reached_at": None} == {
        "pathway": pathway["id"], "milestone": "mentor-1", "rule_version": 1,
        "assertion": award.public_id, "badge_class": badges[0]["id"],
        "recipient_type": "email", "reached_at": None}
    assert "ada@example.org" not in delivery.body


def test_an_award_inside_a_callers_transaction_is_evaluated_once_it_commits(
        api, issuer, make_badge_class):
    """A service that awards within its own transaction (award_badge joins it) signals
    before the commit: the evaluation waits for the commit, and a rollback drops it."""
    define_action_type(api, SESSIONS)
    trained, veteran = make_badge_class(name="Trained"), make_badge_class(name="Veteran")
    create_pathway(api, issuer, [milestone("veteran", veteran, {"all": [
        {"badge": trained["id"]}, {"action": SESSIONS}]})])
    for who in ("ada", "bob"):
        post_action(api, SESSIONS, f"{who}@example.org", f"{who}-1")
    settle()
    actor = awarding_actor(find_pathway(
        api.get("/api/v1/pathways").json["items"][0]["id"]))
    with pytest.raises(RuntimeError), transaction():
        award_badge(actor, trained["id"], Recipient(IdentityType.email, "bob@example.org"))
        raise RuntimeError("the caller fails after the award: it is rolled back")
    jobs = count_jobs_now()
    with transaction():
        award_badge(actor, trained["id"], Recipient(IdentityType.email, "ada@example.org"))
        assert count_jobs_now() == jobs  # nothing queued before the commit
    deadline = time.monotonic() + 30
    while len(awards_of("ada@example.org")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    settle()
    assert badge_classes_of("ada@example.org") == [trained["id"], veteran["id"]]
    assert awards_of("bob@example.org") == []


def count_jobs_now() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job))
