"""People who sign in to Cairn, and their API tokens.

Passwords use werkzeug's scrypt (a slow hash). Tokens are random secrets shown
once; only their SHA-256 is stored: a token has 256 bits of entropy, so a fast
hash is enough and keeps every API request to one indexed lookup.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cairn.db import UTCDateTime, db, execute_core, new_public_id, transaction, utcnow
from cairn.errors import Conflict, NotFound, ValidationFailed

#: Every scope a token can carry (api.md). An admin's bootstrap token has all.
SCOPES = (
    "issuers:read",
    "issuers:write",
    "badges:write",
    "badges:award",
    "badges:revoke",
    "actions:write",
    "actions:read",
    "pathways:write",
    "pathways:read",
    "nominations:write",
    "nominations:read",
    "reports:read",
    "reports:write",
)
TOKEN_PREFIX = "cairn_"  # noqa: S105 - a prefix that makes leaked tokens easy to scan for


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.public_id}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)
    # A token may be limited to one issuer (its public id); None reaches all the user's issuers.
    issuer_public_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.public_id} {self.name!r}>"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def any_admin() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(User.is_admin.is_(True))))


def create_user(email: str, *, password: str | None = None, is_admin: bool = False) -> User:
    """Create a person who can sign in; without a password they cannot sign in yet."""
    with transaction():
        if find_user_by_email(email) is not None:
            raise Conflict("A user with this email exists.", {"email": ["Already registered."]})
        user = User(email=normalise_email(email), is_admin=is_admin)
        set_password(user, password)
        db.session.add(user)
    return user


def set_password(user: User, password: str | None) -> None:
    if password is None:
        user.password_hash = None
        return
    if len(password) < 10:
        raise ValidationFailed("Password is too short.", {"password": ["At least 10 characters."]})
    user.password_hash = generate_password_hash(password)


def authenticate_password(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        generate_password_hash(password)  # same cost either way: no user enumeration by timing
        return None
    return user if check_password_hash(user.password_hash, password) else None


def issue_token(user: User, *, name: str, scopes: list[str],
                issuer_public_id: str | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValidationFailed("Unknown scope.", {"scopes": [f"Unknown: {', '.join(unknown)}."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction():
        token = ApiToken(user=user, name=name, scopes=sorted(set(scopes)),
                         issuer_public_id=issuer_public_id, token_hash=hash_token(secret))
        db.session.add(token)
    return token, secret


@functools.cache
def _token_by_hash() -> sa.Select:
    """What a request needs of its token, as plain columns (no ORM objects to build), in
    a statement built once: every API request runs it."""
    return (sa.select(ApiToken.id, ApiToken.user_id, ApiToken.scopes,
                      ApiToken.issuer_public_id, User.is_admin)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == sa.bindparam("token_hash"),
                   ApiToken.revoked_at.is_(None)))


def find_active_token(secret: str) -> sa.Row | None:
    """The token's id, user_id, scopes and issuer_public_id, and its user's is_admin;
    None for a token that is unknown or revoked."""
    return execute_core(_token_by_hash(), {"token_hash": hash_token(secret)}).one_or_none()


def list_tokens(user_id: int) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)))


def revoke_token(user_id: int, token_public_id: str) -> None:
    with transaction():
        token = db.session.scalar(sa.select(ApiToken).where(
            ApiToken.public_id == token_public_id, ApiToken.user_id == user_id))
        if token is None or token.revoked_at is not None:
            raise NotFound("No such token.")
        token.revoked_at = utcnow()
