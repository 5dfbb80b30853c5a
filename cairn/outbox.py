"""What mail and webhooks share: rows written in the transaction that caused them and sent
after its commit, each claimed before it is sent, retried with a doubling wait, and swept up
when no commit handed them over.

A commit that queued rows hands their ids to the job runner (cairn/jobs.py): one Celery
task per commit with a broker, else one drain at a time on the in-process pool. Rows that
are due again after a failed send are picked up by a periodic sweep (the web process on the
embedded default, each Celery worker with a broker) and by the CLI.

Each send first claims its row with a conditional UPDATE, so two processes never send the
same row, and a process that dies mid-send only delays it by `LEASE`.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from celery.signals import worker_ready
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from cairn.db import db, transaction, utcnow
from cairn.jobs import runner_name, submit

log = logging.getLogger(__name__)

#: How long a claimed row is left to its sender before another process may try it.
LEASE = timedelta(minutes=5)
#: The longest wait between two attempts, whatever the base delay says.
MAX_DELAY = timedelta(days=1)


def backoff(base_seconds: float, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: the base, doubled at each attempt."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), MAX_DELAY)


class Outbox:
    """One kind of row sent after commit. `model` has the columns `id`, `status` ("pending"
    until sent or given up), `attempts` and `next_attempt_at`; `send(ids)` claims and sends
    rows and counts the outcomes; the transaction that adds a row lists it in
    `db.session.info[queued_key]`."""

    def __init__(self, *, name: str, model: Any, queued_key: str, task_name: str,
                 sweep_setting: str, send: Callable[[list[int]], Counter[str]]) -> None:
        self.name, self.model, self.queued_key = name, model, queued_key
        self.task_name, self.sweep_setting, self.send = task_name, sweep_setting, send
        self.backlog_key = f"cairn.{name}.backlog"
        event.listen(db.session, "after_commit", self._after_commit)

    # --- after the commit -----------------------------------------------------------------

    def _after_commit(self, session: Session) -> None:
        queued = session.info.pop(self.queued_key, None)
        # Rows added in a savepoint or transaction that was rolled back are not persistent.
        ids = [row.id for row in queued or () if sa.inspect(row).persistent]
        if ids:
            self.schedule(ids)

    def schedule(self, ids: list[int]) -> None:
        """Hand committed rows to the runner. If that fails, the sweep sends them later."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        runner = runner_name(app)
        if runner == "celery":
            try:
                app.extensions["celery"].send_task(self.task_name, args=[ids])
            except Exception:  # broker unreachable: the rows are committed and stay pending
                log.exception("could not queue %s delivery; the sweep will send it", self.name)
        elif runner == "threads":
            app.extensions[self.backlog_key].add(ids)

    # --- claiming and recording -----------------------------------------------------------

    def deliver_due(self, limit: int = 100) -> Counter[str]:
        """Send every row that is due now, each once (the sweep and the CLI). Rows that
        fail now are due later, so they are not tried again in the same call."""
        now = utcnow()
        outcomes: Counter[str] = Counter()
        while ids := self._due_ids(now, limit):
            outcomes.update(self.send(ids))
        return outcomes

    def _due_ids(self, now: datetime, limit: int) -> list[int]:
        model = self.model
        with transaction():
            return list(db.session.scalars(
                sa.select(model.id).where(model.status == "pending",
                                          model.next_attempt_at <= now)
                .order_by(model.next_attempt_at, model.id).limit(limit)))

    def claim(self, row_id: int) -> Any | None:
        """Take the row for this process. The UPDATE matches only while the row is pending
        and due, so of two racing processes one changes it and the other changes nothing
        (PostgreSQL re-checks the condition after the first commits; SQLite runs one writer
        at a time). The lease makes the row due again if this process dies."""
        model, now = self.model, utcnow()
        with transaction():
            claimed = db.session.execute(
                sa.update(model)
                .where(model.id == row_id, model.status == "pending",
                       model.next_attempt_at <= now)
                .values(attempts=model.attempts + 1, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None
        return db.session.scalar(sa.select(model).where(model.id == row_id)
                                 .execution_options(populate_existing=True))

    def update(self, row_id: int, **values: Any) -> None:
        with transaction():
            db.session.execute(sa.update(self.model).where(self.model.id == row_id)
                               .values(**values).execution_options(synchronize_session=False))

    # --- runners and the sweep ------------------------------------------------------------

    def start_sweeper(self, app: Flask) -> threading.Event | None:
        """Send due rows every `sweep_setting` seconds on a daemon thread; set the returned
        event to stop it. Claims make several sweepers (processes, machines) safe."""
        seconds = float(app.config[self.sweep_setting])
        if seconds <= 0:
            return None
        stop = threading.Event()
        threading.Thread(target=self._sweep, args=(app, seconds, stop), daemon=True,
                         name=f"cairn-{self.name}-sweep").start()
        return stop

    def _sweep(self, app: Flask, seconds: float, stop: threading.Event) -> None:
        while not stop.is_set():
            with app.app_context():
                try:
                    self.deliver_due()
                except Exception:  # the database or the code failed: try again next round
                    log.exception("%s sweep failed", self.name)
                finally:
                    db.session.remove()
            stop.wait(seconds)

    def init_app(self, app: Flask) -> None:
        """Arrange the sweep: from the first request when jobs run in-process (not when a
        CLI command builds the app, nor in tests), in each Celery worker when they run
        there."""
        app.extensions[self.backlog_key] = _Backlog(app, self)
        if runner_name(app) == "celery":  # this process may become a worker
            worker_ready.connect(lambda **_: self.start_sweeper(app), weak=False)
        state = {"started": False}
        lock = threading.Lock()

        @app.before_request
        def _start_sweeper_once() -> None:
            if state["started"]:
                return
            with lock:
                if not state["started"]:
                    state["started"] = True
                    if runner_name(app) == "threads" and not app.testing:
                        self.start_sweeper(app)


class _Backlog:
    """Rows waiting for the in-process pool. One drain runs at a time, so a bulk award of
    10,000 rows keeps one pool thread busy instead of queueing 10,000 tasks."""

    def __init__(self, app: Flask, outbox: Outbox) -> None:
        self.app, self.outbox, self.lock = app, outbox, threading.Lock()
        self.ids: list[int] = []
        self.draining = False

    def add(self, ids: list[int]) -> None:
        with self.lock:
            self.ids.extend(ids)
            if self.draining:
                return
            self.draining = True
        submit(self.app, self.drain)

    def drain(self) -> None:
        while True:
            with self.lock:
                ids, self.ids = self.ids, []
                if not ids:
                    self.draining = False
                    return
            try:
                self.outbox.send(ids)
            except Exception:  # e.g. the database is down: the rows stay pending
                log.exception("%s delivery stopped; the sweep will try again", self.outbox.name)
                db.session.rollback()
