"""Evaluation jobs in parts that take over other queued parts (each ingested batch queues a
job): every person is still evaluated and awarded once, a part that dies leaves its taken
parts to its re-run, and one that fails gives them back. And a milestone referring to one
just reached is evaluated again after the commit."""

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.job_parts import take_parts
from cairn.jobs import Job, JobPart
from pathways import evaluation_batch, milestone_batch, tasks
from tests.pathways.test_pathways_helpers import (
    awards_of,
    count,
    create_pathway,
    define_action_type,
    identity_id,
    milestone,
    milestone_awards,
)

SESSIONS = "mentoring.session"


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    badges = [make_badge_class(name=f"Mentor {level}") for level in ("I", "II")]
    pathway = create_pathway(api, issuer, [
        milestone("mentor-1", badges[0], {"action": SESSIONS, "at_least": 1}),
        milestone("mentor-2", badges[1], {"action": SESSIONS, "at_least": 2})])
    assert pathway.status_code == 201, pathway.json
    return badges


def post_sessions(api, batch: int, people: list[str], per_person: int = 1) -> None:
    response = api.post("/api/v1/actions", json={"actions": [
        {"source": "forum", "id": f"{batch}-{who}-{n}", "type": SESSIONS,
         "person": {"type": "email", "identity": f"{who}@example.org"},
         "occurred_at": "2026-01-05T10:00:00Z"} for who in people for n in range(per_person)]})
    assert response.status_code == 200, response.json


def queued_jobs(api, app, monkeypatch, shards: int = 1) -> list[Job]:
    """Three evaluation jobs (three batches of actions), left queued; one shard of people
    unless asked (each job is then one part)."""
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    monkeypatch.setattr(tasks, "SHARDS", shards)
    post_sessions(api, 1, ["ada", "alan"])
    post_sessions(api, 2, ["ada", "grace"])
    post_sessions(api, 3, ["alan", "grace", "edsger"])
    db.session.rollback()
    jobs = list(db.session.scalars(sa.select(Job).order_by(Job.id)))
    assert [job.kind for job in jobs] == [tasks.EVALUATION] * 3
    return jobs


def earned(email: str) -> int:
    return len(awards_of(email))


def test_a_part_takes_over_the_queued_parts_and_every_job_is_done(api, ladder, app,
                                                                 monkeypatch):
    first, second, third = queued_jobs(api, app, monkeypatch)

    tasks.run_evaluation(first.public_id, 0)

    db.session.rollback()
    statuses = db.session.scalars(sa.select(Job.status).order_by(Job.id)).all()
    assert statuses == ["done"] * 3
    assert [earned(f"{who}@example.org") for who in ("ada", "alan", "grace", "edsger")] == \
        [2, 2, 2, 1]
    assert count(Assertion) == 7 == len(milestone_awards())
    awarded = sum(job.result["awarded"] for job in db.session.scalars(sa.select(Job)))
    assert awarded == 7  # each person counted in one job
    for job in (second, third):  # their own tasks find their parts done
        tasks.run_evaluation(job.public_id, 0)
    assert count(Assertion) == 7


def test_a_part_takes_over_only_the_parts_of_its_own_shard_of_people(api, ladder, app,
                                                                      monkeypatch):
    jobs = queued_jobs(api, app, monkeypatch, shards=2)
    parts = db.session.scalars(sa.select(JobPart).order_by(JobPart.id)).all()
    payloads = {job.id: job.payload["people"] for job in jobs}
    for part in parts:  # cut per shard
        entries = payloads[part.job_id][part.start:part.stop]
        assert {tasks.shard_of(entry["identity"]) for entry in entries} == {part.shard}
    first = db.session.scalar(sa.select(JobPart).where(JobPart.job_id == jobs[0].id)
                              .order_by(JobPart.number))
    people = {who: identity_id(f"{who}@example.org")
              for who in ("ada", "alan", "grace", "edsger")}
    mine = {who for who, identity in people.items()
            if tasks.shard_of(identity) == first.shard}

    tasks.run_evaluation(jobs[0].public_id, first.number)

    db.session.rollback()
    done = {part.id for part in db.session.scalars(sa.select(JobPart).where(
        JobPart.status == "done"))}
    assert done == {part.id for part in parts if part.shard == first.shard}
    assert {who for who in people if earned(f"{who}@example.org")} == mine
    for job in jobs:  # the other shard's parts, by their own tasks
        tasks.run_evaluation(job.public_id)
    db.session.rollback()
    assert db.session.scalars(sa.select(Job.status)).all() == ["done"] * 3
    assert count(Assertion) == 7 == len(milestone_awards())


def test_a_part_that_died_after_taking_parts_takes_them_again_when_run_again(
        api, ladder, app, monkeypatch):
    first, second, third = queued_jobs(api, app, monkeypatch)
    part = db.session.scalar(sa.select(JobPart).where(JobPart.job_id == first.id))
    taken = take_parts(part, tasks.EVALUATION, items=100)  # then the process dies
    assert sorted(job.id for job, _ in taken) == [second.id, third.id]
    db.session.execute(sa.update(JobPart).where(JobPart.id == part.id)
                       .values(status="running"))
    db.session.commit()

    tasks.run_evaluation(second.public_id, 0)  # taken: left to the part that took it
    assert count(Assertion) == 0
    tasks.run_evaluation(first.public_id, 0)  # redelivered after the crash

    db.session.rollback()
    assert db.session.scalars(sa.select(Job.status)).all() == ["done"] * 3
    assert count(Assertion) == 7 == len(milestone_awards())


def test_a_part_that_fails_gives_its_taken_parts_back(api, ladder, app, monkeypatch):
    first, second, third = queued_jobs(api, app, monkeypatch)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks, "evaluate_changes", broken)
    with pytest.raises(RuntimeError):
        tasks.run_evaluation(first.public_id, 0)
    monkeypatch.undo()

    db.session.rollback()
    parts = db.session.scalars(sa.select(JobPart).where(
        JobPart.job_id.in_([second.id, third.id]))).all()
    assert {(part.status, part.taken_by_id) for part in parts} == {("queued", None)}
    assert db.session.get(Job, first.id).status == "failed"
    tasks.run_evaluation(second.public_id, 0)  # takes the third job's part too
    db.session.rollback()
    assert [db.session.get(Job, job.id).status for job in (second, third)] == ["done"] * 2
    assert earned("grace@example.org") == 2 and earned("edsger@example.org") == 1


def test_a_milestone_naming_one_reached_is_evaluated_again_after_the_award(
        api, issuer, make_badge_class, make_award, app, monkeypatch):
    """Write skew between two workers: this one read the facts before the other awarded
    the badge the rule also needs, and the other judged the rule before this one's award.
    Only a reading after both commits sees both: the follow-up of the milestone reached."""
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    define_action_type(api, SESSIONS)
    first, mentor, distinguished = (make_badge_class(name=name)
                                    for name in ("First", "Mentor", "Distinguished"))
    create_pathway(api, issuer, [
        milestone("first", first, {"action": SESSIONS, "at_least": 1}),
        milestone("distinguished", distinguished,
                  {"all": [{"milestone": "first"}, {"badge": mentor["id"]}]})])
    post_sessions(api, 1, ["ada"])
    original = milestone_batch.MilestoneBatch.award

    def award_after_the_other_worker(batch):
        if batch.milestone.key == "first":  # meanwhile another worker awards the badge
            make_award(badge_class_id=mentor["id"],
                       recipient={"type": "email", "identity": "ada@example.org"})
        return original(batch)

    monkeypatch.setattr(milestone_batch.MilestoneBatch, "award", award_after_the_other_worker)
    results = evaluation_batch.evaluate_changes(
        {identity_id("ada@example.org"): ({SESSIONS}, set())})

    assert sorted(a.badge_class.public_id for a in awards_of("ada@example.org")) == \
        sorted([first["id"], mentor["id"], distinguished["id"]])
    assert results[identity_id("ada@example.org")].awarded == 2
