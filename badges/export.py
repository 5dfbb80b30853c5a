"""Awards as CSV rows: every assertion matching a list's filters, read page by page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from badges.awards import AssertionFilter, list_assertions
from badges.documents import assertion_url
from badges.models import Assertion
from cairn.auth import Actor
from cairn.db import db, utcnow
from recipients.models import RecipientIdentity

COLUMNS = ("id", "badge_class", "badge_name", "issuer", "recipient_type", "recipient",
           "name", "issued_on", "expires", "status", "revoked_at", "reason", "narrative",
           "page")

def status_of(assertion: Assertion, now: datetime) -> str:
    if assertion.revoked_at is not None:
        return "revoked"
    if assertion.suspended_at is not None:
        return "suspended"
    if assertion.expires_at is not None and assertion.expires_at <= now:
        return "expired"
    return "active"


def _row(assertion: Assertion, identity: str, now: datetime) -> tuple[Any, ...]:
    """One award, showing what the JSON list shows the same reader: the recipient's
    identity included (staff of the issuer see it there too)."""
    return (assertion.public_id, assertion.badge_class.public_id, assertion.badge_class.name,
            assertion.issuer.public_id, str(assertion.recipient_type), identity,
            assertion.recipient_name, assertion.issued_on,
            assertion.expires_at, status_of(assertion, now), assertion.revoked_at,
            assertion.revocation_reason or assertion.suspension_reason, assertion.narrative,
            assertion_url(assertion.public_id))


def _identities(batch: list[Assertion]) -> dict[int, str]:
    """The recipients' identities of a batch in one query, not one per award."""
    ids = {assertion.recipient_identity_id for assertion in batch}
    rows = db.session.execute(sa.select(RecipientIdentity.id, RecipientIdentity.value)
                              .where(RecipientIdentity.id.in_(ids)))
    return {identity_id: value for identity_id, value in rows}


def _read_batch(actor: Actor, filters: AssertionFilter, size: int, before: int | None
                ) -> tuple[list[tuple[Any, ...]], int | None]:
    """One batch of rows, and where the next one starts (None after the last)."""
    found = list_assertions(actor, filters, limit=size, before=before)
    more, found = len(found) > size, found[:size]
    identities, now = _identities(found), utcnow()
    rows = [_row(assertion, identities[assertion.recipient_identity_id], now)
            for assertion in found]
    return rows, found[-1].id if more else None


def assertion_rows(actor: Actor, filters: AssertionFilter, *, batch: int | None = None
                   ) -> Iterator[tuple[Any, ...]]:
    """Every award `actor` may read that matches `filters`, newest first, as rows of
    COLUMNS, read `batch` at a time (default: the API's largest page).

    The first batch is read at once, so a missing scope raises before a response starts.
    The rest is read while the response is sent, after the request's context is gone:
    each later batch opens an app context (and database session) of its own.
    """
    app = current_app._get_current_object()
    size = batch or app.config["PAGE_MAX"]
    first, after = _read_batch(actor, filters, size, None)

    def rows() -> Iterator[tuple[Any, ...]]:
        current, before = first, after
        yield from current
        while before is not None:
            with app.app_context():
                current, before = _read_batch(actor, filters, size, before)
            yield from current

    return rows()
