"""Who validates a nomination, and which open nominations a validator can see.

A validator is a person (recipients.models.Person) who holds, through an identity they
verified, an award of the policy's validator badge class that is neither revoked nor
suspended nor expired. Only verified identities count: an address merely typed in proves
nothing, or anyone could validate as anyone. Through the API, a user acts as the person
who verified the user's email address.

The nominee and the nominator never validate their own nomination: the nominee is
recognised by any of the person's verified identities, the nominator by being the user
who nominated or by holding that user's email address as a verified identity.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from badges.models import Assertion, BadgeClass
from cairn.db import db, utcnow
from cairn.users import User
from pathways.evaluation import held_now
from pathways.nomination_errors import NotAValidator, OwnNomination
from pathways.nomination_models import (
    Nomination,
    NominationEndorsement,
    NominationPolicy,
)
from recipients.models import IdentityType, Person, PersonIdentity, RecipientIdentity


def verified_identities(person_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(PersonIdentity.identity_id).where(
        PersonIdentity.person_id == person_id, PersonIdentity.verified_at.is_not(None))))


def validator_award(identity_ids: Collection[int], badge_class_id: int) -> Assertion | None:
    """The oldest award of the badge class held now by one of these identities."""
    if not identity_ids:
        return None
    return db.session.scalar(sa.select(Assertion).where(
        Assertion.recipient_identity_id.in_(identity_ids),
        Assertion.badge_class_id == badge_class_id, *held_now(utcnow()))
        .order_by(Assertion.id).limit(1))


def email_identity_id(email: str) -> int | None:
    return db.session.scalar(sa.select(RecipientIdentity.id).where(
        RecipientIdentity.type == IdentityType.email, RecipientIdentity.value == email.lower()))


def person_of_user(user_id: int) -> Person | None:
    """The person who verified the user's email address, if anyone did."""
    user = db.session.get(User, user_id)
    identity_id = email_identity_id(user.email) if user is not None else None
    if identity_id is None:
        return None
    return db.session.scalar(sa.select(Person).join(
        PersonIdentity, PersonIdentity.person_id == Person.id).where(
        PersonIdentity.identity_id == identity_id, PersonIdentity.verified_at.is_not(None)))


def is_nominator(nomination: Nomination, identity_ids: Collection[int],
                 user_id: int | None) -> bool:
    if nomination.nominated_by_id is None:
        return False
    if nomination.nominated_by_id == user_id:
        return True
    nominator = nomination.nominated_by
    return nominator is not None and email_identity_id(nominator.email) in identity_ids


def check_validator(person_id: int, nomination: Nomination, policy: NominationPolicy, *,
                    user_id: int | None = None) -> Assertion:
    """The award that makes the person a validator of this nomination; 403 when they hold
    none, or when the nomination is about them or by them."""
    identity_ids = verified_identities(person_id)
    award = validator_award(identity_ids, policy.validator_badge_class_id)
    if award is None:
        raise NotAValidator(
            f"Only holders of “{policy.validator_badge_class.name}” validate these "
            "nominations, through an identity they verified (sign in at /signin to verify "
            "your address).")
    if nomination.identity_id in identity_ids:
        raise OwnNomination("You cannot validate a nomination of yourself.")
    if is_nominator(nomination, identity_ids, user_id):
        raise OwnNomination("You cannot validate a nomination you made.")
    return award


@dataclass(frozen=True)
class Validatable:
    nomination: Nomination
    stance: NominationEndorsement | None  # what the validator said, if anything yet


def validatable_nominations(person_id: int, *, limit: int = 200) -> list[Validatable]:
    """The open nominations the person may validate, newest first, each with the stance
    they gave already (None while they have not)."""
    identity_ids = verified_identities(person_id)
    if not identity_ids:
        return []
    held = sa.select(Assertion.badge_class_id).where(
        Assertion.recipient_identity_id.in_(identity_ids), *held_now(utcnow()))
    emails = sa.select(RecipientIdentity.value).where(
        RecipientIdentity.id.in_(identity_ids), RecipientIdentity.type == IdentityType.email)
    own_users = sa.select(User.id).where(User.email.in_(emails))
    query = (sa.select(Nomination)
             .join(NominationPolicy, NominationPolicy.badge_class_id == Nomination.badge_class_id)
             .where(Nomination.status == "open",
                    NominationPolicy.validator_badge_class_id.in_(held),
                    Nomination.identity_id.not_in(identity_ids),
                    sa.or_(Nomination.nominated_by_id.is_(None),
                           Nomination.nominated_by_id.not_in(own_users)))
             .options(joinedload(Nomination.badge_class).joinedload(BadgeClass.issuer),
                      selectinload(Nomination.endorsements))
             .order_by(Nomination.created_at.desc(), Nomination.id.desc()).limit(limit))
    nominations = list(db.session.scalars(query))
    return [Validatable(nomination, next((item for item in nomination.endorsements
                                          if item.person_id == person_id), None))
            for nomination in nominations]
