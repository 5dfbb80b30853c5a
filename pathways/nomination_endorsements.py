"""Validators endorse or object to open nominations, once each.

A stance is final: an endorsement is published at once as a signed EndorsementCredential,
and a signed credential is never changed or withdrawn (it carries no status entry), so a
second stance from the same validator is refused (409 `already_validated`) rather than
replacing the first. The unique (nomination, person) key settles two at once.

An objection needs a comment (the editors must know why); an endorsement's comment is
optional. The validator signs with a name: the one they give, else their profile's
display name, else "A holder of “<validator badge>”". Never an address.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, undefer

from badges.models import Assertion
from cairn.auth import Actor, require_scope
from cairn.db import db, transaction, utcnow
from cairn.errors import ValidationFailed
from pathways.nomination_documents import sign_endorsement
from pathways.nomination_errors import (
    AlreadyValidated,
    EndorsementNotFound,
    NominationClosed,
    NominationNotFound,
    NotAValidator,
    OwnNomination,
)
from pathways.nomination_models import KINDS, Nomination, NominationEndorsement
from pathways.nomination_policies import READ_SCOPE, WRITE_SCOPE, find_policy
from pathways.nomination_validators import (
    Validatable,
    check_validator,
    person_of_user,
    validatable_nominations,
)
from pathways.nominations import find_nomination
from recipients.models import Person


@dataclass(frozen=True)
class Stance:
    kind: str  # "endorse" or "object"
    comment: str | None = None
    name: str | None = None


def endorse_as_person(person_id: int, nomination_public_id: str, stance: Stance, *,
                      user_id: int | None = None) -> NominationEndorsement:
    """Record the person's stance on an open nomination they may validate; an endorsement
    is signed and published in the same transaction."""
    _check_stance(stance)
    try:
        with transaction():
            nomination = find_nomination(nomination_public_id)
            if nomination is None:
                raise NominationNotFound("No such nomination.")
            return _record(db.session.get(Person, person_id), nomination, stance, user_id)
    except IntegrityError as error:
        raise AlreadyValidated("You have given your stance on this nomination already.") \
            from error


def endorse_as_user(actor: Actor, nomination_public_id: str,
                    stance: Stance) -> NominationEndorsement:
    """The API's way: the user acts as the person who verified the user's email address."""
    require_scope(actor, WRITE_SCOPE)
    nomination = find_nomination(nomination_public_id)
    if nomination is None or not actor.reaches_issuer(nomination.badge_class.issuer.public_id):
        raise NominationNotFound("No such nomination.")
    person = _person_of(actor)
    return endorse_as_person(person.id, nomination_public_id, stance, user_id=actor.user_id)


def validatable_for_user(actor: Actor) -> list[Validatable]:
    """The open nominations the token's user may validate (within the token's reach)."""
    require_scope(actor, READ_SCOPE)
    person = _person_of(actor)
    return [item for item in validatable_nominations(person.id)
            if actor.reaches_issuer(item.nomination.badge_class.issuer.public_id)]


def _person_of(actor: Actor) -> Person:
    person = person_of_user(actor.user_id)
    if person is None:
        raise NotAValidator("Validators are people who verified the address holding their "
                            "badge: sign in at /signin with your account's address first.")
    return person


def _check_stance(stance: Stance) -> None:
    if stance.kind not in KINDS:
        raise ValidationFailed("The stance is not valid.",
                               {"stance": [f"Must be one of: {', '.join(KINDS)}."]})
    if stance.kind == "object" and not (stance.comment or "").strip():
        raise ValidationFailed("Say why you object.",
                               {"comment": ["An objection needs a comment."]})


def _record(person: Person, nomination: Nomination, stance: Stance,
            user_id: int | None) -> NominationEndorsement:
    _hold_open(nomination)
    policy = find_policy(nomination.badge_class_id)
    if policy is None:
        raise NotAValidator("This badge class has no validators.")
    award = check_validator(person.id, nomination, policy, user_id=user_id)
    if stance_of(person.id, nomination) is not None:
        raise AlreadyValidated("You have given your stance on this nomination already.")
    endorsement = NominationEndorsement(
        nomination_id=nomination.id, person_id=person.id, identity_id=award.recipient_identity_id,
        validator_assertion_id=award.id, user_id=user_id, kind=stance.kind,
        comment=(stance.comment or "").strip() or None, created_at=utcnow(),
        endorser_name=endorser_name(stance, person, policy.validator_badge_class.name))
    with db.session.begin_nested():
        db.session.add(endorsement)
    db.session.expire(nomination, ["endorsements"])
    if endorsement.kind == "endorse":
        sign_endorsement(endorsement, policy.validator_badge_class.name)
    return endorsement


def _hold_open(nomination: Nomination) -> None:
    """Keep the nomination open until this stance commits: a conditional UPDATE takes its
    row (the write lock, on SQLite) first, so a decision under way is waited for and then
    seen, and a decision that comes later waits for the stance. Checking the status read
    earlier would let a stance land on a nomination closed in between."""
    held = db.session.execute(
        sa.update(Nomination).where(Nomination.id == nomination.id, Nomination.status == "open")
        .values(status=Nomination.status).execution_options(synchronize_session=False)).rowcount
    if not held:
        db.session.refresh(nomination, ["status"])
        raise NominationClosed(f"This nomination is {nomination.status}: it takes no more "
                               "endorsements or objections.")


@dataclass(frozen=True)
class Standing:
    """Where a signed-in person stands with a nomination, for its page."""

    stance: NominationEndorsement | None  # given already
    may_validate: bool  # may give a stance now
    reason: str | None = None  # why not, for someone who cannot
    validator_badge: str | None = None  # the badge that makes its holders validators


def standing(person_id: int, nomination: Nomination) -> Standing:
    stance = stance_of(person_id, nomination)
    policy = find_policy(nomination.badge_class_id)
    if stance is not None or policy is None or nomination.status != "open":
        return Standing(stance, False)
    badge = policy.validator_badge_class.name
    try:
        check_validator(person_id, nomination, policy)
    except (NotAValidator, OwnNomination) as error:
        return Standing(None, False, error.message, badge)
    return Standing(None, True, None, badge)


def endorser_name(stance: Stance, person: Person, validator_badge: str) -> str:
    name = (stance.name or "").strip() or (person.display_name or "").strip()
    return name[:200] or f"A holder of “{validator_badge}”"


def stance_of(person_id: int, nomination: Nomination) -> NominationEndorsement | None:
    return db.session.scalar(sa.select(NominationEndorsement).where(
        NominationEndorsement.nomination_id == nomination.id,
        NominationEndorsement.person_id == person_id))


def public_endorsement(nomination_public_id: str,
                       endorsement_public_id: str) -> NominationEndorsement:
    """A published endorsement with its signed credential (objections are not public)."""
    endorsement = db.session.scalar(
        sa.select(NominationEndorsement).join(NominationEndorsement.nomination)
        .where(NominationEndorsement.public_id == endorsement_public_id,
               Nomination.public_id == nomination_public_id,
               NominationEndorsement.kind == "endorse")
        .options(undefer(NominationEndorsement.credential),
                 joinedload(NominationEndorsement.nomination).joinedload(Nomination.badge_class),
                 joinedload(NominationEndorsement.validator_assertion)
                 .joinedload(Assertion.badge_class)))
    if endorsement is None or endorsement.credential is None:
        raise EndorsementNotFound("No such endorsement.")
    return endorsement
