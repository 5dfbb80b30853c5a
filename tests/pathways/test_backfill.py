"""The backfill: a job evaluating everyone a pathway can award, with progress, safe to run
twice and to resume after a crash or a killed worker without a duplicate."""

import signal
import time

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.job_parts import claim_part
from pathways.evaluation_batch import evaluate_milestones
from pathways.models import MilestoneAward
from pathways.services import find_pathway
from pathways.tasks import run_backfill
from tests.cairn.test_errors import assert_error
from tests.conftest import ApiClient
from tests.pathways.test_pathways_helpers import (
    count,
    create_pathway,
    days_ago,
    define_action_type,
    milestone,
    settle,
)

SESSIONS = "mentoring.session"


def record_sessions(api, people: int, sessions: int = 1) -> None:
    """Each person's sessions, in batches (before any pathway watches them)."""
    actions = [{"source": "forum", "id": f"p{person}-{n}", "type": SESSIONS,
                "person": {"type": "email", "identity": f"p{person}@example.org"},
                "occurred_at": days_ago(n + 1)}
               for person in range(people) for n in range(sessions)]
    for start in range(0, len(actions), 1000):
        response = api.post("/api/v1/actions", json={"actions": actions[start:start + 1000]})
        assert response.status_code == 200, response.json
    settle()


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    return [make_badge_class(name=f"Mentor {level}") for level in ("I", "II")]


def two_levels(api, issuer, ladder):
    response = create_pathway(api, issuer, [
        milestone("mentor-1", ladder[0], {"action": SESSIONS}),
        milestone("mentor-2", ladder[1], {"action": SESSIONS, "at_least": 2})])
    assert response.status_code == 201, response.json
    return response.json


def backfill(api, pathway, **kwargs):
    response = api.post(f"/api/v1/pathways/{pathway['id']}/evaluate", **kwargs)
    assert response.status_code == 202, response.json
    return response.json


def test_a_backfill_awards_what_holds_and_a_second_one_nothing_more(api, issuer, ladder):
    record_sessions(api, 3, sessions=2)  # p0-p2, two sessions each
    record_sessions_for_one = api.post("/api/v1/actions", json={
        "source": "forum", "id": "solo", "type": SESSIONS, "occurred_at": days_ago(1),
        "person": {"type": "email", "identity": "solo@example.org"}})
    assert record_sessions_for_one.status_code == 201
    settle()
    pathway = two_levels(api, issuer, ladder)
    assert count(Assertion) == 0  # recorded before the pathway: not evaluated yet

    job = backfill(api, pathway)  # no body: a backfill
    assert job["status"] in ("queued", "running", "done") and job["total"] == 4
    settle()
    job = api.get(f"/api/v1/jobs/{job['id']}").json
    assert job["status"] == "done" and job["done"] == 4, job
    assert job["result"] == {"awarded": 7, "already_awarded": 0, "failed": 0}
    assert count(Assertion) == 7 and count(MilestoneAward) == 7

    again = backfill(api, pathway, json={"dry_run": False})
    settle()
    again = api.get(f"/api/v1/jobs/{again['id']}").json
    assert again["status"] == "done" and again["result"]["awarded"] == 0
    assert count(Assertion) == 7


def test_a_backfill_killed_mid_part_finishes_without_duplicates(api, issuer, ladder, app,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 3)
    record_sessions(api, 6, sessions=2)
    pathway = two_levels(api, issuer, ladder)
    job_id = backfill(api, pathway)["id"]
    run_backfill(job_id, 0)  # the first part runs to its end
    assert count(MilestoneAward) == 6
    # The second part's worker evaluates (and commits) its first two people, then dies.
    job, part = claim_part(job_id, 1)
    milestones = find_pathway(pathway["id"]).active_milestones
    evaluate_milestones(job.payload["people"][part.start:part.start + 2], milestones)
    assert count(MilestoneAward) == 10
    run_backfill(job_id)  # restarted: runs the unfinished part again
    run_backfill(job_id)  # and a finished job is left alone
    awards = db.session.execute(sa.select(MilestoneAward.milestone_id,
                                          MilestoneAward.identity_id)).all()
    assert len(awards) == len(set(awards)) == 12
    identities = db.session.execute(sa.select(Assertion.badge_class_id,
                                              Assertion.recipient_identity_id)).all()
    assert len(identities) == len(set(identities)) == 12
    job = api.get(f"/api/v1/jobs/{job_id}").json
    assert job["status"] == "done" and job["done"] == 6
    assert job["result"]["awarded"] == 8  # the rest were made before the crash


def test_who_may_start_and_watch_a_backfill(api, client, issuer, ladder, make_user, app,
                                            monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    pathway = two_levels(api, issuer, ladder)
    viewer_user, viewer_secret = make_user()
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": viewer_user.email, "role": "viewer"})
    viewer = ApiClient(client, viewer_secret)
    assert_error(viewer.post(f"/api/v1/pathways/{pathway['id']}/evaluate"), 403,
                 "role_too_low")
    job = backfill(api, pathway)
    assert viewer.get(f"/api/v1/jobs/{job['id']}").status_code == 200
    _, outsider = make_user()
    assert_error(ApiClient(client, outsider).get(f"/api/v1/jobs/{job['id']}"), 404,
                 "job_not_found")
    assert_error(ApiClient(client, outsider).post(
        f"/api/v1/pathways/{pathway['id']}/evaluate"), 404, "pathway_not_found")


def test_a_celery_worker_killed_mid_backfill_loses_nothing_and_duplicates_nothing(
        api, issuer, ladder, app, celery_queue, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 40)
    total = 120
    record_sessions(api, total)  # before the workers: no pathway watches them yet
    pathway = two_levels(api, issuer, ladder)
    with celery_queue(tmp_path / "first.log", JOBS_VISIBILITY_TIMEOUT=2,
                      PATHWAYS_GROUP_SIZE=5) as first:
        job_id = backfill(api, pathway)["id"]
        deadline = time.monotonic() + 90
        while api.get(f"/api/v1/jobs/{job_id}").json["done"] < 10:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-part: its task is neither done nor acked
        first.wait()
    killed_at = count(MilestoneAward)
    assert 0 < killed_at < total
    with celery_queue(tmp_path / "second.log", JOBS_VISIBILITY_TIMEOUT=2) as second:
        deadline = time.monotonic() + 120
        while (job := api.get(f"/api/v1/jobs/{job_id}").json)["status"] not in ("done",
                                                                                 "failed"):
            assert time.monotonic() < deadline and second.poll() is None
            time.sleep(0.1)
    assert job["status"] == "done" and job["done"] == total, job
    awards = db.session.execute(sa.select(Assertion.recipient_identity_id)).all()
    assert len(awards) == len(set(awards)) == total == count(MilestoneAward)
    assert job["result"]["awarded"] + job["result"]["already_awarded"] >= total - killed_at
