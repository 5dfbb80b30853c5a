"""Sending the outbox: over SMTP, or to the log on the embedded default.

A commit that queued mail hands the new messages to the job runner (cairn/jobs.py): one
Celery task per commit with a broker, else one drain at a time on the in-process pool.
Messages that are due again after a failed send are picked up by a periodic sweep (the
web process on the embedded default, each Celery worker with a broker) and by
`flask --app wsgi mail deliver`.

Each send first claims its row with a conditional UPDATE, so two processes never send
the same message, and a process that dies mid-send only delays it by `LEASE`. A message
whose send failed waits MAIL_RETRY_BASE_SECONDS, doubled at each attempt, and is
`failed` after MAIL_MAX_ATTEMPTS. Delivery is at least once: a crash between the
server's acceptance and the recording of it sends the message again, with the same
Message-ID so that mail clients can show it once.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Protocol

import sqlalchemy as sa
from celery import shared_task
from celery.signals import worker_ready
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from cairn.db import db, transaction, utcnow
from cairn.jobs import runner_name, submit
from cairn.mail import QUEUED, OutboxMessage

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "none")
DELIVER_TASK = "cairn.deliver_mail"
#: How long a claimed message is left to its sender before another process may try it.
LEASE = timedelta(minutes=5)
#: The longest wait between two attempts, whatever MAIL_RETRY_BASE_SECONDS says.
MAX_DELAY = timedelta(days=1)
#: Errors of one send. Anything else is a bug: the message waits for its lease to end.
SEND_ERRORS = (smtplib.SMTPException, OSError, ValueError)


# --- after the commit -------------------------------------------------------------------

def _after_commit(session: Session) -> None:
    queued = session.info.pop(QUEUED, None)
    # Messages added in a savepoint or transaction that was rolled back are not persistent.
    ids = [message.id for message in queued or () if sa.inspect(message).persistent]
    if ids:
        schedule_delivery(ids)


event.listen(db.session, "after_commit", _after_commit)


def schedule_delivery(ids: list[int]) -> None:
    """Hand committed messages to the runner. If that fails, the sweep sends them later."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = runner_name(app)
    if runner == "celery":
        try:
            app.extensions["celery"].send_task(DELIVER_TASK, args=[ids])
        except Exception:  # broker unreachable: the rows are committed and stay pending
            log.exception("could not queue mail delivery; the sweep will send it")
    elif runner == "threads":
        app.extensions["cairn.mail.backlog"].add(ids)


class _Backlog:
    """Messages waiting for the in-process pool. One drain runs at a time, so a bulk award
    of 10,000 rows keeps one pool thread busy instead of queueing 10,000 tasks."""

    def __init__(self, app: Flask) -> None:
        self.app, self.lock = app, threading.Lock()
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
                deliver_messages(ids)
            except Exception:  # e.g. the database is down: the rows stay pending
                log.exception("mail delivery stopped; the sweep will try again")
                db.session.rollback()


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_mail_task(ids: list[int]) -> None:
    deliver_messages(ids)


# --- delivery ---------------------------------------------------------------------------

def deliver_due(limit: int = 100) -> Counter[str]:
    """Send every message that is due now, each once (the sweep and the CLI). Messages
    that fail now are due later, so they are not tried again in the same call."""
    now = utcnow()
    outcomes: Counter[str] = Counter()
    while ids := _due_ids(now, limit):
        outcomes.update(deliver_messages(ids))
    return outcomes


def _due_ids(now: datetime, limit: int) -> list[int]:
    with transaction():
        return list(db.session.scalars(
            sa.select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                              OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def deliver_messages(ids: Iterable[int]) -> Counter[str]:
    """Send these messages if they are still pending and due; count the outcomes
    (`sent`, `logged`, `retry`, `failed`, or `skipped` when not due or taken by another
    process)."""
    outcomes: Counter[str] = Counter()
    with _transport(current_app.config) as transport:
        for message_id in ids:
            message = _claim(message_id)
            outcomes[_send(transport, message) if message else "skipped"] += 1
    return outcomes


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message for this process. The UPDATE matches only while the row is
    pending and due, so of two racing processes one changes it and the other changes
    nothing (PostgreSQL re-checks the condition after the first commits; SQLite runs one
    writer at a time). The lease makes the row due again if this process dies."""
    now = utcnow()
    with transaction():
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                   OutboxMessage.next_attempt_at <= now)
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == message_id)
                             .execution_options(populate_existing=True))


def _send(transport: _Transport, message: OutboxMessage) -> str:
    try:
        transport.send(message)
    except SEND_ERRORS as error:
        return _record_failure(message, error)
    _update(message.id, status=transport.done_status, sent_at=utcnow(), last_error=None)
    return transport.done_status


def _record_failure(message: OutboxMessage, error: Exception) -> str:
    """Try again later with exponential backoff; give up after MAIL_MAX_ATTEMPTS, or at
    once for a message that cannot be built (it never will be)."""
    config = current_app.config
    failed = isinstance(error, ValueError) or message.attempts >= int(
        config["MAIL_MAX_ATTEMPTS"])
    delay = min(timedelta(seconds=float(config["MAIL_RETRY_BASE_SECONDS"])
                          * 2 ** (message.attempts - 1)), MAX_DELAY)
    description = f"{type(error).__name__}: {error}"[:1000]
    log.warning("mail %s: attempt %s failed (%s)%s", message.id, message.attempts,
                description, "; giving up" if failed else "")
    _update(message.id, status="failed" if failed else "pending", last_error=description,
            next_attempt_at=utcnow() + delay)
    return "failed" if failed else "retry"


def _update(message_id: int, **values: Any) -> None:
    with transaction():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(**values).execution_options(synchronize_session=False))


# --- transports -------------------------------------------------------------------------

class _Transport(Protocol):
    done_status: str

    def send(self, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def _transport(config: dict[str, Any]) -> Iterator[_Transport]:
    transport: _Transport = SmtpTransport(config) if config.get("SMTP_HOST") else LogTransport()
    try:
        yield transport
    finally:
        transport.close()


class LogTransport:
    """The embedded default: no mail leaves the machine; the log shows what would have."""

    done_status = "logged"

    def send(self, message: OutboxMessage) -> None:
        log.info("mail %s not sent (CAIRN_SMTP_HOST is not set):\nTo: %s\nSubject: %s\n\n%s",
                 message.id, message.to_address, message.subject, message.text_body)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection, opened at the first send and reused until an error."""

    done_status = "sent"

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: OutboxMessage) -> None:
        email = build_email(message, str(self.config["SMTP_FROM"]))
        if self.smtp is None:
            self.smtp = connect(self.config)
        try:
            self.smtp.send_message(email)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp.close()
            self.smtp = None


def connect(config: dict[str, Any]) -> smtplib.SMTP:
    """Connect and sign in. With "starttls", a server that does not offer STARTTLS is an
    error: the password and the mail are never sent in the clear by surprise. Values go
    through str()/int() because CAIRN_* variables are parsed as JSON when they can be."""
    host, port = str(config["SMTP_HOST"]), int(config["SMTP_PORT"])
    timeout, security = float(config["SMTP_TIMEOUT"]), config["SMTP_SECURITY"]
    if security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(str(config["SMTP_USERNAME"]), str(config.get("SMTP_PASSWORD") or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """Plain text, with the HTML as the preferred alternative (multipart/alternative)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = (f"<cairn.outbox.{message.id}."
                           f"{int(message.created_at.timestamp() * 1e6)}@{domain}>")
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


# --- the sweep --------------------------------------------------------------------------

def start_sweeper(app: Flask) -> threading.Event | None:
    """Send due mail every MAIL_SWEEP_SECONDS on a daemon thread; set the returned event
    to stop it. Claims make several sweepers (processes, machines) safe."""
    seconds = float(app.config["MAIL_SWEEP_SECONDS"])
    if seconds <= 0:
        return None
    stop = threading.Event()
    threading.Thread(target=_sweep, args=(app, seconds, stop), daemon=True,
                     name="cairn-mail-sweep").start()
    return stop


def _sweep(app: Flask, seconds: float, stop: threading.Event) -> None:
    while not stop.is_set():
        with app.app_context():
            try:
                deliver_due()
            except Exception:  # the database or the code failed: try again next round
                log.exception("mail sweep failed")
            finally:
                db.session.remove()
        stop.wait(seconds)


def init_app(app: Flask) -> None:
    """Check the settings and arrange the sweep: from the first request when jobs run
    in-process (not when a CLI command builds the app, nor in tests), in each Celery
    worker when they run there."""
    if app.config["SMTP_SECURITY"] not in SECURITY_MODES:
        raise ValueError(f"CAIRN_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}")
    app.extensions["cairn.mail.backlog"] = _Backlog(app)
    if runner_name(app) == "celery":  # this process may become a worker
        worker_ready.connect(lambda **_: start_sweeper(app), weak=False)
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
                    start_sweeper(app)
