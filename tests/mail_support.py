"""A real SMTP server (aiosmtpd) for the tests, the app pointed at it, and the outbox as
the tests read it. Registered as a pytest plugin in tests/conftest.py."""

from __future__ import annotations

import email
import time
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cairn.db import db, transaction, utcnow
from cairn.mail import OutboxMessage, queue_mail
from tests.conftest import free_port

FINAL = ("sent", "logged", "failed")


class Recorder:
    """An aiosmtpd handler that keeps what it accepts, or answers `refuse` to DATA."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        """Parsed, with the wire's CRLF line ends as Python's."""
        return [email.message_from_bytes(envelope.content.replace(b"\r\n", b"\n"),
                                         policy=policy.default) for envelope in self.envelopes]


class Accounts:
    """An aiosmtpd authenticator with one account."""

    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        good = isinstance(auth_data, LoginPassword) and \
            (auth_data.login, auth_data.password) == (self.login, self.password)
        return AuthResult(success=good, handled=False)  # the server answers 235 or 535


def start_server(recorder: Recorder, **options) -> Controller:
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@pytest.fixture(scope="module")
def smtp_controller():
    controller = start_server(Recorder())
    yield controller
    controller.stop()


@pytest.fixture
def smtp(app, smtp_controller, monkeypatch):
    """The app sends to a fresh recorder on a real SMTP server for this test."""
    recorder = Recorder()
    monkeypatch.setattr(smtp_controller, "handler", recorder)  # each connection reads it
    point_at(monkeypatch, app, smtp_controller.port)
    monkeypatch.setitem(app.config, "MAIL_RETRY_BASE_SECONDS", 0.2)
    return recorder


def point_at(monkeypatch, app, port: int, **settings) -> None:
    values = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
              "SMTP_USERNAME": None, "SMTP_PASSWORD": None, "SMTP_TIMEOUT": 5,
              "SMTP_FROM": "Cairn Badges <badges@cairn.example>", **settings}
    for name, value in values.items():
        monkeypatch.setitem(app.config, name, value)


@pytest.fixture
def manual(app, monkeypatch):
    """Nothing is sent after a commit: the test runs delivery itself."""
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")


def queue(to="ada@example.org", subject="Hello", text="Plain body", html=None) -> int:
    with transaction():
        message = queue_mail(to, subject, text, html)
    return message.id


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)
                                   .execution_options(populate_existing=True)))


def wait_for_outbox(done=lambda rows: all(row.status in FINAL for row in rows),
                    seconds=20) -> list[OutboxMessage]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = outbox()
        if rows and done(rows):
            return rows
        time.sleep(0.02)
    raise AssertionError(f"outbox still {[(row.status, row.attempts) for row in outbox()]}")


def wait_until_due(message: OutboxMessage) -> None:
    time.sleep(max(0.0, (message.next_attempt_at - utcnow()).total_seconds()) + 0.01)
