"""Many awards of one badge class at once: the bulk-award path.

What does not depend on the row (permission, badge class, keys, credential template) is
done once per batch, and the rest with one statement per batch instead of several per
row: earlier runs' awards, current holders, status positions, identities and the INSERT.
Signing, the bulk of the work, happens between two short transactions and holds no lock,
so batches on several threads or workers sign in parallel (RSA releases the GIL) while
their writes take turns.

The result is the same as awarding row by row with `award_badge` and each row's
Idempotency-Key. A batch that meets a conflict (a racing run of the same rows) raises
IntegrityError with nothing of it stored, and the caller falls back to that row-by-row
path. Status positions reserved by a batch that then fails are left unused.

A caller with a uniqueness of its own (the pathway engine: one award per milestone and
person) passes a `BatchClaim`: in the storing transaction it claims the rows first, and
only the rows it wins are stored; it then records what was stored, in that transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from badges.awards import AwardDetails, Recipient, award_request_hash, build_assertion
from badges.credentials import issue_credential
from badges.events import queue_awarded
from badges.models import Assertion, BadgeClass
from badges.notifications import queue_award_notification
from badges.services import get_badge_class
from badges.signals import badge_awarded
from badges.status import allocate_statuses
from cairn.auth import Actor
from cairn.db import db, transaction
from cairn.inserts import copy_rows, join_as_stored, row_values
from issuers.models import KeyType
from issuers.services import signing_keys
from recipients.models import IdentityType, RecipientIdentity
from recipients.services import normalise_identity, resolve_identities

AWARDED, ALREADY_HELD, CLAIMED = "awarded", "already_held", "claimed_elsewhere"


@dataclass(frozen=True)
class BatchItem:
    key: str  # the row's Idempotency-Key
    recipient: Recipient
    details: AwardDetails
    #: The recipient's stored identity, when the caller has it loaded already (the pathway
    #: engine does): then it is neither looked up nor inserted again.
    identity: RecipientIdentity | None = None


class BatchClaim(Protocol):
    """A caller's own claim on the rows of a batch, made in the transaction that stores
    them (see the module's docstring)."""

    def claim(self, keys: Sequence[str]) -> set[str]:
        """Claim these rows; the keys won (the others are not stored)."""

    def stored(self, new: Sequence[tuple[Assertion, BatchItem]]) -> None:
        """Record the awards stored (flushed, with their ids)."""


def award_batch(actor: Actor, badge_class_public_id: str, items: Sequence[BatchItem], *,
                claim: BatchClaim | None = None, earlier_runs: bool = True,
                ) -> dict[str, str]:
    """Award each item unless its key was awarded before or its person already holds the
    badge (or, with `claim`, the claim was lost); returns each key's outcome.

    `earlier_runs=False` skips looking the keys up, for a caller whose claim rules out an
    earlier run's award under them (the pathway engine stores its claim row with the
    award): an award under one of them that appeared all the same breaks the unique
    (awarder, key) constraint, and the batch raises IntegrityError as for any race."""
    outcomes, new = _plan(actor, badge_class_public_id, items, earlier_runs)
    if new:
        with transaction(), db.session.no_autoflush:  # short: reserves status positions
            allocate_statuses([assertion for assertion, _ in new])
        _sign([assertion for assertion, _ in new])
        with transaction(), db.session.no_autoflush:
            if claim is not None:
                won = claim.claim([item.key for _, item in new])
                outcomes |= {item.key: CLAIMED for _, item in new if item.key not in won}
                new = [(assertion, item) for assertion, item in new if item.key in won]
            if new:
                _store(new)
            if claim is not None and new:
                db.session.flush()
                claim.stored(new)
    for assertion, _ in new:
        badge_awarded.send(assertion)
    return outcomes


def _plan(actor: Actor, badge_class_public_id: str, items: Sequence[BatchItem],
          earlier_runs: bool) -> tuple[dict[str, str], list[tuple[Assertion, BatchItem]]]:
    """Read-only: which rows to award, as unsigned assertions (with unsaved identities)."""
    with transaction():
        badge_class = get_badge_class(actor, badge_class_public_id, "award")
        signing_keys(badge_class.issuer)  # made on first use, before the lock-free signing
        outcomes = dict.fromkeys(_keys_awarded(actor, [item.key for item in items]), AWARDED) \
            if earlier_runs else {}
        pending = [(item, item.identity or _identity(item.recipient)) for item in items
                   if item.key not in outcomes]
        holders = _holders(badge_class, [identity for _, identity in pending])
        new: list[tuple[Assertion, BatchItem]] = []
        for item, identity in pending:
            if (identity.type, identity.value) in holders:
                outcomes[item.key] = ALREADY_HELD
                continue
            holders.add((identity.type, identity.value))
            assertion = build_assertion(actor, badge_class, identity, item.recipient.name,
                                        item.details)
            assertion.idempotency_key = item.key
            assertion.request_hash = award_request_hash(badge_class_public_id, item.recipient,
                                                        item.details)
            new.append((assertion, item))
            outcomes[item.key] = AWARDED
    return outcomes, new


def _identity(recipient: Recipient) -> RecipientIdentity:
    return RecipientIdentity(type=recipient.type,
                             value=normalise_identity(recipient.type, recipient.identity))


def _sign(assertions: list[Assertion]) -> None:
    key = signing_keys(assertions[0].issuer)[KeyType.ed25519]
    for assertion in assertions:
        issue_credential(assertion, key)


def _store(new: list[tuple[Assertion, BatchItem]]) -> None:
    """Save the signed awards with their identities (made where new) and their
    notifications, in one transaction."""
    identities = resolve_identities(
        (assertion.recipient.type, assertion.recipient.value) for assertion, item in new
        if item.identity is None)
    for assertion, item in new:
        if item.identity is None:
            assertion.recipient = identities[(assertion.recipient.type,
                                              assertion.recipient.value)]
    _insert([assertion for assertion, _ in new])
    for assertion, item in new:
        if item.details.notify:
            queue_award_notification(assertion)
    queue_awarded([assertion for assertion, _ in new])


def _insert(assertions: list[Assertion]) -> None:
    """Store the awards. On PostgreSQL with COPY (`cairn.inserts.copy_rows`), ids taken
    from the sequence first, where the ORM's flush (a multi-row INSERT .. RETURNING) made
    psycopg parse a statement of thousands of placeholders per batch. The awards then
    join the session as the persistent rows they are."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.add_all(assertions)
        db.session.flush()
        return
    table = Assertion.__table__
    ids = db.session.scalars(sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(
        table.name, table.c.id.name))).select_from(sa.func.generate_series(1, len(assertions))))
    for assertion, assertion_id in zip(assertions, ids, strict=True):
        assertion.id = assertion_id
    copy_rows(table, [row_values(assertion) for assertion in assertions])
    for assertion in assertions:
        join_as_stored(assertion)


def _keys_awarded(actor: Actor, keys: list[str]) -> list[str]:
    return list(db.session.scalars(sa.select(Assertion.idempotency_key).where(
        Assertion.awarded_by_id == actor.user_id, _any_of(Assertion.idempotency_key, keys))))


def _holders(badge_class: BadgeClass, identities: list[RecipientIdentity],
             ) -> set[tuple[IdentityType, str]]:
    """The identities among these that hold an unrevoked award of the badge class: by id
    when every one is stored already (the pathway engine's), else by type and value."""
    if not identities:
        return set()
    held = sa.select(RecipientIdentity.type, RecipientIdentity.value).join(
        Assertion, Assertion.recipient_identity_id == RecipientIdentity.id).where(
        Assertion.badge_class_id == badge_class.id, Assertion.revoked_at.is_(None))
    if all(identity.id is not None for identity in identities):
        return set(db.session.execute(held.where(_any_of(
            Assertion.recipient_identity_id, {identity.id for identity in identities}))))
    wanted = {(identity.type, identity.value) for identity in identities}
    rows = db.session.execute(held.where(_any_of(RecipientIdentity.value,
                                                 {value for _, value in wanted})))
    return {(kind, value) for kind, value in rows if (kind, value) in wanted}


def _any_of(column: sa.ColumnElement, values: Collection[Any]) -> sa.ColumnElement[bool]:
    """`column IN values`, as `column = ANY(:array)` on PostgreSQL: psycopg parses a long
    statement's placeholders on every call, one array parameter keeps it short (cached)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values),
                                              type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))
