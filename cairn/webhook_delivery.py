"""Sending webhook deliveries: one signed POST per attempt.

Queueing after the commit, claiming, the sweep and `flask --app wsgi webhooks deliver` work
as cairn/outbox.py describes, for webhooks as for mail. A 2xx answer delivers; any other
answer (redirects are not followed), a timeout (WEBHOOK_TIMEOUT) or a connection error is
tried again after WEBHOOK_RETRY_BASE_SECONDS, doubled at each attempt, and the delivery is
`failed` after WEBHOOK_MAX_ATTEMPTS. Delivery is at least once: receivers deduplicate by
the delivery id (`X-Cairn-Delivery`, the payload's `id`).

An issuer chooses the URL, so Cairn must not become its probe of Cairn's own network: the
host is resolved, every address must be public (unless WEBHOOK_ALLOW_PRIVATE), and the
connection goes to the address checked, so a DNS answer that changes in between (rebinding)
cannot redirect it. HTTPS still verifies the certificate against the URL's host name.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

import requests.certs
import sqlalchemy as sa
import urllib3
from celery import shared_task
from cryptography.exceptions import InvalidTag
from flask import Flask, current_app

from cairn.db import db, transaction, utcnow
from cairn.outbox import Outbox, backoff
from cairn.webhooks import (
    MAX_LOGGED_ATTEMPTS,
    QUEUED,
    Webhook,
    WebhookDelivery,
    plain_secret,
    rfc3339,
    signature,
)

log = logging.getLogger(__name__)

DELIVER_TASK = "cairn.deliver_webhooks"
USER_AGENT = "Cairn-Webhooks/1"
#: Errors of one attempt, tried again later. Anything else is a bug: the delivery waits
#: for its lease to end.
SEND_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class RefusedAddress(Exception):
    """The URL's host is not a public address: never sent, never tried again."""


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_webhooks_task(ids: list[int]) -> None:
    deliver_webhooks(ids)


def deliver_due(limit: int = 100) -> Counter[str]:
    """Send every delivery that is due now, each once (the sweep and the CLI)."""
    return OUTBOX.deliver_due(limit)


def deliver_webhooks(ids: Iterable[int]) -> Counter[str]:
    """Send these deliveries if they are still pending and due; count the outcomes
    (`delivered`, `retry`, `failed`, or `skipped` when not due or taken by another
    process)."""
    outcomes: Counter[str] = Counter()
    for delivery_id in ids:
        delivery = OUTBOX.claim(delivery_id)
        outcomes[_attempt(delivery) if delivery else "skipped"] += 1
    return outcomes


OUTBOX = Outbox(name="webhook", model=WebhookDelivery, queued_key=QUEUED,
                task_name=DELIVER_TASK, sweep_setting="WEBHOOK_SWEEP_SECONDS",
                send=deliver_webhooks)


def _attempt(delivery: WebhookDelivery) -> str:
    config = current_app.config
    with transaction():  # a fresh read, and no transaction left open during the request
        webhook = db.session.scalar(sa.select(Webhook).where(Webhook.id == delivery.webhook_id)
                                    .execution_options(populate_existing=True))
    if webhook is None:  # deleted with its deliveries since the claim
        return "skipped"
    if not webhook.active:
        return _record(delivery, None, "The webhook is disabled.", final=True)
    try:
        secret = plain_secret(webhook)
    except InvalidTag:
        return _record(delivery, None, "The secret cannot be decrypted (CAIRN_SECRET_KEY "
                       "changed?); rotate it.", final=True)
    body, timestamp = delivery.body.encode(), str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Cairn-Event": delivery.event, "X-Cairn-Delivery": delivery.public_id,
               "X-Cairn-Timestamp": timestamp,
               "X-Cairn-Signature": signature(secret, timestamp, body)}
    try:
        status = post(webhook.url, body, headers, timeout=float(config["WEBHOOK_TIMEOUT"]),
                      allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE"]))
    except RefusedAddress as error:
        return _record(delivery, None, str(error), final=True)
    except SEND_ERRORS as error:
        return _record(delivery, None, f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        return _record(delivery, status, None)
    redirect = " (redirects are not followed)" if 300 <= status < 400 else ""
    return _record(delivery, status, f"HTTP {status}{redirect}")


def _record(delivery: WebhookDelivery, http_status: int | None, error: str | None, *,
            final: bool = False) -> str:
    """Log the attempt; on an error, try again later with a doubling wait, or give up
    after WEBHOOK_MAX_ATTEMPTS (at once for an error that another attempt cannot mend)."""
    config, now = current_app.config, utcnow()
    error = error[:500] if error else None
    entry = {"attempt": delivery.attempts, "at": rfc3339(now), "http_status": http_status,
             "error": error}
    earlier = list(delivery.attempt_log or [])[-(MAX_LOGGED_ATTEMPTS - 1):]
    values = {"last_http_status": http_status, "last_error": error, "last_attempt_at": now,
              "attempt_log": [*earlier, entry]}
    if error is None:
        outcome = "delivered"
        values.update(status="delivered", delivered_at=now)
    else:
        failed = final or delivery.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"])
        outcome = "failed" if failed else "retry"
        delay = backoff(float(config["WEBHOOK_RETRY_BASE_SECONDS"]), delivery.attempts)
        values.update(status="failed" if failed else "pending", next_attempt_at=now + delay)
        log.warning("webhook delivery %s: attempt %s failed (%s)%s", delivery.public_id,
                    delivery.attempts, error, "; giving up" if failed else "")
    OUTBOX.update(delivery.id, **values)
    return outcome


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
         allow_private: bool) -> int:
    """POST once to the address checked, without following redirects; the HTTP status."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = public_address(parts.hostname or "", port, allow_private=allow_private)
    pool_class = urllib3.HTTPSConnectionPool if https else urllib3.HTTPConnectionPool
    tls = {"server_hostname": parts.hostname, "assert_hostname": parts.hostname,
           "cert_reqs": "CERT_REQUIRED", "ca_certs": requests.certs.where()} if https else {}
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    with pool_class(address, port, timeout=urllib3.Timeout(total=timeout), retries=False,
                    **tls) as pool:
        response = pool.urlopen("POST", target, body=body, redirect=False,
                                assert_same_host=False, preload_content=False,
                                headers={**headers, "Host": parts.netloc,
                                         "Connection": "close"})
        response.close()
        return response.status


def public_address(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to: the first the host resolves to, once every one of them
    is public (or `allow_private`)."""
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if not allow_private:
        for address in addresses:
            if not ipaddress.ip_address(address).is_global:
                raise RefusedAddress(f"Refused: {host} resolves to {address}, which is not a "
                                     f"public address.")
    return addresses[0]


# --- the sweep --------------------------------------------------------------------------------

def start_sweeper(app: Flask) -> threading.Event | None:
    """Send due deliveries every WEBHOOK_SWEEP_SECONDS on a daemon thread; set the returned
    event to stop it."""
    return OUTBOX.start_sweeper(app)


def init_app(app: Flask) -> None:
    OUTBOX.init_app(app)
