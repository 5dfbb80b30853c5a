"""Nominations: propose a person for a badge, read and list them, withdraw, decide.

- Anyone with a token carrying `nominations:write` may nominate a person (given by an
  identity, as awards name recipients) for a badge class that accepts nominations
  (pathways/nomination_policies.py), with a statement. Self-nomination is allowed: it is
  an application, and validators judge it like any other.
- A nomination is read (`nominations:read`) by its nominator and by anyone with a role at
  the badge class's issuer; to everyone else it does not exist (404).
- The issuer's editors (`nominations:write`, role editor) approve or reject it. Approving
  awards the badge in the same transaction, with the nomination as evidence. Both queue
  the issuer's `nomination.decided` webhook event. A second decision is 409.
- The nominator may withdraw a nomination while it is open.

Validators' endorsements and objections are in pathways/nomination_endorsements.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from badges.awards import AwardDetails, Recipient, award_badge
from badges.models import Assertion, BadgeClass
from cairn.auth import Actor, require_scope
from cairn.db import db, transaction, utcnow
from cairn.epochs import bump_corrections
from cairn.errors import ValidationFailed
from cairn.webhooks import queue_event, rfc3339
from issuers.errors import IssuerNotFound, RoleTooLow
from issuers.models import Issuer
from issuers.permissions import authorize_access, role_of, visible_issuers_clause
from pathways.evaluation import held_now
from pathways.nomination_documents import credential_url, nomination_url
from pathways.nomination_errors import (
    AlreadyDecided,
    AlreadyHeld,
    AlreadyNominated,
    NominationClosed,
    NominationNotFound,
    NotAcceptingNominations,
    NotEnoughEndorsements,
    NotNominator,
)
from pathways.nomination_mail import queue_validator_mail
from pathways.nomination_models import Nomination
from pathways.nomination_policies import (
    EDIT,
    READ_SCOPE,
    WRITE_SCOPE,
    badge_class_in_reach,
    find_policy,
)
from recipients.models import RecipientIdentity
from recipients.services import resolve_identity

#: Endorsements listed one by one in an approved award's evidence; the rest are counted.
MAX_LISTED_ENDORSEMENTS = 20
LOADS = (joinedload(Nomination.badge_class).joinedload(BadgeClass.issuer),
         joinedload(Nomination.identity), selectinload(Nomination.endorsements),
         selectinload(Nomination.nominated_by), selectinload(Nomination.decided_by),
         selectinload(Nomination.assertion))


def nominate(actor: Actor, badge_class_public_id: str, nominee: Recipient,
             statement: str) -> Nomination:
    """Propose `nominee` for the badge class. Refused when the class accepts no
    nominations, when the person holds the badge now, or when a nomination of them for
    it is open already (two at once meet the unique index over open nominations)."""
    require_scope(actor, WRITE_SCOPE)
    try:
        with transaction():
            badge_class = badge_class_in_reach(actor, badge_class_public_id)
            policy = find_policy(badge_class.id)
            if policy is None or not policy.accepting:
                message = f"“{badge_class.name}” does not accept nominations."
                raise NotAcceptingNominations(message, {"badge_class": [message]})
            identity = resolve_identity(nominee.type, nominee.identity)
            _check_not_held(identity, badge_class)
            if _open_nomination(identity.id, badge_class.id) is not None:
                raise AlreadyNominated("This person's nomination for this badge class is "
                                       "open already.")
            nomination = Nomination(
                badge_class=badge_class, identity=identity, nominee_name=nominee.name,
                statement=statement.strip(), status="open", nominated_by_id=actor.user_id,
                created_at=utcnow())
            with db.session.begin_nested():
                db.session.add(nomination)
            queue_validator_mail(nomination, policy)
    except IntegrityError as error:
        raise AlreadyNominated("This person's nomination for this badge class is open "
                               "already.") from error
    return nomination


def _check_not_held(identity: RecipientIdentity, badge_class: BadgeClass) -> None:
    held = db.session.scalar(sa.select(Assertion.id).where(
        Assertion.recipient_identity_id == identity.id,
        Assertion.badge_class_id == badge_class.id, *held_now(utcnow())).limit(1))
    if held is not None:
        raise AlreadyHeld("This person holds this badge already.")


def _open_nomination(identity_id: int, badge_class_id: int) -> int | None:
    return db.session.scalar(sa.select(Nomination.id).where(
        Nomination.identity_id == identity_id, Nomination.badge_class_id == badge_class_id,
        Nomination.status == "open"))


def find_nomination(public_id: str) -> Nomination | None:
    return db.session.scalar(sa.select(Nomination).where(Nomination.public_id == public_id)
                             .options(*LOADS))


def get_public_nomination(public_id: str) -> Nomination:
    """For the public page, which shows only what pathways/nomination_documents.py allows."""
    nomination = find_nomination(public_id)
    if nomination is None:
        raise NominationNotFound("No such nomination.")
    return nomination


def may_read(actor: Actor, nomination: Nomination) -> bool:
    """Its nominator, or anyone with a role at the issuer (within the token's reach)."""
    issuer = nomination.badge_class.issuer
    if not actor.reaches_issuer(issuer.public_id):
        return False
    return nomination.nominated_by_id == actor.user_id or role_of(actor, issuer) is not None


def get_nomination(actor: Actor, public_id: str) -> Nomination:
    require_scope(actor, READ_SCOPE)
    return _readable(actor, public_id)


def _readable(actor: Actor, public_id: str) -> Nomination:
    nomination = find_nomination(public_id)
    if nomination is None or not may_read(actor, nomination):
        raise NominationNotFound("No such nomination.")
    return nomination


@dataclass(frozen=True)
class NominationFilter:
    badge_class: str | None = None
    issuer: str | None = None
    status: str | None = None


def list_nominations(actor: Actor, filters: NominationFilter, *, limit: int,
                     before: int | None) -> list[Nomination]:
    """Newest first: the actor's own nominations and those at the issuers they have a
    role at; `limit + 1` rows, for keyset pagination."""
    require_scope(actor, READ_SCOPE)
    if before is not None and not isinstance(before, int):
        raise ValidationFailed("The cursor is not valid.", {"cursor": ["Not a valid cursor."]})
    own = Nomination.nominated_by_id == actor.user_id
    if actor.issuer_public_id is not None:
        own = sa.and_(own, Issuer.public_id == actor.issuer_public_id)
    query = (sa.select(Nomination).join(Nomination.badge_class).join(BadgeClass.issuer)
             .where(sa.or_(own, visible_issuers_clause(actor)))
             .options(contains_eager(Nomination.badge_class).contains_eager(BadgeClass.issuer),
                      *LOADS[1:])
             .order_by(Nomination.id.desc()).limit(limit + 1))
    if filters.badge_class:
        query = query.where(BadgeClass.public_id == filters.badge_class)
    if filters.issuer:
        query = query.where(Issuer.public_id == filters.issuer)
    if filters.status:
        query = query.where(Nomination.status == filters.status)
    if before is not None:
        query = query.where(Nomination.id < before)
    return list(db.session.scalars(query))


def withdraw(actor: Actor, public_id: str) -> Nomination:
    """The nominator takes back an open nomination (staff reject instead)."""
    require_scope(actor, WRITE_SCOPE)
    with transaction():
        nomination = _readable(actor, public_id)
        if nomination.nominated_by_id != actor.user_id:
            raise NotNominator("Only the nominator can withdraw a nomination; the issuer's "
                               "editors reject one.")
        _close(nomination, status="withdrawn", error=NominationClosed, withdrawn_at=utcnow())
        bump_corrections()
    return nomination


def _close(nomination: Nomination, *, status: str, error: type[Exception],
           **values: Any) -> None:
    """Move an open nomination to `status` with one conditional UPDATE: of two requests at
    once, the second finds it closed (PostgreSQL makes it wait for the first's commit,
    SQLite's write lock does the same) and gets `error`."""
    closed = db.session.execute(
        sa.update(Nomination).where(Nomination.id == nomination.id, Nomination.status == "open")
        .values(status=status, **values).execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        db.session.refresh(nomination)
        raise error(f"This nomination is {nomination.status} already.")
    db.session.refresh(nomination)


def decide(actor: Actor, public_id: str, *, approve: bool, note: str | None,
           notify: bool = True) -> Nomination:
    """Approve (award the badge, the nomination as evidence) or reject, with a note.

    Deciding implies awarding: the editor's token needs `nominations:write`, not
    `badges:award` as well, but the award is made as the editor, with their role."""
    require_scope(actor, WRITE_SCOPE)
    with transaction():
        nomination = find_nomination(public_id)
        if nomination is None:
            raise NominationNotFound("No such nomination.")
        try:
            authorize_access(actor, nomination.badge_class.issuer, *EDIT)
        except IssuerNotFound as error:
            if may_read(actor, nomination):  # its nominator, without a role there
                raise RoleTooLow("Only the issuer's editors decide nominations.") from error
            raise NominationNotFound("No such nomination.") from error
        if nomination.status != "open":
            raise AlreadyDecided(f"This nomination is {nomination.status} already.")
        if approve:
            _check_approvable(nomination)
        _close(nomination, status="approved" if approve else "rejected", error=AlreadyDecided,
               decided_at=utcnow(), decided_by_id=actor.user_id,
               decision_note=(note or "").strip() or None)
        if approve:
            nomination.assertion = _award(actor, nomination, notify=notify)
        queue_event(nomination.badge_class.issuer.public_id, "nomination.decided",
                    decided_event(nomination))
        bump_corrections()
    return nomination


def _check_approvable(nomination: Nomination) -> None:
    policy = find_policy(nomination.badge_class_id)
    needed = policy.min_endorsements if policy is not None else 0
    if nomination.endorsement_count < needed:
        raise NotEnoughEndorsements(
            f"Approval needs {needed} endorsements; this nomination has "
            f"{nomination.endorsement_count}.")
    _check_not_held(nomination.identity, nomination.badge_class)


def _award(actor: Actor, nomination: Nomination, *, notify: bool) -> Assertion:
    awarding = Actor(user_id=actor.user_id, is_admin=actor.is_admin,
                     scopes=actor.scopes | {"badges:award"},
                     issuer_public_id=actor.issuer_public_id, token_id=actor.token_id)
    identity = nomination.identity
    return award_badge(awarding, nomination.badge_class.public_id,
                       Recipient(identity.type, identity.value, nomination.nominee_name),
                       award_details(nomination, notify=notify),
                       idempotency_key=f"nomination:{nomination.public_id}")


def award_details(nomination: Nomination, *, notify: bool) -> AwardDetails:
    """The evidence of an approved nomination: the nomination (its public URL, the
    statement), then each endorsement (its credential's URL, the validator's words)."""
    evidence: list[dict[str, Any]] = [{
        "url": nomination_url(nomination.public_id), "name": "Nomination",
        "narrative": nomination.statement}]
    endorsements = [item for item in nomination.endorsements if item.kind == "endorse"]
    for item in endorsements[:MAX_LISTED_ENDORSEMENTS]:
        entry = {"url": credential_url(item), "name": f"Endorsement by {item.endorser_name}"}
        if item.comment:
            entry["narrative"] = item.comment
        evidence.append(entry)
    if rest := endorsements[MAX_LISTED_ENDORSEMENTS:]:
        evidence.append({"name": f"{len(rest)} more endorsements",
                         "narrative": "Also endorsed by: "
                                      + ", ".join(item.endorser_name for item in rest) + "."})
    count = len(endorsements)
    return AwardDetails(
        evidence=tuple(evidence), notify=notify,
        narrative=(f"Nominated for “{nomination.badge_class.name}” and approved by "
                   f"{nomination.badge_class.issuer.name} with {count} "
                   f"endorsement{'' if count == 1 else 's'}."))


def decided_event(nomination: Nomination) -> dict[str, Any]:
    """The webhook payload: ids, the decision and counts; never the nominee's address,
    name or the statement (receivers read those through the API)."""
    return {"nomination": nomination.public_id,
            "badge_class": nomination.badge_class.public_id,
            "status": nomination.status, "decided_at": rfc3339(nomination.decided_at),
            "assertion": nomination.assertion.public_id if nomination.assertion else None,
            "endorsements": nomination.endorsement_count,
            "objections": nomination.objection_count,
            "recipient_type": nomination.identity.type.value,
            "url": nomination_url(nomination.public_id)}

