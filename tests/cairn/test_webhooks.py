"""Outbound webhooks: the API, the signed POST to a live receiver on 127.0.0.1, retries with
a doubling wait, giving up, refusing private addresses, and one send per delivery however
many senders run. tests/badges/test_events.py uses the receiver for awards and revocations."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from cairn.db import db, transaction, utcnow
from cairn.webhook_delivery import deliver_due, deliver_webhooks, start_sweeper
from cairn.webhooks import EVENTS, Webhook, WebhookDelivery, queue_event, verify_signature
from tests.cairn.test_errors import assert_error
from tests.conftest import free_port
from tests.mail_support import wait_until_due  # and the `manual` fixture (no runner)

FINAL = ("delivered", "failed")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


class Receiver:
    """A live HTTP server that records every request and answers the statuses in `replies`
    in turn (then 200), each after `delay` seconds."""

    def __init__(self, **server_options) -> None:
        self.received: list[Received] = []
        self.replies: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, **server_options)
        scheme = "https" if server_options.get("ssl_context") else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.port}/hooks/cairn?source=test"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.received.append(Received(request.full_path, dict(request.headers),
                                          request.get_data()))
            status = self.replies.pop(0) if self.replies else 200
        time.sleep(self.delay)
        headers = {"Location": "/elsewhere"} if 300 <= status < 400 else {}
        return Response("ok", status=status, headers=headers)(environ, start_response)


def running_receiver(**server_options):
    receiver = Receiver(**server_options)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def receiver():
    yield from running_receiver()


def allow_test_receivers(app, monkeypatch) -> None:
    """Receivers on 127.0.0.1, and waits short enough for a test."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_BASE_SECONDS", 0.05)


@pytest.fixture
def hooks(app, monkeypatch):
    allow_test_receivers(app, monkeypatch)


def create_webhook(api, issuer, url, events=EVENTS):
    response = api.post(f"/api/v1/issuers/{issuer['id']}/webhooks",
                        json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.json
    return response.json


def queue(issuer, event="assertion.awarded", **data) -> None:
    with transaction():
        queue_event(issuer["id"], event, data or {"n": 1})


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
                                   .execution_options(populate_existing=True)))


def wait_for_deliveries(count=1, seconds=20) -> list[WebhookDelivery]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = deliveries()
        if len(rows) >= count and all(row.status in FINAL for row in rows):
            return rows
        time.sleep(0.02)
    raise AssertionError(f"deliveries still {[(row.status, row.attempts) for row in rows]}")


def assert_signed(request: Received, secret: str) -> None:
    """The README's recipe, written out again: HMAC-SHA256 of "<timestamp>.<body>"."""
    timestamp = request.headers["X-Cairn-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Cairn-Signature"], f"sha256={expected}")
    assert abs(time.time() - int(timestamp)) < 60


def test_an_event_is_posted_signed_after_the_commit(api, issuer, hooks, receiver):
    webhook = create_webhook(api, issuer, receiver.url)
    queue(issuer, n=7)
    [row] = wait_for_deliveries()
    assert (row.status, row.attempts, row.last_http_status) == ("delivered", 1, 200)
    [request] = receiver.received
    assert request.path == "/hooks/cairn?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Cairn-Event"] == "assertion.awarded"
    assert request.headers["X-Cairn-Delivery"] == row.public_id
    assert_signed(request, webhook["secret"])
    assert verify_signature(webhook["secret"], request.headers["X-Cairn-Timestamp"],
                            request.body, request.headers["X-Cairn-Signature"])
    payload = request.json
    assert set(payload) == {"id", "type", "created", "issuer", "data"}
    assert (payload["id"], payload["type"], payload["issuer"], payload["data"]) == (
        row.public_id, "assertion.awarded", issuer["id"], {"n": 7})
    assert payload["created"].endswith("Z")


def test_verify_signature_refuses_altered_and_stale_requests():
    secret, body, now = "whsec_test", b'{"id":"x"}', time.time()
    header = "sha256=" + hmac.new(secret.encode(), f"{int(now)}.".encode() + body,
                                  hashlib.sha256).hexdigest()
    assert verify_signature(secret, str(int(now)), body, header, now=now)
    assert not verify_signature(secret, str(int(now)), body + b" ", header, now=now)
    assert not verify_signature("whsec_other", str(int(now)), body, header, now=now)
    assert not verify_signature(secret, str(int(now)), body, header, now=now + 301)
    assert not verify_signature(secret, "soon", body, header, now=now)


def test_the_secret_is_shown_once_and_stored_encrypted(api, issuer, hooks, receiver):
    webhook = create_webhook(api, issuer, receiver.url, ["assertion.revoked"])
    secret = webhook["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert webhook["events"] == ["assertion.revoked"] and webhook["active"] is True
    path = f"/api/v1/issuers/{issuer['id']}/webhooks"
    queue(issuer, "assertion.revoked")
    wait_for_deliveries()
    shown = [api.get(path), api.get(f"{path}/{webhook['id']}"),
             api.get(f"{path}/{webhook['id']}/deliveries"),
             api.patch(f"{path}/{webhook['id']}", json={"active": True})]
    for response in shown:
        assert response.status_code == 200
        assert secret not in response.get_data(as_text=True)
        assert "secret" not in json.dumps(response.json)
    db.session.rollback()
    stored = db.session.scalar(sa.select(Webhook))
    assert secret not in stored.secret_encrypted and secret not in repr(stored)


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "https://example.org/hook", "events": ["assertion.deleted"]}, "events"),
    ({"url": "https://example.org/hook", "events": []}, "events"),
    ({"url": "https://example.org/hook"}, "events"),
    ({"url": "ftp://example.org/hook", "events": ["assertion.awarded"]}, "url"),
    ({"url": "https://cairn:pw@example.org/hook", "events": ["assertion.awarded"]}, "url"),
    ({"url": "http://127.0.0.1:8080/hook", "events": ["assertion.awarded"]}, "url"),
    ({"url": "http://[::1]/hook", "events": ["assertion.awarded"]}, "url"),
    ({"url": "http://169.254.169.254/latest", "events": ["assertion.awarded"]}, "url"),
    ({"url": "http://localhost:5000/hook", "events": ["assertion.awarded"]}, "url"),
    ({"url": "https://bücher.example/hook", "events": ["assertion.awarded"]}, "url"),
])
def test_bad_webhooks_are_refused(api, issuer, body, field):
    response = api.post(f"/api/v1/issuers/{issuer['id']}/webhooks", json=body)
    assert field in assert_error(response, 422, "validation_failed")["errors"]


def test_a_name_resolving_to_a_private_address_is_refused_at_send(api, app, issuer, hooks,
                                                                   manual, receiver,
                                                                   monkeypatch):
    create_webhook(api, issuer, receiver.url.replace("127.0.0.1", "localhost"))
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    queue(issuer)
    assert deliver_due() == {"failed": 1}  # at once: another attempt would be refused too
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_http_status) == ("failed", 1, None)
    assert "not a public address" in row.last_error
    assert receiver.received == []


def test_a_500_then_a_200_is_delivered_on_the_second_attempt(api, app, issuer, hooks, manual,
                                                             receiver, monkeypatch):
    # Long enough that a busy machine cannot reach the retry before "not due yet" is asked.
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_BASE_SECONDS", 1.5)
    webhook = create_webhook(api, issuer, receiver.url)
    receiver.replies = [500]
    queue(issuer)
    before = utcnow()
    assert deliver_due() == {"retry": 1}
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_http_status, row.last_error) == (
        "pending", 1, 500, "HTTP 500")
    assert before + timedelta(seconds=1.5) <= row.next_attempt_at
    assert deliver_due() == {}  # not due yet
    wait_until_due(row)
    assert deliver_due() == {"delivered": 1}
    log = api.get(f"/api/v1/issuers/{issuer['id']}/webhooks/{webhook['id']}/deliveries").json
    [entry] = log["items"]
    assert (entry["status"], entry["attempts"], entry["last_http_status"]) == (
        "delivered", 2, 200)
    assert entry["last_error"] is None and entry["next_attempt_at"] is None
    assert entry["delivered_at"] and entry["last_attempt_at"]
    assert [(a["attempt"], a["http_status"]) for a in entry["attempt_log"]] == [(1, 500), (2, 200)]
    first, second = receiver.received
    assert first.body == second.body and first.json["id"] == entry["id"] == entry["payload"]["id"]
    assert first.headers["X-Cairn-Delivery"] == second.headers["X-Cairn-Delivery"]


def test_a_delivery_fails_after_the_last_attempt(api, app, issuer, hooks, manual, monkeypatch):
    create_webhook(api, issuer, f"http://127.0.0.1:{free_port()}/hook")  # nobody listens
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    queue(issuer)
    for expected, delay in (("retry", 0.05), ("retry", 0.1), ("failed", None)):
        started = utcnow()
        assert deliver_due() == {expected: 1}
        [row] = deliveries()
        if delay is not None:  # the wait doubles at each attempt
            wait = timedelta(seconds=delay)
            assert started + wait <= row.next_attempt_at <= utcnow() + wait
            wait_until_due(row)
    assert (row.status, row.attempts, row.last_http_status) == ("failed", 3, None)
    assert "NewConnectionError" in row.last_error and len(row.attempt_log) == 3
    time.sleep(0.25)
    assert deliver_due() == {}  # a failed delivery stays failed


def test_a_timeout_and_a_redirect_are_failed_attempts(api, app, issuer, hooks, manual, receiver,
                                                      monkeypatch):
    create_webhook(api, issuer, receiver.url)
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.2)
    receiver.delay, receiver.replies = 1.0, [200, 302]  # the first answer comes too late
    queue(issuer)
    assert deliver_due() == {"retry": 1}
    assert "ReadTimeoutError" in deliveries()[0].last_error
    receiver.delay = 0
    wait_until_due(deliveries()[0])
    assert deliver_due() == {"retry": 1}
    [row] = deliveries()
    assert (row.last_http_status, row.last_error) == (302, "HTTP 302 (redirects are not followed)")
    assert [request.path for request in receiver.received] == ["/hooks/cairn?source=test"] * 2


def test_an_untrusted_certificate_is_a_failed_attempt(api, issuer, hooks, manual):
    for https in running_receiver(ssl_context="adhoc"):
        create_webhook(api, issuer, https.url)
        queue(issuer)
        assert deliver_due() == {"retry": 1}
        assert "CERTIFICATE_VERIFY_FAILED" in deliveries()[0].last_error
        assert https.received == []


def test_concurrent_senders_send_each_delivery_once(api, app, issuer, hooks, manual, receiver):
    create_webhook(api, issuer, receiver.url)
    with transaction():
        for number in range(12):
            queue_event(issuer["id"], "assertion.awarded", {"n": number})
    ids = [row.id for row in deliveries()]
    start, failures = threading.Barrier(4), []

    def send(use_ids: bool) -> None:
        with app.app_context():
            try:
                start.wait()
                deliver_webhooks(ids) if use_ids else deliver_due()
            except Exception as error:
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(number % 2 == 0,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert {(row.status, row.attempts) for row in deliveries()} == {("delivered", 1)}
    assert sorted(request.json["data"]["n"] for request in receiver.received) == list(range(12))


def test_the_sweep_and_the_cli_send_what_is_due(api, app, issuer, hooks, manual, receiver,
                                                monkeypatch):
    create_webhook(api, issuer, receiver.url)
    queue(issuer)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "delivered: 1, retry: 0, failed: 0, skipped: 0"
    queue(issuer)
    monkeypatch.setitem(app.config, "WEBHOOK_SWEEP_SECONDS", 0.05)
    stop = start_sweeper(app)
    try:
        assert [row.status for row in wait_for_deliveries(2)] == ["delivered", "delivered"]
    finally:
        stop.set()
    assert len(receiver.received) == 2


def test_patch_disables_changes_events_and_rotates_the_secret(api, issuer, hooks, receiver):
    webhook = create_webhook(api, issuer, receiver.url)
    path = f"/api/v1/issuers/{issuer['id']}/webhooks/{webhook['id']}"
    assert api.patch(path, json={"active": False}).json["active"] is False
    queue(issuer)
    assert deliveries() == []
    changed = api.patch(path, json={"active": True, "events": ["nomination.decided"]}).json
    assert changed["events"] == ["nomination.decided"] and "secret" not in changed
    queue(issuer)
    assert deliveries() == []
    rotated = api.patch(path, json={"rotate_secret": True}).json
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != webhook["secret"]
    queue(issuer, "nomination.decided")
    wait_for_deliveries()
    assert_signed(receiver.received[0], rotated["secret"])


def test_retry_sends_a_delivery_again(api, issuer, hooks, manual, receiver):
    webhook = create_webhook(api, issuer, receiver.url)
    path = f"/api/v1/issuers/{issuer['id']}/webhooks/{webhook['id']}"
    queue(issuer)
    [row] = deliveries()
    assert_error(api.post(f"{path}/deliveries/{row.public_id}/retry"), 409,
                 "webhook_delivery_pending")
    assert deliver_due() == {"delivered": 1}
    retried = api.post(f"{path}/deliveries/{row.public_id}/retry")
    assert retried.status_code == 202 and retried.json["status"] == "pending"
    assert deliver_due() == {"delivered": 1}
    assert len(receiver.received) == 2 and deliveries()[0].attempts == 1
    assert_error(api.post(f"{path}/deliveries/nope/retry"), 404, "webhook_delivery_not_found")
    api.patch(path, json={"active": False})
    assert_error(api.post(f"{path}/deliveries/{row.public_id}/retry"), 409, "webhook_disabled")


def test_the_log_is_newest_first_in_pages_and_goes_with_its_webhook(api, issuer, hooks,
                                                                   manual, receiver):
    webhook = create_webhook(api, issuer, receiver.url)
    path = f"/api/v1/issuers/{issuer['id']}/webhooks/{webhook['id']}"
    for number in range(3):
        queue(issuer, n=number)
    first = api.get(f"{path}/deliveries?limit=2").json
    assert [item["payload"]["data"]["n"] for item in first["items"]] == [2, 1]
    rest = api.get(f"{path}/deliveries?limit=2&cursor={first['next_cursor']}").json
    assert [item["payload"]["data"]["n"] for item in rest["items"]] == [0]
    assert rest["next_cursor"] is None
    assert {item["status"] for item in first["items"]} == {"pending"}
    assert api.delete(path).status_code == 204
    assert deliveries() == [] and api.get(f"/api/v1/issuers/{issuer['id']}/webhooks").json == []
    assert_error(api.get(path), 404, "webhook_not_found")
