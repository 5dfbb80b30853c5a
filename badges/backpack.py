"""A person's awards: every assertion to any of their verified identities, across issuers
(the backpack), and those they chose to show on their public profile.

An award is the person's only through a verified identity: an identity merely typed in
(a URL or DID not yet proved) brings no awards, or anyone could list anyone's badges.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from badges.errors import AssertionNotFound
from badges.models import Assertion
from cairn.db import db, transaction
from recipients.errors import PersonNotFound
from recipients.models import Person
from recipients.people import find_public_person, verified_identity_ids


def _of_person(person_id: int) -> sa.Select:
    return (sa.select(Assertion)
            .where(Assertion.recipient_identity_id.in_(verified_identity_ids(person_id)))
            .options(joinedload(Assertion.badge_class), joinedload(Assertion.issuer),
                     joinedload(Assertion.recipient)))


def backpack_awards(person_id: int) -> list[Assertion]:
    """Newest first; revoked and suspended ones included (the page marks them)."""
    return list(db.session.scalars(
        _of_person(person_id).order_by(Assertion.issued_on.desc(), Assertion.id.desc())))


def own_award(person_id: int, assertion_public_id: str) -> Assertion:
    """One of the person's awards; anyone else's is 404, as if it did not exist."""
    assertion = db.session.scalar(
        _of_person(person_id).where(Assertion.public_id == assertion_public_id))
    if assertion is None:
        raise AssertionNotFound("No such badge in your backpack.")
    return assertion


def show_on_profile(person_id: int, assertion_public_id: str, shown: bool) -> Assertion:
    with transaction():
        assertion = own_award(person_id, assertion_public_id)
        assertion.shown_on_profile = shown
    return assertion


def public_profile(slug: str) -> tuple[Person, list[Assertion]]:
    """The person and the awards they show: switched on, neither revoked nor suspended.
    A profile with nothing to show is not found, so a slug reveals nobody."""
    person = find_public_person(slug)
    awards = list(db.session.scalars(
        _of_person(person.id).where(Assertion.shown_on_profile.is_(True),
                                    Assertion.revoked_at.is_(None),
                                    Assertion.suspended_at.is_(None))
        .order_by(Assertion.issued_on.desc(), Assertion.id.desc())))
    if not awards:
        raise PersonNotFound("Nothing is shown here.")
    return person, awards
