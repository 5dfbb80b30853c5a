"""Outbound webhooks: an issuer's subscriptions, and one delivery row per subscriber for each
event, written in the transaction that caused the event (an award, a revocation), so a
rolled-back award sends nothing and a receiver that is down delays nothing.
cairn/webhook_delivery.py sends the rows after the commit.

Every request is signed: `X-Cairn-Signature: sha256=<hex>`, the HMAC-SHA256 keyed with the
webhook's secret (its UTF-8 bytes, as shown once) of `<X-Cairn-Timestamp>.<body>`. The
timestamp (unix seconds) is signed with the body so that a captured request cannot be
replayed later; Cairn's inbound webhooks check the same recipe with `verify_signature`.

Issuers live above cairn core, so a webhook names its issuer by public id (as jobs do) and
the issuers package checks who may manage it before calling these services.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, transaction, utcnow
from cairn.errors import Conflict, NotFound, ValidationFailed
from cairn.kept import Kept
from cairn.keyring import decrypt_secret, encrypt_secret

EVENTS = ("assertion.awarded", "assertion.revoked", "milestone.reached", "nomination.decided")
STATUSES = ("pending", "delivered", "failed")
#: Session.info key: the deliveries queued in the session's current transaction.
QUEUED = "cairn.webhooks.queued"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that makes leaked secrets easy to scan for
#: Each event is sent to every subscriber, so the number of subscribers is bounded.
MAX_WEBHOOKS = 20
#: Attempts kept in a delivery's log (the newest); `attempts` still counts them all.
MAX_LOGGED_ATTEMPTS = 20
#: How old a signed timestamp `verify_signature` accepts, in seconds.
SIGNATURE_TOLERANCE = 300


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class TooManyWebhooks(Conflict):
    code = "too_many_webhooks"


class DeliveryPending(Conflict):
    code = "webhook_delivery_pending"


class WebhookDisabled(Conflict):
    code = "webhook_disabled"


class Webhook(db.Model):
    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    issuer_public_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(default=True)
    # AES-GCM under a key derived from SECRET_KEY, bound to the webhook (cairn/keyring.py).
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Webhook {self.public_id} {'active' if self.active else 'disabled'}>"


class WebhookDelivery(db.Model):
    """One event for one webhook, and the log of its attempts. The body is kept as sent:
    every attempt carries the same bytes (and the same id, for receivers to deduplicate)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_http_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # [{"attempt", "at", "http_status", "error"}], oldest first.
    attempt_log: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.public_id} {self.event} {self.status}>"


# --- signing --------------------------------------------------------------------------------

def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Cairn-Signature value of a body sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify_signature(secret: str, timestamp: str, body: bytes, header: str, *,
                     now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """Whether a request carries this recipe's signature, made within `tolerance` seconds
    of `now` (a replay of an old request fails)."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(signature(secret, timestamp, body),
                                                    header.strip())


def plain_secret(webhook: Webhook) -> str:
    return decrypt_secret(webhook.secret_encrypted, context=_context(webhook)).decode()


def _new_secret(webhook: Webhook) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook.secret_encrypted = encrypt_secret(secret.encode(), context=_context(webhook))
    return secret


def _context(webhook: Webhook) -> str:
    return f"webhook:{webhook.public_id}"


# --- queueing events ------------------------------------------------------------------------

def queue_event(issuer_public_id: str, event: str, data: dict[str, Any]) -> None:
    """Add one delivery of the event per active webhook of the issuer subscribed to it, in
    the caller's transaction (sent after its commit)."""
    queue_events(issuer_public_id, event, [data])


def queue_events(issuer_public_id: str, event: str, items: Iterable[dict[str, Any]], *,
                 version: Hashable | None = None) -> None:
    """`queue_event` for many events of one kind (a bulk award): the subscribers are read
    once. With `version`, a value that changes whenever the issuer's webhooks do (the
    issuers package touches the issuer with every change), they are read once per
    process and version: an award needs no query to find that nobody listens."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    items = list(items)
    if not items:
        return
    listening = [webhook_id for webhook_id, events in _subscribers(issuer_public_id, version)
                 if event in events]
    now = utcnow()
    deliveries = [_delivery(webhook_id, event, issuer_public_id, data, now)
                  for data in items for webhook_id in listening]
    db.session.add_all(deliveries)
    db.session.info.setdefault(QUEUED, []).extend(deliveries)


_SUBSCRIBERS: Kept[list[tuple[int, tuple[str, ...]]]] = Kept(512)


def _subscribers(issuer_public_id: str,
                 version: Hashable | None) -> list[tuple[int, tuple[str, ...]]]:
    """(id, events) of the issuer's active webhooks; kept under `version` when given."""
    def read() -> list[tuple[int, tuple[str, ...]]]:
        return [(webhook_id, tuple(events)) for webhook_id, events in db.session.execute(
            sa.select(Webhook.id, Webhook.events).where(
                Webhook.issuer_public_id == issuer_public_id, Webhook.active.is_(True))
            .order_by(Webhook.id))]

    if version is None:
        return read()
    return _SUBSCRIBERS.get_or_make((issuer_public_id, version), read)


def _delivery(webhook_id: int, event: str, issuer_public_id: str, data: dict[str, Any],
              now: datetime) -> WebhookDelivery:
    public_id = new_public_id()
    payload = {"id": public_id, "type": event, "created": rfc3339(now),
               "issuer": issuer_public_id, "data": data}
    return WebhookDelivery(
        public_id=public_id, webhook_id=webhook_id, event=event, status="pending", attempts=0,
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        attempt_log=[], next_attempt_at=now, created_at=now)


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- managing webhooks (the caller has checked the actor may) -------------------------------

def create_webhook(issuer_public_id: str, *, url: str,
                   events: list[str]) -> tuple[Webhook, str]:
    """A new active webhook and its secret (shown this once, stored encrypted)."""
    check_url(url)
    with transaction():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Webhook).where(
            Webhook.issuer_public_id == issuer_public_id))
        if count >= MAX_WEBHOOKS:
            raise TooManyWebhooks(f"An issuer can have at most {MAX_WEBHOOKS} webhooks.")
        webhook = Webhook(public_id=new_public_id(), issuer_public_id=issuer_public_id,
                          url=url, events=_events(events), active=True)
        secret = _new_secret(webhook)
        db.session.add(webhook)
    return webhook, secret


def list_webhooks(issuer_public_id: str) -> list[Webhook]:
    return list(db.session.scalars(sa.select(Webhook).where(
        Webhook.issuer_public_id == issuer_public_id).order_by(Webhook.id)))


def get_webhook(issuer_public_id: str, webhook_public_id: str) -> Webhook:
    """The webhook if it belongs to this issuer: another issuer's is not found."""
    webhook = db.session.scalar(sa.select(Webhook).where(
        Webhook.issuer_public_id == issuer_public_id, Webhook.public_id == webhook_public_id))
    if webhook is None:
        raise WebhookNotFound("No such webhook.")
    return webhook


def update_webhook(issuer_public_id: str, webhook_public_id: str, *, url: str | None = None,
                   events: list[str] | None = None, active: bool | None = None,
                   rotate_secret: bool = False) -> tuple[Webhook, str | None]:
    """Change what is given; with `rotate_secret`, the new secret (shown this once). It
    replaces the old one at once: requests already sent stay signed with the old one."""
    if url is not None:
        check_url(url)
    with transaction():
        webhook = get_webhook(issuer_public_id, webhook_public_id)
        if url is not None:
            webhook.url = url
        if events is not None:
            webhook.events = _events(events)
        if active is not None:
            webhook.active = active
        secret = _new_secret(webhook) if rotate_secret else None
    return webhook, secret


def delete_webhook(issuer_public_id: str, webhook_public_id: str) -> None:
    """Delete the webhook and its delivery log; a delivery being sent finishes unrecorded."""
    with transaction():
        db.session.delete(get_webhook(issuer_public_id, webhook_public_id))


def list_deliveries(issuer_public_id: str, webhook_public_id: str, *, limit: int,
                    before: int | None) -> list[WebhookDelivery]:
    """Newest first; `limit + 1` rows, for keyset pagination."""
    if before is not None and not isinstance(before, int):
        raise ValidationFailed("The cursor is not valid.", {"cursor": ["Not a valid cursor."]})
    webhook = get_webhook(issuer_public_id, webhook_public_id)
    query = (sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
             .order_by(WebhookDelivery.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(db.session.scalars(query))


def retry_delivery(issuer_public_id: str, webhook_public_id: str,
                   delivery_public_id: str) -> WebhookDelivery:
    """Send a delivered or failed delivery again, with a new round of attempts. A pending
    one is refused: it may be being sent right now, and its lease must hold."""
    with transaction():
        webhook = get_webhook(issuer_public_id, webhook_public_id)
        if not webhook.active:
            raise WebhookDisabled("Enable the webhook before retrying its deliveries.")
        delivery = db.session.scalar(sa.select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.public_id == delivery_public_id))
        if delivery is None:
            raise DeliveryNotFound("No such delivery.")
        reopened = db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status != "pending")
            .values(status="pending", attempts=0, next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if reopened != 1:
            raise DeliveryPending("This delivery is waiting for its next attempt already.")
        db.session.refresh(delivery)
        db.session.info.setdefault(QUEUED, []).append(delivery)
    return delivery


def _events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise ValidationFailed("Unknown or missing events.", {
            "events": [f"Choose one or more of: {', '.join(EVENTS)}."]})
    return [event for event in EVENTS if event in events]


def check_url(url: str) -> None:
    """http(s) with a host and no credentials (the URL shows in the API). A private,
    loopback or link-local IP address is refused here unless WEBHOOK_ALLOW_PRIVATE; a name
    is resolved and checked at each send, where its address is the one connected to."""
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "Must be an http:// or https:// URL."
    elif not url.isascii():
        problem = "Must be ASCII: write a host name in its punycode (xn--) form."
    elif parts.username is not None or parts.password is not None:
        problem = "Must not hold credentials: the signature authenticates Cairn."
    elif not current_app.config["WEBHOOK_ALLOW_PRIVATE"] and _private_host(parts.hostname):
        problem = "Must be a public address."
    if problem:
        raise ValidationFailed("The webhook URL is not accepted.", {"url": [problem]})


def _private_host(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False
