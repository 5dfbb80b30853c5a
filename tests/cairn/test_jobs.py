"""The job store and its runners, with a test job kind (no domain package involved)."""

import threading
import time

import pytest

from cairn.auth import Actor
from cairn.db import db, transaction
from cairn.jobs import (
    JobNotFound,
    create_job,
    enqueue,
    get_job,
    load_job,
    register_kind,
    resume_unfinished,
    runner_name,
    update_job,
)

RUNS: list[tuple[str, str]] = []
FAIL = "fail"


def _run_echo(job_id: str) -> None:
    job = load_job(job_id)
    RUNS.append((job_id, threading.current_thread().name))
    if job.payload.get("mode") == FAIL:
        raise RuntimeError("boom")
    update_job(job_id, status="done", done=job.total, result={"echo": job.payload})


def _may_read(actor: Actor, job) -> bool:
    return actor.is_admin or job.created_by_id == actor.user_id


register_kind("test_echo", "tests.echo", _run_echo, _may_read)


def actor_for(user, admin=False):
    return Actor(user_id=user.id, is_admin=admin, scopes=frozenset({"badges:award"}))


def new_job(actor, **payload):
    with transaction():
        job = create_job(actor, "test_echo", issuer_public_id=None, payload=payload, total=3)
    return job


def wait_for(job_id, statuses=("done", "failed"), seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        job = load_job(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.status}")


def test_a_job_runs_on_the_in_process_pool_after_the_commit(app, make_user):
    user, _ = make_user()
    job = new_job(actor_for(user), message="hello")
    assert job.status == "queued" and job.done == 0
    enqueue(job)
    finished = wait_for(job.public_id)
    assert finished.status == "done" and finished.done == 3
    assert finished.result == {"echo": {"message": "hello"}}
    assert any(name.startswith("cairn-job") for jid, name in RUNS if jid == job.public_id)


def test_an_exception_marks_the_job_failed(app, make_user):
    user, _ = make_user()
    job = new_job(actor_for(user), mode=FAIL)
    enqueue(job)
    failed = wait_for(job.public_id)
    assert failed.status == "failed"
    assert "RuntimeError" in failed.errors[-1]["message"]


def test_get_job_is_404_for_someone_the_kind_does_not_allow(app, make_user):
    owner, _ = make_user()
    stranger, _ = make_user()
    job = new_job(actor_for(owner))
    assert get_job(actor_for(owner), job.public_id).public_id == job.public_id
    with pytest.raises(JobNotFound):
        get_job(actor_for(stranger), job.public_id)
    with pytest.raises(JobNotFound):
        get_job(actor_for(owner), "no-such-job")


def test_unfinished_jobs_are_resumed_at_start(app, make_user, monkeypatch):
    user, _ = make_user()
    queued = new_job(actor_for(user), n=1)
    running = new_job(actor_for(user), n=2)
    update_job(running.public_id, status="running", done=1)
    finished = new_job(actor_for(user), n=3)
    update_job(finished.public_id, status="done")
    RUNS.clear()
    assert resume_unfinished(app) == 0  # live: another process may be running them
    monkeypatch.setitem(app.config, "JOBS_STALE_SECONDS", -1)  # now they look abandoned
    assert resume_unfinished(app) == 2
    assert wait_for(queued.public_id).status == "done"
    assert wait_for(running.public_id).status == "done"
    assert finished.public_id not in {jid for jid, _ in RUNS}


def test_manual_runner_leaves_jobs_queued_and_broker_selects_celery(app, make_user,
                                                                    monkeypatch):
    user, _ = make_user()
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    job = new_job(actor_for(user))
    enqueue(job)
    time.sleep(0.2)
    db.session.rollback()
    assert load_job(job.public_id).status == "queued"
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "auto")
    monkeypatch.setitem(app.config, "BROKER_URL", "redis://127.0.0.1:6379/15")
    assert runner_name(app) == "celery"
    monkeypatch.setitem(app.config, "BROKER_URL", None)
    assert runner_name(app) == "threads"
    assert "celery" in app.extensions
