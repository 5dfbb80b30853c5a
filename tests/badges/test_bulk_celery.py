"""Bulk awards on real Celery workers (the production runner) against the Redis on this
machine: the job's parts spread over workers, and a worker killed mid-part loses nothing."""

import signal
import time

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from tests.badges.test_bulk import bulk_path, count_assertions, row, wait_done


def test_a_real_celery_worker_runs_the_job(api, badge_class, celery_queue, tmp_path):
    with celery_queue(tmp_path / "worker.log") as worker:
        response = api.post(bulk_path(badge_class), json={
            "rows": [row(f"w{i}@example.org", f"W {i}") for i in range(4)]})
        assert response.status_code == 202, response.json
        job = wait_done(api, response.json["id"], seconds=90, worker=worker)
    assert job["status"] == "done", job
    assert job["result"]["awarded"] == 4
    assert count_assertions() == 4
    assert b"badges.run_bulk_award" in (tmp_path / "worker.log").read_bytes()


def test_a_worker_killed_mid_job_loses_no_award_and_makes_no_duplicate(
        api, badge_class, app, celery_queue, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 60)
    monkeypatch.setitem(app.config, "BULK_BATCH_SIZE", 10)
    total = 240
    with celery_queue(tmp_path / "first.log", JOBS_VISIBILITY_TIMEOUT=2) as first:
        response = api.post(bulk_path(badge_class), json={
            "rows": [row(f"k{i}@example.org", f"K {i}") for i in range(total)]})
        job_id = response.json["id"]
        deadline = time.monotonic() + 90
        while api.get(f"/api/v1/jobs/{job_id}").json["done"] < 20:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-part: its task is neither done nor acked
        first.wait()
    killed_at = count_assertions()
    assert 0 < killed_at < total
    with celery_queue(tmp_path / "second.log", JOBS_VISIBILITY_TIMEOUT=2) as second:
        job = wait_done(api, job_id, seconds=120, worker=second)
    assert job["status"] == "done", job
    assert job["done"] == total and job["result"]["awarded"] == total
    db.session.rollback()
    identities = db.session.scalars(sa.select(Assertion.recipient_identity_id)).all()
    assert len(identities) == total == len(set(identities))
