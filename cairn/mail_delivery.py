"""Sending the outbox: over SMTP, or to the log on the embedded default.

Queueing after the commit, claiming, the sweep and `flask --app wsgi mail deliver` work as
cairn/outbox.py describes, for mail as for webhooks. A message whose send failed waits
MAIL_RETRY_BASE_SECONDS, doubled at each attempt, and is `failed` after MAIL_MAX_ATTEMPTS.
Delivery is at least once: a crash between the server's acceptance and the recording of it
sends the message again, with the same Message-ID so that mail clients can show it once.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Protocol

from celery import shared_task
from flask import Flask, current_app

from cairn.db import utcnow
from cairn.mail import QUEUED, OutboxMessage
from cairn.outbox import Outbox, backoff

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "none")
DELIVER_TASK = "cairn.deliver_mail"
#: Errors of one send. Anything else is a bug: the message waits for its lease to end.
SEND_ERRORS = (smtplib.SMTPException, OSError, ValueError)


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_mail_task(ids: list[int]) -> None:
    deliver_messages(ids)


def deliver_due(limit: int = 100) -> Counter[str]:
    """Send every message that is due now, each once (the sweep and the CLI)."""
    return OUTBOX.deliver_due(limit)


def deliver_messages(ids: Iterable[int]) -> Counter[str]:
    """Send these messages if they are still pending and due; count the outcomes
    (`sent`, `logged`, `retry`, `failed`, or `skipped` when not due or taken by another
    process)."""
    outcomes: Counter[str] = Counter()
    with _transport(current_app.config) as transport:
        for message_id in ids:
            message = OUTBOX.claim(message_id)
            outcomes[_send(transport, message) if message else "skipped"] += 1
    return outcomes


OUTBOX = Outbox(name="mail", model=OutboxMessage, queued_key=QUEUED, task_name=DELIVER_TASK,
                sweep_setting="MAIL_SWEEP_SECONDS", send=deliver_messages)


def _send(transport: _Transport, message: OutboxMessage) -> str:
    try:
        transport.send(message)
    except SEND_ERRORS as error:
        return _record_failure(message, error)
    OUTBOX.update(message.id, status=transport.done_status, sent_at=utcnow(), last_error=None)
    return transport.done_status


def _record_failure(message: OutboxMessage, error: Exception) -> str:
    """Try again later with exponential backoff; give up after MAIL_MAX_ATTEMPTS, or at
    once for a message that cannot be built (it never will be)."""
    config = current_app.config
    failed = isinstance(error, ValueError) or message.attempts >= int(
        config["MAIL_MAX_ATTEMPTS"])
    delay = backoff(float(config["MAIL_RETRY_BASE_SECONDS"]), message.attempts)
    description = f"{type(error).__name__}: {error}"[:1000]
    log.warning("mail %s: attempt %s failed (%s)%s", message.id, message.attempts,
                description, "; giving up" if failed else "")
    OUTBOX.update(message.id, status="failed" if failed else "pending",
                  last_error=description, next_attempt_at=utcnow() + delay)
    return "failed" if failed else "retry"


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
    to stop it."""
    return OUTBOX.start_sweeper(app)


def init_app(app: Flask) -> None:
    """Check the settings and arrange the sweep (cairn/outbox.py)."""
    if app.config["SMTP_SECURITY"] not in SECURITY_MODES:
        raise ValueError(f"CAIRN_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}")
    OUTBOX.init_app(app)
