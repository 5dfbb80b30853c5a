"""People: who holds badges. A person signs in only by opening a mailed link (a claim link
sent with an award, or a sign-in link asked for at /signin); the link proves they read
that address's mail, so its identity becomes theirs.

Rules (issue 5): a link works once (its nonce is inserted under a unique key, so of two
uses at once one fails on the constraint); the identity attached is the one the signed
token names, never one from the request; an identity verified by someone already is never
moved: the link signs in as its holder instead.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cairn.db import db, new_public_id, transaction, utcnow
from cairn.epochs import bump_corrections
from cairn.mail import queue_mail
from cairn.ratelimit import TokenBuckets
from cairn.urls import public_url
from recipients.claims import ClaimToken, claim_url, read_claim_token
from recipients.errors import (
    ClaimRace,
    ClaimTokenUsed,
    IdentityTaken,
    InvalidClaimToken,
    PersonNotFound,
    TooManyMails,
)
from recipients.models import IdentityType, Person, PersonIdentity, RecipientIdentity, UsedToken
from recipients.services import find_identity, normalise_identity

#: Mails (sign-in and address confirmation links) one address may be sent per minute.
MAILS_PER_MINUTE = 2
SIGN_IN_SUBJECT = "Your sign-in link for Cairn"
CONFIRM_SUBJECT = "Confirm your address for Cairn"


@dataclass(frozen=True)
class SignIn:
    """What opening a link did: who is signed in now, with which identity, and whether
    that identity was added to them by this link."""

    person: Person
    identity: RecipientIdentity
    assertion_public_id: str | None
    attached: bool


def profile_url(person: Person) -> str:
    return public_url(f"/people/{person.slug}")


def get_person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def check_claim_token(token: str) -> ClaimToken:
    """The token if it could still be used (for the page that asks to confirm); only
    `use_claim_token` settles that it is used once."""
    claim = read_claim_token(token)
    if db.session.scalar(sa.select(UsedToken.id).where(UsedToken.nonce == claim.nonce)):
        raise ClaimTokenUsed("This link has been used already.")
    if db.session.get(RecipientIdentity, claim.identity_id) is None:
        raise InvalidClaimToken("This link is not valid.")
    return claim


def use_claim_token(token: str, *, signed_in_person_id: int | None = None) -> SignIn:
    """Spend a mailed link and sign in with the identity it names: as the identity's
    holder if it has one, else as the signed-in person (who gains it) or a new person."""
    claim = read_claim_token(token)
    try:
        with transaction():
            _spend(claim.nonce)
            identity = db.session.get(RecipientIdentity, claim.identity_id)
            if identity is None:
                raise InvalidClaimToken("This link is not valid.")
            person, attached = _holder(identity, signed_in_person_id)
    except IntegrityError as error:  # the nonce was flushed on its own, so this is the link
        raise ClaimRace("Another link for this address was opened at the same moment: "
                        "open this one again.") from error
    return SignIn(person, identity, claim.assertion_public_id, attached)


def _spend(nonce: str) -> None:
    db.session.add(UsedToken(nonce=nonce, used_at=utcnow()))
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ClaimTokenUsed("This link has been used already.") from error
    _forget_expired_nonces()


def _forget_expired_nonces() -> None:
    """A link's nonce must be kept only while the link could still be opened: its signed
    timestamp refuses it after CLAIM_TOKEN_MAX_AGE_DAYS. Nonces twice that old go (the
    margin covers a later, longer setting); spending a link is rare, so it sweeps."""
    days = 2 * max(1, int(current_app.config["CLAIM_TOKEN_MAX_AGE_DAYS"]))
    db.session.execute(sa.delete(UsedToken).where(
        UsedToken.used_at < utcnow() - timedelta(days=days)))


def _holder(identity: RecipientIdentity, signed_in_person_id: int | None
            ) -> tuple[Person, bool]:
    link = _link(identity.id)
    if link is not None and link.verified_at is not None:
        return link.person, False
    person = get_person(signed_in_person_id) if signed_in_person_id else None
    if person is None:
        person = Person(slug=new_public_id(), profile_public=True, created_at=utcnow())
        db.session.add(person)
    if link is None:
        link = PersonIdentity(identity=identity, created_at=utcnow())
        db.session.add(link)
    link.person, link.verified_at = person, utcnow()
    db.session.flush()
    bump_corrections()
    return person, True


def _link(identity_id: int) -> PersonIdentity | None:
    return db.session.scalar(sa.select(PersonIdentity).where(
        PersonIdentity.identity_id == identity_id))


def attach_verified(person_id: int, identity: RecipientIdentity) -> PersonIdentity:
    """Give a person an identity they proved they control (joins the caller's
    transaction). One verified by someone else stays theirs."""
    link = _link(identity.id)
    if link is not None and link.verified_at is not None and link.person_id != person_id:
        raise IdentityTaken("This identity is already verified in another backpack.")
    if link is None:
        link = PersonIdentity(identity=identity, created_at=utcnow())
        db.session.add(link)
    link.person_id = person_id
    link.verified_at = link.verified_at or utcnow()
    db.session.flush()
    bump_corrections()
    return link


# --- signing in by email link -------------------------------------------------------------

def request_sign_in(email: str) -> None:
    """Mail a sign-in link when the address is a known identity, and nothing otherwise;
    the caller answers the same either way, so nobody learns which addresses are known."""
    address = normalise_identity(IdentityType.email, email)
    _take_mail_budget(address)
    with transaction():
        identity = find_identity(IdentityType.email, address)
        if identity is not None:
            queue_mail(address, SIGN_IN_SUBJECT, _mail_text(
                "Open this link to sign in to your Cairn backpack:", claim_url(identity.id)))


def mail_confirmation(address: str, identity: RecipientIdentity) -> None:
    """The link that adds an email address to whoever opens it signed in."""
    _take_mail_budget(address)
    queue_mail(address, CONFIRM_SUBJECT, _mail_text(
        "Open this link to add this address to your Cairn backpack:", claim_url(identity.id)))


def _mail_text(lead: str, url: str) -> str:
    days = current_app.config["CLAIM_TOKEN_MAX_AGE_DAYS"]
    return (f"{lead}\n\n{url}\n\nThe link works once and for {days} days. If you did not "
            "ask for it, ignore this mail.\n")


_budget_lock = threading.Lock()


def _take_mail_budget(address: str) -> None:
    """A few mails a minute per address, whether it is known or not (so the limit says
    nothing about it), kept per process like cairn.ratelimit's budgets."""
    rate = int(current_app.config.get("PERSON_MAILS_PER_MINUTE", MAILS_PER_MINUTE))
    if rate <= 0:
        return
    with _budget_lock:
        buckets = current_app.extensions.setdefault("cairn_buckets_person_mail", TokenBuckets())
    if buckets.wait(hashlib.sha256(address.encode()).hexdigest(), rate):
        raise TooManyMails("Too many links were asked for this address: wait a minute and "
                           "try again.")


# --- the person's own settings ------------------------------------------------------------

def identities_of(person_id: int) -> list[PersonIdentity]:
    """Verified first, then those waiting for a proof; oldest first within each."""
    return list(db.session.scalars(
        sa.select(PersonIdentity).where(PersonIdentity.person_id == person_id)
        .options(joinedload(PersonIdentity.identity))
        .order_by(PersonIdentity.verified_at.is_(None), PersonIdentity.created_at,
                  PersonIdentity.id)))


def verified_identity_ids(person_id: int) -> sa.Select:
    """The ids of the identities whose awards are the person's (for a subquery)."""
    return sa.select(PersonIdentity.identity_id).where(
        PersonIdentity.person_id == person_id, PersonIdentity.verified_at.is_not(None))


def update_profile(person_id: int, *, display_name: str | None,
                   profile_public: bool) -> Person:
    with transaction():
        person = get_person(person_id)
        if person is None:
            raise PersonNotFound("No such person.")
        person.display_name = (display_name or "").strip()[:200] or None
        person.profile_public = profile_public
    return person


def find_public_person(slug: str) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.slug == slug))
    if person is None or not person.profile_public:
        raise PersonNotFound("Nothing is shown here.")
    return person
