"""Awarding, listing and revoking assertions."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from badges.credentials import issue_credential
from badges.errors import (
    AlreadyRevoked,
    AlreadySuspended,
    AssertionNotFound,
    IdempotencyConflict,
    InvalidAward,
    NotSuspendable,
    NotSuspended,
)
from badges.events import queue_awarded, queue_revoked
from badges.models import Assertion, BadgeClass
from badges.notifications import queue_award_notification
from badges.services import get_badge_class
from badges.signals import assertion_revoked, badge_awarded
from badges.status import allocate_status, set_status
from cairn.auth import Actor, MissingScope
from cairn.db import db, new_public_id, transaction, utcnow
from cairn.epochs import bump_corrections
from cairn.errors import NotFound
from cairn.inserts import insert_object
from issuers.models import Issuer, KeyType
from issuers.permissions import authorize, visible_issuers_clause
from issuers.signers import current_signers
from recipients.hashing import hash_identity, new_salt
from recipients.models import IdentityType, RecipientIdentity
from recipients.services import find_identity, normalise_identity, resolve_identity


@dataclass(frozen=True)
class Recipient:
    type: IdentityType
    identity: str
    name: str | None = None


@dataclass(frozen=True)
class AwardDetails:
    evidence: Sequence[dict[str, Any]] = ()
    narrative: str | None = None
    expires: datetime | None = None
    notify: bool = False  # mail the recipient (email identities only), in the same commit


def award_request_hash(badge_class_public_id: str, recipient: Recipient,
                       details: AwardDetails) -> str:
    # vars(), not asdict(): the same JSON without asdict's deep copy, once per bulk row.
    body = {"badge_class": badge_class_public_id, "recipient": vars(recipient),
            "details": vars(details)}
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(actor: Actor, key: str, request_hash: str) -> Assertion | None:
    """The award first made with this Idempotency-Key, if any (409 if the body differs)."""
    earlier = db.session.scalar(sa.select(Assertion).where(
        Assertion.awarded_by_id == actor.user_id, Assertion.idempotency_key == key))
    if earlier is not None and earlier.request_hash != request_hash:
        raise IdempotencyConflict("This Idempotency-Key was used for a different award.",
                                  {"Idempotency-Key": ["Reused with a different body."]})
    return earlier


def award_badge(actor: Actor, badge_class_public_id: str, recipient: Recipient,
                details: AwardDetails = AwardDetails(), *,
                idempotency_key: str | None = None) -> Assertion:
    """Award one badge: the assertion and its signed OB 3.0 credential (the JWS-encoded
    forms follow on first request: badges/signed_forms.py).

    Three steps, so that no lock is held while signing: a short transaction reads and
    reserves the status position (the issuer's counter: a row lock on PostgreSQL, the
    write lock on SQLite), the credential is signed outside any transaction, and one more
    transaction stores the award with its identity and notification. A failure after the
    first leaves an unused status position, which nothing reads.

    With an Idempotency-Key a retry returns the first award; two racing requests with
    the same key meet the unique constraint, and the loser returns the winner's award.
    """
    request_hash = award_request_hash(badge_class_public_id, recipient, details)
    with transaction(), db.session.no_autoflush:
        badge_class = get_badge_class(actor, badge_class_public_id, "award")
        if idempotency_key and (earlier := _replay(actor, idempotency_key, request_hash)):
            return earlier
        identity = RecipientIdentity(type=recipient.type,
                                     value=normalise_identity(recipient.type, recipient.identity))
        assertion = build_assertion(actor, badge_class, identity, recipient.name, details)
        assertion.idempotency_key, assertion.request_hash = idempotency_key, request_hash
        key = current_signers(badge_class.issuer)[KeyType.ed25519]
        allocate_status(assertion)
    issue_credential(assertion, key)
    try:
        with transaction(), db.session.no_autoflush:  # one INSERT, the credential in it
            assertion.recipient = resolve_identity(identity.type, identity.value)
            insert_object(assertion)
            if details.notify:
                queue_award_notification(assertion)
            queue_awarded([assertion])
    except IntegrityError:
        if not idempotency_key:
            raise
        earlier = _replay(actor, idempotency_key, request_hash)
        if earlier is None:
            raise
        return earlier
    badge_awarded.send(assertion)
    return assertion


def build_assertion(actor: Actor, badge_class: BadgeClass, identity: RecipientIdentity,
                    name: str | None, details: AwardDetails) -> Assertion:
    """A new, unsigned assertion (not yet added to the session)."""
    issued_on = utcnow()
    expires = details.expires
    if expires is None and badge_class.expires_after_days:
        expires = issued_on + timedelta(days=badge_class.expires_after_days)
    if expires is not None and expires <= issued_on:
        raise InvalidAward("The award would be expired already.",
                           {"expires": ["Must be in the future."]})
    salt = new_salt()
    assertion = Assertion(
        badge_class=badge_class, issuer=badge_class.issuer, recipient=identity,
        recipient_type=identity.type, recipient_salt=salt,
        recipient_hash=hash_identity(identity.value, salt), recipient_name=name,
        issued_on=issued_on, expires_at=expires, evidence=list(details.evidence),
        narrative=details.narrative, awarded_by_id=actor.user_id, public_id=new_public_id(),
        signed_id=f"urn:uuid:{uuid.uuid4()}")
    return assertion


def find_assertion(public_id: str) -> Assertion | None:
    return db.session.scalar(sa.select(Assertion).where(Assertion.public_id == public_id))


def get_assertion(actor: Actor, public_id: str, action: str = "read") -> Assertion:
    assertion = find_assertion(public_id)
    if assertion is None:
        raise AssertionNotFound("No such assertion.")
    try:
        authorize(actor, assertion.issuer, action)
    except NotFound as error:
        raise AssertionNotFound("No such assertion.") from error
    return assertion


def get_public_assertion(public_id: str) -> Assertion:
    """For the public documents: the assertion with just its badge class's id loaded."""
    assertion = db.session.scalar(
        sa.select(Assertion).where(Assertion.public_id == public_id).options(
            joinedload(Assertion.badge_class).load_only(BadgeClass.public_id,
                                                        BadgeClass.issuer_id)))
    if assertion is None:
        raise AssertionNotFound("No such assertion.")
    return assertion


def revoke_assertion(actor: Actor, public_id: str, *, reason: str) -> Assertion:
    """Withdraw an award. The row and its reason are kept: a revocation is published."""
    with transaction():
        assertion = get_assertion(actor, public_id, "revoke")
        if assertion.revoked_at is not None:
            raise AlreadyRevoked("This assertion is already revoked.")
        assertion.revoked_at, assertion.revocation_reason = utcnow(), reason
        set_status(assertion, "revocation", True)
        if assertion.credential_status == "suspension":  # the only list its credential shows
            set_status(assertion, "suspension", True)
        queue_revoked(assertion)
        bump_corrections()
    assertion_revoked.send(assertion)
    return assertion


def suspend_assertion(actor: Actor, public_id: str, *, reason: str) -> Assertion:
    """Pause an award; reversible. Only credentials that carry a suspension entry can
    show it to outside verifiers, so only suspendable badge classes allow it."""
    with transaction():
        assertion = _suspendable(actor, public_id)
        if assertion.suspended_at is not None:
            raise AlreadySuspended("This assertion is already suspended.")
        assertion.suspended_at, assertion.suspension_reason = utcnow(), reason
        set_status(assertion, "suspension", True)
        bump_corrections()
    return assertion


def unsuspend_assertion(actor: Actor, public_id: str) -> Assertion:
    with transaction():
        assertion = _suspendable(actor, public_id)
        if assertion.suspended_at is None:
            raise NotSuspended("This assertion is not suspended.")
        assertion.suspended_at, assertion.suspension_reason = None, None
        set_status(assertion, "suspension", False)
        bump_corrections()
    return assertion


def _suspendable(actor: Actor, public_id: str) -> Assertion:
    assertion = get_assertion(actor, public_id, "revoke")
    if assertion.revoked_at is not None:
        raise AlreadyRevoked("A revoked assertion cannot be suspended or resumed.")
    if assertion.credential_status != "suspension":
        raise NotSuspendable("Awards of this badge class carry a revocation status only; "
                             "suspension needs a badge class created with suspendable: true "
                             "and an issuer publishing Bitstring Status Lists.")
    return assertion


@dataclass(frozen=True)
class AssertionFilter:
    badge_class: str | None = None
    issuer: str | None = None
    recipient: tuple[IdentityType, str] | None = None
    issued_after: datetime | None = None
    issued_before: datetime | None = None
    revoked: bool | None = None


def list_assertions(actor: Actor, filters: AssertionFilter, *, limit: int,
                    before: int | None) -> list[Assertion]:
    """Newest first, across every issuer the actor may read."""
    if not actor.has_scope("issuers:read"):
        raise MissingScope("This token lacks the 'issuers:read' scope.",
                           {"scope": ["issuers:read"]})
    # The page shows each award's recipient, badge class and issuer: load them with it
    # (one query per relation, not one per row).
    query = (sa.select(Assertion).join(Assertion.issuer).where(visible_issuers_clause(actor))
             .options(contains_eager(Assertion.issuer), selectinload(Assertion.recipient),
                      selectinload(Assertion.badge_class))
             .order_by(Assertion.id.desc()).limit(limit + 1))
    for condition in _conditions(filters):
        if condition is False:
            return []
        query = query.where(condition)
    if before is not None:
        query = query.where(Assertion.id < before)
    return list(db.session.scalars(query))


def _conditions(filters: AssertionFilter) -> list:
    conditions: list = []
    if filters.badge_class:
        conditions.append(Assertion.badge_class_id == sa.select(BadgeClass.id).where(
            BadgeClass.public_id == filters.badge_class).scalar_subquery())
    if filters.issuer:
        conditions.append(Issuer.public_id == filters.issuer)
    if filters.recipient:
        identity = find_identity(*filters.recipient)
        conditions.append(False if identity is None
                          else Assertion.recipient_identity_id == identity.id)
    if filters.issued_after:
        conditions.append(Assertion.issued_on >= filters.issued_after)
    if filters.issued_before:
        conditions.append(Assertion.issued_on < filters.issued_before)
    if filters.revoked is not None:
        conditions.append(Assertion.revoked_at.is_not(None) if filters.revoked
                          else Assertion.revoked_at.is_(None))
    return conditions


def revoked_for_issuer(issuer: Issuer) -> list[tuple[str, str, str | None]]:
    """(public id, signed urn:uuid id, reason) of each revoked award, for the RevocationList."""
    rows = db.session.execute(sa.select(
        Assertion.public_id, Assertion.signed_id, Assertion.revocation_reason).where(
        Assertion.issuer_id == issuer.id, Assertion.revoked_at.is_not(None))
        .order_by(Assertion.id))
    return [tuple(row) for row in rows]
