"""Long work as jobs: a `jobs` row a client polls, and a runner that executes it.

The same task function runs in both runners (style.md §9): with `BROKER_URL` set the job
goes to Celery workers by task name; without it (the embedded default) a small in-process
thread pool runs it inside an app context, so a request that queues a job returns at once.
A job is queued only after the commit that created it, and its task must be safe to run
twice: a worker crash (Celery acks late) or a restart (`resume_unfinished`) runs it again.

Domain packages register their job kinds with `register_kind`: the task and the rule
deciding who may read a job of that kind. cairn core never imports them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship

from cairn.auth import Actor
from cairn.db import UTCDateTime, db, new_public_id, transaction, utcnow
from cairn.errors import NotFound

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed")
UNFINISHED = ("queued", "running")
#: Per-row errors kept on a job; more are counted, not stored (the row stays readable).
MAX_ERRORS = 10_000


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (sa.UniqueConstraint("created_by_id", "idempotency_key"),
                      sa.Index("ix_jobs_status", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    # Who may read it is the owning package's rule, applied to this issuer.
    issuer_public_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parts: Mapped[list[JobPart]] = relationship(back_populates="job", order_by="JobPart.number",
                                                cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Job {self.public_id} {self.kind} {self.status}>"


class JobPart(db.Model):
    """A slice of a job's items that one worker runs on its own: the parts of a job run in
    parallel, and a job restarted after a crash runs only the parts not yet done."""

    __tablename__ = "job_parts"
    __table_args__ = (sa.UniqueConstraint("job_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"))
    number: Mapped[int]
    start: Mapped[int]
    stop: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    errors: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The part running this one together with its own (cairn/job_parts.py: take_parts):
    # this part's own task then leaves it to that one.
    taken_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("job_parts.id", ondelete="SET NULL"), index=True)
    # The part's group of items, where a job's kind groups them (`create_job`'s shards):
    # a part takes over only parts of its own shard.
    shard: Mapped[int | None]
    job: Mapped[Job] = relationship(back_populates="parts")


class JobNotFound(NotFound):
    code = "job_not_found"


@dataclass(frozen=True)
class JobKind:
    task_name: str  # the Celery task name
    # The plain task function, called with the job's public id (and, for a kind run in
    # parts, a part number: each part is a task of its own, run in parallel).
    run: Callable[..., Any]
    may_read: Callable[[Actor, Job], bool]
    in_parts: bool = False


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: str, task_name: str, run: Callable[..., Any],
                  may_read: Callable[[Actor, Job], bool], *, in_parts: bool = False) -> None:
    _KINDS[kind] = JobKind(task_name, run, may_read, in_parts)


# --- services ---------------------------------------------------------------------------

def create_job(actor: Actor, kind: str, *, issuer_public_id: str | None, payload: dict,
               total: int, idempotency_key: str | None = None,
               request_hash: str | None = None, part_size: int | None = None,
               result: dict | None = None, shards: Sequence[int] | None = None) -> Job:
    """Add a queued job to the caller's transaction; `enqueue` it after the commit. Its
    `total` items are cut into parts of `part_size` (one part without it); with `shards`
    (each item's shard, items sorted by it), no part holds items of two shards."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    size = max(1, part_size or total or 1)
    job = Job(kind=kind, status="queued", done=0, total=total, errors=[], payload=payload,
              issuer_public_id=issuer_public_id, created_by_id=actor.user_id,
              idempotency_key=idempotency_key, request_hash=request_hash, result=result,
              public_id=new_public_id(), parts=[
                  JobPart(number=number, start=start, stop=stop, shard=shard,
                          status="queued", done=0, counts={}, errors=[])
                  for number, (start, stop, shard) in enumerate(_bounds(total, size, shards))])
    db.session.add(job)
    return job


def _bounds(total: int, size: int, shards: Sequence[int] | None,
            ) -> list[tuple[int, int, int | None]]:
    """(start, stop, shard) of each part: at most `size` items, of one shard."""
    if shards is None:
        return [(start, min(start + size, total), None) for start in range(0, max(total, 1), size)]
    bounds: list[tuple[int, int, int | None]] = []
    start = 0
    while start < total:
        stop = start + 1
        while stop < total and stop - start < size and shards[stop] == shards[start]:
            stop += 1
        bounds.append((start, stop, shards[start]))
        start = stop
    return bounds or [(0, 0, None)]


def find_job_by_key(actor: Actor, idempotency_key: str) -> Job | None:
    return db.session.scalar(sa.select(Job).where(Job.created_by_id == actor.user_id,
                                                  Job.idempotency_key == idempotency_key))


def get_job(actor: Actor, public_id: str) -> Job:
    """The job, or 404 unless its kind's rule lets the actor read it."""
    job = load_job(public_id)
    kind = _KINDS.get(job.kind) if job is not None else None
    if job is None or kind is None or not kind.may_read(actor, job):
        raise JobNotFound("No such job.")
    return job


def load_job(public_id: str, *, payload: bool = True) -> Job | None:
    """For tasks: a fresh read (another process may have changed the row); without its
    payload (loaded when read) for a look at its status."""
    query = sa.select(Job).where(Job.public_id == public_id)
    if not payload:
        query = query.options(defer(Job.payload))
    return db.session.scalar(query.execution_options(populate_existing=True))


def update_job(public_id: str, **values: Any) -> None:
    """One short transaction per update, so pollers see progress while the job runs."""
    values["updated_at"] = utcnow()
    with transaction():
        db.session.execute(sa.update(Job).where(Job.public_id == public_id).values(**values))


def mark_failed(public_id: str, message: str) -> None:
    db.session.rollback()
    job = load_job(public_id)
    if job is None:
        return
    errors = list(job.errors or [])[:MAX_ERRORS - 1] + [{"row": None, "message": message}]
    update_job(public_id, status="failed", errors=errors)


# --- runners ----------------------------------------------------------------------------

def enqueue(job: Job) -> None:
    """Hand a committed job to the runner: Celery when a broker is configured, else the
    in-process pool. `JOBS_RUNNER = "manual"` leaves it queued (tests run tasks by hand)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kind = _KINDS[job.kind]
    runner = runner_name(app)
    tasks = [[job.public_id, part.number] for part in job.parts if part.status != "done"] \
        if kind.in_parts else []
    tasks = tasks or [[job.public_id]]  # no part left to run: the task settles the job
    if runner == "celery":
        try:
            for args in tasks:
                app.extensions["celery"].send_task(kind.task_name, args=args)
        except Exception:  # broker unreachable: the job is committed, say it will not run
            log.exception("could not queue job %s", job.public_id)
            mark_failed(job.public_id, "The job could not be queued; try again later.")
            job.status = "failed"
    elif runner == "threads":
        for args in tasks:
            _executor(app).submit(_run_in_context, app, kind.run, *args)


def runner_name(app: Flask) -> str:
    configured = app.config.get("JOBS_RUNNER") or "auto"
    if configured != "auto":
        return configured
    return "celery" if app.config.get("BROKER_URL") else "threads"


_EXECUTOR_LOCK = threading.Lock()


def _executor(app: Flask) -> ThreadPoolExecutor:
    with _EXECUTOR_LOCK:
        executor = app.extensions.get("cairn.jobs.executor")
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=app.config.get("JOBS_THREADS", 2),
                                          thread_name_prefix="cairn-job")
            app.extensions["cairn.jobs.executor"] = executor
        return executor


def submit(app: Flask, run: Callable[[], Any]) -> None:
    """Run a plain function on the in-process pool, inside an app context: for work with no
    job row to track (mail delivery)."""
    _executor(app).submit(_run_plain, app, run)


def _run_plain(app: Flask, run: Callable[[], Any]) -> None:
    with app.app_context():
        try:
            run()
        except Exception:
            log.exception("background task %s failed", getattr(run, "__name__", run))
        finally:
            db.session.remove()


def _run_in_context(app: Flask, run: Callable[..., Any], job_public_id: str,
                    *part: int) -> None:
    with app.app_context():
        try:
            run(job_public_id, *part)
        except Exception as error:  # the task marks its own failures; this is the backstop
            log.exception("job %s failed", job_public_id)
            try:
                mark_failed(job_public_id, f"The job stopped: {type(error).__name__}.")
            except SQLAlchemyError:
                log.exception("could not mark job %s failed", job_public_id)
        finally:
            db.session.remove()


def resume_unfinished(app: Flask) -> int:
    """Embedded default: queue again the jobs a stopped process left queued or running.
    Their tasks are safe to run twice, so a job that was half done finishes without
    duplicates. Celery needs none of this: unacknowledged tasks are redelivered.

    Only jobs silent for JOBS_STALE_SECONDS are taken: a running job reports progress
    every few rows, so a live job of another process (a second gunicorn worker) is left
    to it instead of being run twice at once."""
    if runner_name(app) != "threads":
        return 0
    stale = utcnow() - timedelta(seconds=app.config["JOBS_STALE_SECONDS"])
    with app.app_context():
        try:
            jobs = list(db.session.scalars(sa.select(Job).where(
                Job.status.in_(UNFINISHED), Job.updated_at < stale)))
        except SQLAlchemyError:  # no schema yet (before `flask db upgrade`)
            db.session.rollback()
            return 0
        for job in jobs:
            if job.kind in _KINDS:
                enqueue(job)
        db.session.remove()
    return len(jobs)


def resume_on_first_request(app: Flask) -> None:
    """Resume when the app starts serving, not when any CLI command builds it (a
    `flask db upgrade` must not start awarding)."""
    state = {"done": False}
    lock = threading.Lock()

    @app.before_request
    def _resume_once() -> None:
        if state["done"]:
            return
        with lock:
            if not state["done"]:
                state["done"] = True
                resume_unfinished(app)


def celery_init_app(app: Flask) -> Celery:
    """Flask's Celery pattern (pallets/flask examples/celery): every task runs inside an
    app context. Tasks are acknowledged late, so a worker that dies mid-job leaves its
    task on the queue for another worker."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object({
        "broker_url": app.config.get("BROKER_URL") or "memory://",
        "task_default_queue": app.config.get("JOBS_QUEUE") or "cairn",
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": _redis_redelivery(app),
    })
    if app.config.get("BROKER_URL"):
        celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _redis_redelivery(app: Flask) -> dict[str, int]:
    """Redis gives the task of a worker that died (unacknowledged) to another worker once
    JOBS_VISIBILITY_TIMEOUT has passed; workers look for such tasks a few times per
    timeout (kombu's default looks every 100 s and waits an hour)."""
    timeout = max(1, int(app.config.get("JOBS_VISIBILITY_TIMEOUT") or 300))
    return {"visibility_timeout": timeout, "unacked_restore_throttle": 1,
            "unacked_restore_interval": max(1, min(10, timeout // 2))}
