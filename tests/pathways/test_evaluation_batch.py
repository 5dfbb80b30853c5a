"""The engine evaluates a group of people together and awards per milestone in batches:
each person must still get exactly their own badges, with their own actions as evidence."""

import random

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.jobs import Job, resume_unfinished
from cairn.webhooks import WebhookDelivery
from pathways import tasks
from pathways.evaluation_batch import evaluate_changes
from pathways.signals import actions_recorded
from tests.pathways.test_pathways_helpers import (
    awards_of,
    count,
    create_pathway,
    define_action_type,
    identity_id,
    milestone,
    milestone_awards,
    settle,
)

SESSIONS = "mentoring.session"
NEEDED = (1, 3, 5)


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    badges = [make_badge_class(name=f"Mentor {level}") for level in ("I", "II", "III")]
    pathway = create_pathway(api, issuer, [
        milestone(f"mentor-{n}", badge, {"action": SESSIONS, "at_least": needed})
        for n, (badge, needed) in enumerate(zip(badges, NEEDED, strict=True), start=1)])
    assert pathway.status_code == 201, pathway.json
    return badges


def test_a_group_gets_what_each_person_earned_with_their_own_actions_as_evidence(
        api, ladder, app, monkeypatch, make_award):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")  # evaluated below, at once
    rng = random.Random(4)
    sessions = {f"p{n}@example.org": rng.randrange(7) for n in range(40)}
    held = make_award(badge_class_id=ladder[1]["id"],
                      recipient={"type": "email", "identity": "p0@example.org"})
    sessions["p0@example.org"] = 4  # reaches level II, whose badge they hold already
    response = api.post("/api/v1/actions", json={"actions": [
        {"source": "forum", "id": f"{email}-{n}", "type": SESSIONS,
         "person": {"type": "email", "identity": email}, "occurred_at": "2026-01-05T10:00:00Z",
         "properties": {"url": f"https://forum.example.org/{email}/{n}"}}
        for email, count_ in sessions.items() for n in range(count_)]})
    assert response.status_code == 200, response.json
    people = {identity_id(email): email for email, count_ in sessions.items() if count_}

    results = evaluate_changes({person: ({SESSIONS}, set()) for person in people})

    for person, email in people.items():
        earned = [badge["id"] for badge, needed in zip(ladder, NEEDED, strict=True)
                  if sessions[email] >= needed]
        assert sorted(a.badge_class.public_id for a in awards_of(email)) == sorted(earned)
        assert results[person].awarded == len(earned) and results[person].failed == 0
    assert [a.public_id for a in awards_of("p0@example.org")
            if a.badge_class.public_id == ladder[1]["id"]] == [held["id"]]
    for award in milestone_awards():
        email = people[award.identity_id]
        assert award.assertion.recipient.value == email
        if award.assertion.public_id == held["id"]:
            continue
        evidence_urls = {item.get("url") for item in award.assertion.evidence} - {None}
        assert evidence_urls and all(f"/{email}/" in url for url in evidence_urls)
    reached = db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery))
    assert reached == 0  # no webhook subscribed: nothing queued, nothing failed


def test_evaluating_the_same_group_again_awards_nothing_more(api, ladder, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    api.post("/api/v1/actions", json={"actions": [
        {"source": "forum", "id": f"{who}-{n}", "type": SESSIONS,
         "person": {"type": "email", "identity": f"{who}@example.org"},
         "occurred_at": "2026-01-05T10:00:00Z"} for who in ("ada", "alan") for n in range(3)]})
    changes = {identity_id(f"{who}@example.org"): ({SESSIONS}, set()) for who in ("ada", "alan")}
    first, again = evaluate_changes(changes), evaluate_changes(changes)
    assert sum(r.awarded for r in first.values()) == 4
    assert sum(r.awarded + r.already + r.failed for r in again.values()) == 0
    assert count(Assertion) == 4 == len(milestone_awards())


def test_actions_commit_with_their_evaluation_job_so_a_crash_after_the_commit_loses_nothing(
        api, ladder, app, monkeypatch):
    """The process 'dies' right after the actions' commit: the receiver that hands the job
    to the runner never runs. The job committed with the actions, and resuming runs it."""
    actions_recorded.disconnect(tasks._on_actions_recorded)
    try:
        response = api.post("/api/v1/actions", json={"actions": [
            {"source": "forum", "id": f"s{n}", "type": SESSIONS,
             "person": {"type": "email", "identity": "ada@example.org"},
             "occurred_at": "2026-01-05T10:00:00Z"} for n in range(3)]})
    finally:
        actions_recorded.connect(tasks._on_actions_recorded)
    assert response.status_code == 200, response.json
    db.session.rollback()
    [job] = db.session.scalars(sa.select(Job)).all()
    assert (job.kind, job.status, job.total) == (tasks.EVALUATION, "queued", 1)
    assert awards_of("ada@example.org") == []
    monkeypatch.setitem(app.config, "JOBS_STALE_SECONDS", -1)  # a restart finds it abandoned
    assert resume_unfinished(app) == 1
    settle()
    assert sorted(a.badge_class.public_id for a in awards_of("ada@example.org")) == \
        sorted(badge["id"] for badge in ladder[:2])


def test_actions_that_fail_to_commit_leave_no_evaluation_job(api, ladder):
    response = api.post("/api/v1/actions", json={"actions": [
        {"source": "forum", "id": "s1", "type": SESSIONS,
         "person": {"type": "email", "identity": "ada@example.org"},
         "occurred_at": "2026-01-05T10:00:00Z"},
        {"source": "forum", "id": "s2", "type": "no.such.type",
         "person": {"type": "email", "identity": "ada@example.org"},
         "occurred_at": "2026-01-05T10:00:00Z"}]})
    assert response.status_code == 422, response.json
    assert count(Job) == 0 and awards_of("ada@example.org") == []
