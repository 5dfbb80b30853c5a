"""Which badge classes accept nominations, and who validates them: one policy per badge
class, set by an editor of its issuer (`nominations:write`).

The validator badge class may be the nominated one itself (holders choose their peers) or
any other badge class the editor can read, at their issuer or another one they have a
role at. Reading a policy needs only `nominations:read`: whether a badge class accepts
nominations and who validates them is what any nominator needs to know, and badge
classes are public documents anyway.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from badges.errors import BadgeClassNotFound
from badges.models import BadgeClass
from badges.services import find_badge_class
from cairn.auth import Actor, require_scope
from cairn.db import db, transaction, utcnow
from issuers.errors import IssuerNotFound
from issuers.models import Role
from issuers.permissions import authorize_access, role_of
from pathways.nomination_errors import PolicyNotFound
from pathways.nomination_models import NominationPolicy

READ_SCOPE, WRITE_SCOPE = "nominations:read", "nominations:write"
#: Setting policies and deciding nominations: the write scope and the editor role.
EDIT = (WRITE_SCOPE, Role.editor)


def find_policy(badge_class_id: int) -> NominationPolicy | None:
    return db.session.scalar(sa.select(NominationPolicy).where(
        NominationPolicy.badge_class_id == badge_class_id).options(
        joinedload(NominationPolicy.badge_class),
        joinedload(NominationPolicy.validator_badge_class)))


def badge_class_in_reach(actor: Actor, public_id: str) -> BadgeClass:
    """A badge class anyone may name (they are public), unless the token is limited to
    another issuer."""
    badge_class = find_badge_class(public_id)
    if badge_class is None or not actor.reaches_issuer(badge_class.issuer.public_id):
        raise BadgeClassNotFound("No such badge class.")
    return badge_class


def get_policy(actor: Actor, badge_class_public_id: str) -> NominationPolicy:
    require_scope(actor, READ_SCOPE)
    badge_class = badge_class_in_reach(actor, badge_class_public_id)
    policy = find_policy(badge_class.id)
    if policy is None:
        raise PolicyNotFound("This badge class does not accept nominations.")
    return policy


def set_policy(actor: Actor, badge_class_public_id: str, *, validator_badge_class: str,
               min_endorsements: int, accepting: bool) -> NominationPolicy:
    """Create or replace the badge class's policy. A change applies to what happens next:
    endorsements already given stay, even from holders of a badge class no longer named."""
    with transaction():
        badge_class = badge_class_in_reach(actor, badge_class_public_id)
        try:
            authorize_access(actor, badge_class.issuer, *EDIT)
        except IssuerNotFound as error:
            raise BadgeClassNotFound("No such badge class.") from error
        validators = find_badge_class(validator_badge_class)
        if validators is None or role_of(actor, validators.issuer) is None:
            raise BadgeClassNotFound("No such validator badge class.", {
                "validator_badge_class": ["No badge class with this id at your issuers."]})
        policy = find_policy(badge_class.id)
        if policy is None:
            policy = NominationPolicy(badge_class=badge_class, created_at=utcnow())
            db.session.add(policy)
        policy.validator_badge_class = validators
        policy.min_endorsements, policy.accepting = min_endorsements, accepting
        policy.updated_by_id, policy.updated_at = actor.user_id, utcnow()
    return policy
