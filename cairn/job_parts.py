"""Running a job in parts: each part is claimed and reported on its own, and the job's
progress is the sum of its parts'. The last part to finish marks the job done.

Finishing is one conditional UPDATE ("done unless a part is not"): whichever part
commits last runs it after every other part's commit, so it sees them all, on SQLite
and on PostgreSQL alike, with no lock held while the parts work.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from cairn.db import db, transaction, utcnow
from cairn.jobs import MAX_ERRORS, UNFINISHED, Job, JobPart, load_job, mark_failed

log = logging.getLogger(__name__)


def claim_part(job_public_id: str, number: int) -> tuple[Job, JobPart] | None:
    """For tasks: the job and its part, marked running; None when there is nothing to do
    (the job is finished or failed, or the part is done)."""
    with transaction():
        job = load_job(job_public_id)
        if job is None or job.status not in UNFINISHED:
            return None
        part = db.session.scalar(sa.select(JobPart).where(
            JobPart.job_id == job.id, JobPart.number == number)
            .execution_options(populate_existing=True))
        if part is None or part.status == "done":
            return None
        db.session.execute(sa.update(JobPart).where(JobPart.id == part.id).values(
            status="running", updated_at=utcnow()))
        db.session.execute(sa.update(Job).where(Job.id == job.id, Job.status == "queued")
                           .values(status="running", updated_at=utcnow()))
    return job, part


def unfinished_parts(job: Job) -> list[int]:
    return list(db.session.scalars(sa.select(JobPart.number).where(
        JobPart.job_id == job.id, JobPart.status != "done").order_by(JobPart.number)))


def report_part(job: Job, number: int, *, done: int, counts: dict[str, int],
                errors: list[dict[str, Any]], finished: bool = False) -> None:
    """Record a part's progress and roll the parts up into the job."""
    with transaction():
        db.session.execute(sa.update(JobPart).where(
            JobPart.job_id == job.id, JobPart.number == number).values(
            done=done, counts=counts, errors=errors[:MAX_ERRORS], updated_at=utcnow(),
            status="done" if finished else "running"))
    roll_up(job, finishing=finished)


def roll_up(job: Job, *, finishing: bool = True) -> None:
    """Sum the parts into the job; when `finishing`, mark it done unless a part is not.
    (Run alone, it settles a job whose last part finished but whose process died before
    marking the job done.)"""
    with transaction():
        parts = list(db.session.scalars(sa.select(JobPart).where(JobPart.job_id == job.id)
                                        .execution_options(populate_existing=True)))
        values = _rolled_up(job, parts)
        if finishing and db.session.execute(sa.update(Job).where(
                Job.id == job.id, Job.status.in_(UNFINISHED),
                ~sa.exists().where(JobPart.job_id == job.id, JobPart.status != "done"))
                .values(status="done", **values)).rowcount:
            return
        db.session.execute(sa.update(Job).where(Job.id == job.id, Job.status.in_(UNFINISHED))
                           .values(status="running", **values))


def _rolled_up(job: Job, parts: list[JobPart]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for part in parts:
        counts.update(part.counts or {})
    errors = sorted((error for part in parts for error in part.errors or ()),
                    key=lambda error: error.get("row") or 0)
    return {"done": sum(part.done for part in parts), "errors": errors[:MAX_ERRORS],
            "result": {**(job.result or {}), **counts}, "updated_at": utcnow()}


def run_parts(job_public_id: str, part: int | None,
              run_part: Callable[[str, int], None]) -> None:
    """The body of a parted job's task: run `part` (every unfinished part without one),
    settle a job whose parts all finished before a crash, and mark the job failed when a
    part raises."""
    job = load_job(job_public_id)
    if job is None or job.status not in UNFINISHED:
        return
    numbers = [part] if part is not None else unfinished_parts(job)
    if not numbers:
        roll_up(job)
    for number in numbers:
        try:
            run_part(job_public_id, number)
        except Exception as error:
            log.exception("job %s part %s failed", job_public_id, number)
            mark_failed(job_public_id, f"The job stopped: {type(error).__name__}.")
            raise
