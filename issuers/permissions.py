"""What each staff role may do, and the token scope each action needs.

Both must hold: a token's scopes narrow what its user's role allows. An issuer
the actor has no role in answers 404, as if it did not exist (api.md).
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.auth import Actor, require_scope
from cairn.db import db
from issuers.errors import IssuerNotFound, RoleTooLow
from issuers.models import Issuer, Membership, Role

#: action -> (token scope, weakest role allowed)
PERMISSIONS: dict[str, tuple[str, Role]] = {
    "read": ("issuers:read", Role.viewer),
    "edit_issuer": ("issuers:write", Role.editor),
    "manage_members": ("issuers:write", Role.owner),
    "manage_keys": ("issuers:write", Role.owner),
    "read_webhooks": ("issuers:read", Role.editor),
    "manage_webhooks": ("issuers:write", Role.editor),
    "edit_badges": ("badges:write", Role.editor),
    "award": ("badges:award", Role.awarder),
    "revoke": ("badges:revoke", Role.awarder),
}


def role_of(actor: Actor, issuer: Issuer) -> Role | None:
    if not actor.reaches_issuer(issuer.public_id):
        return None
    if actor.is_admin:
        return Role.owner
    return db.session.scalar(sa.select(Membership.role).where(
        Membership.issuer_id == issuer.id, Membership.user_id == actor.user_id))


def authorize(actor: Actor, issuer: Issuer | None, action: str) -> Issuer:
    """Return the issuer if `actor` may do `action` there; raise 403/404 otherwise."""
    return authorize_access(actor, issuer, *PERMISSIONS[action])


def authorize_access(actor: Actor, issuer: Issuer | None, scope: str, weakest: Role) -> Issuer:
    """The rule behind `authorize`, for packages above with scopes of their own: the token
    needs `scope` (else 403), the user a role at the issuer (else 404) of at least
    `weakest` (else 403)."""
    require_scope(actor, scope)
    role = role_of(actor, issuer) if issuer is not None else None
    if role is None:
        raise IssuerNotFound("No such issuer.")
    if role.rank < weakest.rank:
        raise RoleTooLow(f"Your role '{role}' cannot do this; it needs '{weakest}' or above.")
    return issuer


def may_access(actor: Actor, issuer: Issuer, scope: str, weakest: Role) -> bool:
    """Whether `authorize_access` would allow it, as a yes or no: pages offer only the
    buttons and forms that will work (the services check again when they are used)."""
    if not actor.has_scope(scope):
        return False
    role = role_of(actor, issuer)
    return role is not None and role.rank >= weakest.rank


def visible_issuers_clause(actor: Actor):
    """A WHERE clause selecting the issuers `actor` may read."""
    clause = sa.true() if actor.is_admin else Issuer.id.in_(
        sa.select(Membership.issuer_id).where(Membership.user_id == actor.user_id))
    if actor.issuer_public_id is not None:
        clause = sa.and_(clause, Issuer.public_id == actor.issuer_public_id)
    return clause


def issuers_with_role_clause(actor: Actor, weakest: Role):
    """A WHERE clause selecting the issuers where `actor` holds `weakest` or above (admins:
    every issuer they reach), for listing in one query what `authorize_access` allows."""
    if actor.is_admin:
        return visible_issuers_clause(actor)
    roles = [role for role in Role if role.rank >= weakest.rank]
    return sa.and_(visible_issuers_clause(actor), Issuer.id.in_(
        sa.select(Membership.issuer_id).where(Membership.user_id == actor.user_id,
                                              Membership.role.in_(roles))))


def has_role_at(actor: Actor, issuer_public_id: str | None) -> bool:
    """Whether the actor holds any role at the issuer with this public id (jobs record
    their issuer by public id)."""
    issuer = db.session.scalar(sa.select(Issuer).where(Issuer.public_id == issuer_public_id))
    return issuer is not None and role_of(actor, issuer) is not None
