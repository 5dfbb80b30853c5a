"""A signed-in person adds identities: another email (proved by a mailed link, see
people.py), a web page (proved by a link back to their profile, or a code, on that page),
or a DID (proved by a JWT that the DID's key signed over a challenge).

Challenges are not stored: each is an HMAC of the person, the identity and the secret key,
so the same person always sees the same code for the same identity and nobody else can
compute it. An unverified URL or DID is listed (as waiting) until proved or removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from cairn.db import db, transaction, utcnow
from cairn.epochs import bump_corrections
from credentials.fetch import FetchPolicy
from recipients import proofs
from recipients.errors import (
    IdentityNotVerified,
    IdentityTaken,
    InvalidIdentity,
    PersonNotFound,
)
from recipients.models import IdentityType, Person, PersonIdentity, RecipientIdentity
from recipients.people import attach_verified, get_person, mail_confirmation, profile_url
from recipients.services import find_identity, normalise_identity, resolve_identity

#: The identity types a person can add themselves (a telephone number has no proof yet).
ADDABLE = (IdentityType.email, IdentityType.url, IdentityType.did)


@dataclass(frozen=True)
class Pending:
    """An identity waiting for its proof, and what the person must publish or sign."""

    type: IdentityType
    value: str
    challenge: str


def identity_challenge(person: Person, identity_type: IdentityType, value: str) -> str:
    message = f"cairn.identity|{person.slug}|{identity_type.value}|{value}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message,
                      hashlib.sha256).digest()
    return "cairn-verify-" + base64.urlsafe_b64encode(digest[:18]).decode()


def pending_of(person: Person, links: list[PersonIdentity]) -> list[Pending]:
    return [Pending(link.identity.type, link.identity.value,
                    identity_challenge(person, link.identity.type, link.identity.value))
            for link in links if link.verified_at is None]


def _person(person_id: int) -> Person:
    person = get_person(person_id)
    if person is None:
        raise PersonNotFound("No such person.")
    return person


def _parse(identity_type: str, value: str) -> tuple[IdentityType, str]:
    if identity_type not in {t.value for t in ADDABLE}:
        raise InvalidIdentity("Add an email address, a web page or a DID.",
                              {"type": ["Must be email, url or did."]})
    kind = IdentityType(identity_type)
    return kind, normalise_identity(kind, value)


def add_identity(person_id: int, identity_type: str, value: str) -> Pending | None:
    """Start adding an identity. An email gets a mailed link (None is returned), whoever
    holds it, so the answer tells nothing about the address. A URL or DID is listed as
    waiting (taken from whoever else was waiting for it: only a proof counts) and its
    challenge returned; one verified by someone else is refused, as its proof would be."""
    kind, value = _parse(identity_type, value)
    with transaction():
        person = _person(person_id)
        identity = resolve_identity(kind, value)
        if kind is IdentityType.email:
            mail_confirmation(value, identity)
            return None
        link = db.session.scalar(sa.select(PersonIdentity).where(
            PersonIdentity.identity_id == identity.id))
        if link is None:
            db.session.add(PersonIdentity(person_id=person.id, identity_id=identity.id,
                                          created_at=utcnow()))
        elif link.verified_at is None:
            link.person_id = person.id  # waiting for someone else's proof: proves nothing
        elif link.person_id != person.id:
            raise IdentityTaken("This identity is already verified in another backpack.")
    return Pending(kind, value, identity_challenge(person, kind, value))


def verify_identity(person_id: int, identity_type: str, value: str, *, policy: FetchPolicy,
                    signed_challenge: str = "") -> PersonIdentity:
    """Check the proof of a URL or DID and give the identity to the person."""
    kind, value = _parse(identity_type, value)
    person = _person(person_id)
    challenge = identity_challenge(person, kind, value)
    try:
        if kind is IdentityType.url:
            proofs.check_page(value, profile=profile_url(person), code=challenge,
                              policy=policy)
        elif kind is IdentityType.did:
            proofs.check_did_signature(value, signed_challenge.strip(), challenge=challenge,
                                       policy=policy)
        else:
            raise proofs.ProofFailed("An email address is verified by the link mailed to it.")
    except proofs.ProofFailed as error:
        raise IdentityNotVerified(f"Not verified: {error}", {"proof": [str(error)]}) from error
    with transaction():
        return attach_verified(person.id, resolve_identity(kind, value))


def remove_pending(person_id: int, identity_type: str, value: str) -> None:
    """Drop an identity that was never proved (a verified one stays: its awards are kept
    together, and an email one is how the person signs in)."""
    kind, value = _parse(identity_type, value)
    with transaction():
        identity: RecipientIdentity | None = find_identity(kind, value)
        if identity is None:
            return
        db.session.execute(sa.delete(PersonIdentity).where(
            PersonIdentity.identity_id == identity.id, PersonIdentity.person_id == person_id,
            PersonIdentity.verified_at.is_(None)))
        bump_corrections()
