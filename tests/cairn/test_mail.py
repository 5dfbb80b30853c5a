"""Mail delivery from the outbox: through a real SMTP server (aiosmtpd), or to the log on the
embedded default; retries, giving up, and one send per message however many senders run."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest

from cairn.db import db, transaction, utcnow
from cairn.mail import queue_mail
from cairn.mail_delivery import deliver_due, deliver_messages, start_sweeper
from tests.conftest import free_port
from tests.mail_support import (
    Accounts,
    Recorder,
    outbox,
    point_at,
    queue,
    start_server,
    wait_for_outbox,
    wait_until_due,
)


def test_mail_is_sent_after_the_commit_as_text_and_html(smtp):
    queue("Ada@Example.org", "You’ve earned “Mentor”", "Hello Ada,\nwell done.",
          "<p>Hello Ada, <b>well done</b>.</p>")
    [row] = wait_for_outbox()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "badges@cairn.example"
    assert envelope.rcpt_tos == ["Ada@Example.org"]
    [message] = smtp.messages
    assert message["Subject"] == "You’ve earned “Mentor”"
    assert message["From"] == "Cairn Badges <badges@cairn.example>"
    assert message["To"] == "Ada@Example.org"
    assert message["Message-ID"].endswith("@cairn.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().strip() == "Hello Ada,\nwell done."
    assert html.get_content_type() == "text/html"
    assert "<b>well done</b>" in html.get_content()


def test_mail_of_a_rolled_back_transaction_is_never_sent(smtp):
    with pytest.raises(RuntimeError), transaction():
        queue_mail("ada@example.org", "Never", "Never sent")
        raise RuntimeError("the award failed")
    queue("grace@example.org", "Sent", "Sent")
    [row] = wait_for_outbox()
    assert row.to_address == "grace@example.org"
    assert [message["Subject"] for message in smtp.messages] == ["Sent"]


def test_a_refused_send_is_retried_later_and_delivered_once(smtp, manual):
    smtp.refuse = "451 4.3.0 Try again later"
    message_id = queue()
    before = utcnow()
    assert deliver_due() == {"retry": 1}
    after = utcnow()
    [row] = outbox()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error and "Try again later" in row.last_error
    wait = timedelta(seconds=0.2)
    assert before + wait <= row.next_attempt_at <= after + wait
    assert deliver_due() == {}  # not due yet: nobody hammers the server
    smtp.refuse = None
    wait_until_due(row)
    assert deliver_messages([message_id]) == {"sent": 1}
    assert deliver_due() == {}
    [row] = outbox()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(smtp.envelopes) == 1


def test_a_message_is_failed_after_the_last_attempt(app, smtp, manual, monkeypatch):
    point_at(monkeypatch, app, free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "MAIL_RETRY_BASE_SECONDS", 0.05)
    queue()
    for expected, delay in (("retry", 0.05), ("retry", 0.1), ("failed", None)):
        started = utcnow()
        assert deliver_due() == {expected: 1}
        finished = utcnow()
        [row] = outbox()
        if delay is not None:  # the wait doubles at each attempt
            wait = timedelta(seconds=delay)
            assert started + wait <= row.next_attempt_at <= finished + wait
            wait_until_due(row)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in row.last_error
    time.sleep(0.25)
    assert deliver_due() == {}  # a failed message stays failed


def test_the_embedded_default_logs_the_mail_and_never_the_password(app, manual, monkeypatch,
                                                                    caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    monkeypatch.setitem(app.config, "SMTP_USERNAME", "cairn")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret-Pa55word")
    caplog.set_level(logging.INFO)
    queue("ada@example.org", "Your badge", "Claim it: http://x/claim/abc")
    assert deliver_due() == {"logged": 1}
    [row] = outbox()
    assert (row.status, row.attempts) == ("logged", 1) and row.sent_at is not None
    assert "ada@example.org" in caplog.text and "Your badge" in caplog.text
    assert "Claim it: http://x/claim/abc" in caplog.text
    assert "s3cret-Pa55word" not in caplog.text


def test_signing_in_with_a_wrong_password_is_retried_and_the_password_never_shows(
        app, manual, monkeypatch, caplog):
    recorder = Recorder()
    controller = start_server(recorder, authenticator=Accounts("cairn", "right-Pa55word"),
                              auth_require_tls=False)
    try:
        point_at(monkeypatch, app, controller.port, SMTP_USERNAME="cairn",
                 SMTP_PASSWORD="wrong-Pa55word")
        monkeypatch.setitem(app.config, "MAIL_RETRY_BASE_SECONDS", 0.05)
        caplog.set_level(logging.DEBUG, logger="cairn")
        queue()
        assert deliver_due() == {"retry": 1}
        [row] = outbox()
        assert "535" in row.last_error and "Pa55word" not in row.last_error
        assert "Pa55word" not in caplog.text and not recorder.envelopes
        monkeypatch.setitem(app.config, "SMTP_PASSWORD", "right-Pa55word")
        wait_until_due(row)
        assert deliver_due() == {"sent": 1}
        assert len(recorder.envelopes) == 1
    finally:
        controller.stop()


def test_starttls_is_required_when_configured(app, smtp, manual, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "starttls")
    queue()
    assert deliver_due() == {"retry": 1}
    [row] = outbox()
    assert "STARTTLS" in row.last_error
    assert smtp.envelopes == []


def test_concurrent_deliveries_send_each_message_once(app, smtp, manual):
    ids = [queue(f"person{number}@example.org", f"Message {number}") for number in range(12)]
    start = threading.Barrier(4)
    failures = []

    def deliver(use_ids: bool) -> None:
        with app.app_context():
            try:
                start.wait()
                deliver_messages(ids) if use_ids else deliver_due()
            except Exception as error:
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver, args=(number % 2 == 0,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    rows = outbox()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    subjects = sorted(message["Subject"] for message in smtp.messages)
    assert subjects == sorted(f"Message {number}" for number in range(12))


def test_the_sweep_sends_what_no_commit_handed_over(app, smtp, manual, monkeypatch):
    queue()
    monkeypatch.setitem(app.config, "MAIL_SWEEP_SECONDS", 0.05)
    stop = start_sweeper(app)
    try:
        [row] = wait_for_outbox()
    finally:
        stop.set()
    assert row.status == "sent" and len(smtp.envelopes) == 1


def test_the_cli_sends_the_mail_that_is_due(app, smtp, manual):
    queue()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent: 1, logged: 0, retry: 0, failed: 0, skipped: 0"
    assert len(smtp.envelopes) == 1


def test_with_a_broker_a_celery_worker_sends_the_mail(smtp, smtp_controller, celery_queue,
                                                      tmp_path):
    with celery_queue(tmp_path / "worker.log", MAIL_SWEEP_SECONDS=0, SMTP_HOST="127.0.0.1",
                      SMTP_PORT=smtp_controller.port, SMTP_SECURITY="none"):
        queue()
        [row] = wait_for_outbox(seconds=60)
    assert row.status == "sent" and len(smtp.envelopes) == 1
    assert b"cairn.deliver_mail" in (tmp_path / "worker.log").read_bytes()
