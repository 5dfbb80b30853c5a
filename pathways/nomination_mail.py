"""The mail telling validators that a nomination awaits their stance.

Written in the nomination's transaction, as an outbox row per validator (cairn/mail.py),
so a nomination and its mails commit together. Each validator is a person holding the
policy's validator badge through an identity they verified (pathways/nomination_validators),
written to at one verified address: the oldest, as their sign-in address is. The
nominee and the nominator, who may not validate, get nothing. The mail names the badge
and the issuer and links to the nomination's page; the nominee and the statement are
shown there, after signing in, not sent across mail servers.

A validator badge held by very many people would turn each nomination into a mass
mailing: past `MAX_VALIDATOR_MAILS` the rest are left to find it on /nominations.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from badges.models import Assertion
from cairn.db import db, utcnow
from cairn.mail import OutboxMessage, queue_mail
from cairn.urls import public_url
from cairn.users import User
from pathways.evaluation import held_now
from pathways.nomination_models import Nomination, NominationPolicy
from recipients.models import IdentityType, PersonIdentity, RecipientIdentity

MAX_VALIDATOR_MAILS = 200


def queue_validator_mail(nomination: Nomination,
                         policy: NominationPolicy) -> list[OutboxMessage]:
    badge_class, issuer = nomination.badge_class, nomination.badge_class.issuer
    subject = f"A nomination for “{badge_class.name}” awaits validators"
    context = {"subject": subject, "badge_name": badge_class.name, "issuer_name": issuer.name,
               "validator_badge": policy.validator_badge_class.name,
               "nomination_url": public_url(f"/nominations/{nomination.public_id}")}
    text = render_template("mail/nomination.txt", **context)
    html = render_template("mail/nomination.html", **context)
    return [queue_mail(address, subject, text, html)
            for address in validator_addresses(nomination, policy)]


def validator_addresses(nomination: Nomination, policy: NominationPolicy) -> list[str]:
    """One verified address per validator who may validate this nomination."""
    verified = PersonIdentity.verified_at.is_not(None)
    holders = (sa.select(PersonIdentity.person_id)
               .join(Assertion, Assertion.recipient_identity_id == PersonIdentity.identity_id)
               .where(verified, Assertion.badge_class_id == policy.validator_badge_class_id,
                      *held_now(utcnow())))
    rows = db.session.execute(
        sa.select(PersonIdentity.person_id, RecipientIdentity.id, RecipientIdentity.value)
        .join(RecipientIdentity, RecipientIdentity.id == PersonIdentity.identity_id)
        .where(verified, PersonIdentity.person_id.in_(holders),
               RecipientIdentity.type == IdentityType.email)
        .order_by(PersonIdentity.person_id, PersonIdentity.verified_at, RecipientIdentity.id))
    addresses: dict[int, str] = {}
    excluded = _excluded_people(nomination)
    for person_id, _, value in rows:
        if person_id not in excluded and person_id not in addresses:
            addresses[person_id] = value
    return list(addresses.values())[:MAX_VALIDATOR_MAILS]


def _excluded_people(nomination: Nomination) -> set[int]:
    """The nominee and the nominator, by any identity they verified."""
    identities = sa.select(RecipientIdentity.id).where(sa.or_(
        RecipientIdentity.id == nomination.identity_id,
        sa.and_(RecipientIdentity.type == IdentityType.email,
                RecipientIdentity.value == sa.select(User.email).where(
                    User.id == nomination.nominated_by_id).scalar_subquery())))
    return set(db.session.scalars(sa.select(PersonIdentity.person_id).where(
        PersonIdentity.identity_id.in_(identities), PersonIdentity.verified_at.is_not(None))))
