"""Who may record and read actions.

Actions are instance-wide (no issuer owns them), so the rule is: the token's scope
(`actions:write` or `actions:read`), and an admin, or a staff member with the awarder role
or above at some issuer (the issuer the token is limited to, if it is). Action sources
belong to the whole instance: only admins manage them.
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.auth import Actor, require_scope
from cairn.db import db
from cairn.errors import Forbidden
from issuers.errors import RoleTooLow
from issuers.models import Issuer, Membership, Role

WRITE, READ = "actions:write", "actions:read"
_WEAKEST = Role.awarder


def authorize_actions(actor: Actor, scope: str) -> Actor:
    """The actor, if they may record (WRITE) or read (READ) actions; 403 otherwise."""
    require_scope(actor, scope)
    if actor.is_admin:
        return actor
    roles = [role for role in Role if role.rank >= _WEAKEST.rank]
    query = sa.select(Membership.id).where(Membership.user_id == actor.user_id,
                                           Membership.role.in_(roles))
    if actor.issuer_public_id is not None:
        query = query.join(Issuer, Issuer.id == Membership.issuer_id).where(
            Issuer.public_id == actor.issuer_public_id)
    if db.session.scalar(sa.select(query.exists())) is not True:
        raise RoleTooLow(f"Actions need the '{_WEAKEST}' role or above at an issuer.")
    return actor


def authorize_sources(actor: Actor, scope: str) -> Actor:
    require_scope(actor, scope)
    if not actor.is_admin:
        raise Forbidden("Only admins manage action sources.")
    return actor
