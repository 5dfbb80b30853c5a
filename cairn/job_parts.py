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
        job = load_job(job_public_id, payload=False)  # read once the part is ours
        if job is None or job.status not in UNFINISHED:
            return None
        part = db.session.scalar(sa.select(JobPart).where(
            JobPart.job_id == job.id, JobPart.number == number)
            .execution_options(populate_existing=True))
        if part is None or part.status == "done" or part.taken_by_id is not None:
            return None
        db.session.execute(sa.update(JobPart).where(JobPart.id == part.id).values(
            status="running", updated_at=utcnow()))
        db.session.execute(sa.update(Job).where(Job.id == job.id, Job.status == "queued")
                           .values(status="running", updated_at=utcnow()))
    return job, part


def take_parts(part: JobPart, kind: str, *, items: int) -> list[tuple[Job, JobPart]]:
    """Other jobs' queued parts of this kind and of `part`'s shard, about `items` items'
    worth, taken over by `part` to run with its own, and any it took before (a re-run
    after a crash). Their own tasks then find them taken and return; a part is taken by
    one part only (the UPDATE re-checks that it is still queued and free).
    `finish_taken` marks them done, `release_taken` gives them back."""
    with transaction():
        free = db.session.execute(sa.select(JobPart.id, JobPart.stop - JobPart.start)
                                  .join(Job, Job.id == JobPart.job_id)
                                  .where(Job.kind == kind, Job.status.in_(UNFINISHED),
                                         JobPart.status == "queued",
                                         JobPart.taken_by_id.is_(None), JobPart.id != part.id,
                                         JobPart.shard.is_not_distinct_from(part.shard))
                                  .order_by(JobPart.id).limit(TAKE_AT_MOST)).all()
        wanted, room = [], items
        for part_id, size in free:
            if size > room:
                break
            wanted.append(part_id)
            room -= size
        if wanted:
            db.session.execute(sa.update(JobPart).where(
                JobPart.id.in_(wanted), JobPart.status == "queued",
                JobPart.taken_by_id.is_(None)).values(
                taken_by_id=part.id, status="running", updated_at=utcnow())
                .execution_options(synchronize_session=False))
        taken = db.session.execute(sa.select(Job, JobPart).join(Job, Job.id == JobPart.job_id)
                                   .where(JobPart.taken_by_id == part.id,
                                          JobPart.status != "done").order_by(JobPart.id)
                                   .execution_options(populate_existing=True)).all()
    return [(job, taken_part) for job, taken_part in taken]


#: The most parts one part takes over at a time.
TAKE_AT_MOST = 100


def finish_taken(reports: list[tuple[Job, JobPart, dict[str, int], list[dict[str, Any]]]],
                 ) -> None:
    """Mark parts taken over done, each with its counts and errors, in one transaction;
    then roll each one's job up."""
    if not reports:
        return
    with transaction():
        for _, part, counts, errors in reports:
            db.session.execute(sa.update(JobPart).where(JobPart.id == part.id).values(
                done=part.stop - part.start, counts=counts, errors=errors[:MAX_ERRORS],
                updated_at=utcnow(), status="done").execution_options(
                synchronize_session=False))
    for job in {job.id: job for job, *_ in reports}.values():
        roll_up(job)


def release_taken(taken: list[tuple[Job, JobPart]]) -> list[Job]:
    """Give parts taken over back to their own jobs (queued again, untaken): the part
    that took them failed. The jobs, to enqueue again."""
    if not taken:
        return []
    with transaction():
        db.session.execute(sa.update(JobPart).where(
            JobPart.id.in_([part.id for _, part in taken]), JobPart.status != "done").values(
            taken_by_id=None, status="queued", updated_at=utcnow())
            .execution_options(synchronize_session=False))
    return list({job.id: job for job, _ in taken}.values())


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
    job = load_job(job_public_id, payload=False)
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
