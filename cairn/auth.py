"""Who is acting: a person signed in to the pages, or an API token.

Views call `current_actor(scope)` first; services receive the `Actor` as a
parameter and never read the request. Per-issuer roles are the issuers
package's rule; here only identity and scopes are settled.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session

from cairn.db import db
from cairn.errors import CairnError, Unauthorized
from cairn.users import SCOPES, ApiToken, User, find_active_token, issue_token


class MissingScope(CairnError):
    status, code = 403, "insufficient_scope"


@dataclass(frozen=True)
class Actor:
    user_id: int
    is_admin: bool
    scopes: frozenset[str]
    # Set when a token is limited to one issuer.
    issuer_public_id: str | None = None
    token_id: int | None = None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def reaches_issuer(self, issuer_public_id: str) -> bool:
        return self.issuer_public_id is None or self.issuer_public_id == issuer_public_id


def actor_for_user(user: User) -> Actor:
    """A signed-in person acts with every scope; their roles still limit them."""
    return Actor(user_id=user.id, is_admin=user.is_admin, scopes=frozenset(SCOPES))


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _load_actor() -> Actor | None:
    secret = _bearer_secret()
    if secret is not None:
        token = find_active_token(secret)
        if token is None:
            return None
        return Actor(user_id=token.user_id, is_admin=token.is_admin,
                     scopes=frozenset(token.scopes), issuer_public_id=token.issuer_public_id,
                     token_id=token.id)
    # The API takes bearer tokens only: a cookie there would open it to CSRF.
    user_id = None if request.path.startswith("/api/") else session.get("user_id")
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return actor_for_user(user) if user is not None else None


def optional_actor() -> Actor | None:
    """Loaded once per request (kept on the request, which never outlives it)."""
    if "cairn.actor" not in request.environ:
        request.environ["cairn.actor"] = _load_actor()
    return request.environ["cairn.actor"]


def current_actor(scope: str | None = None) -> Actor:
    """The authenticated actor, or 401; with `scope`, 403 unless the actor holds it."""
    actor = optional_actor()
    if actor is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    if scope is not None and not actor.has_scope(scope):
        raise MissingScope(f"This token lacks the '{scope}' scope.", {"scope": [scope]})
    return actor


def issue_token_for(actor: Actor, *, name: str, scopes: list[str],
                    issuer_public_id: str | None) -> tuple[ApiToken, str]:
    """A new token of the acting person, never wider than what the actor holds: no scope
    it lacks, and no other issuer than the one its own token is limited to."""
    if set(scopes) - actor.scopes or (
            actor.issuer_public_id and issuer_public_id != actor.issuer_public_id):
        raise MissingScope("A token cannot grant more than the token that creates it.")
    user = db.session.get(User, actor.user_id)
    return issue_token(user, name=name, scopes=scopes, issuer_public_id=issuer_public_id)


def require_scope(actor: Actor, scope: str) -> None:
    """403 unless the token carries `scope` (a signed-in session carries every scope)."""
    if not actor.has_scope(scope):
        raise MissingScope(f"This token lacks the '{scope}' scope.", {"scope": [scope]})
