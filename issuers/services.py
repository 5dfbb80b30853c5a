"""Issuers, their staff and their signing keys."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from cairn.auth import Actor, MissingScope
from cairn.db import db, transaction, utcnow
from cairn.errors import Conflict, ValidationFailed
from cairn.keyring import decrypt_secret, encrypt_secret
from cairn.users import User, create_user, find_user_by_email
from credentials.keys import generate_key_pair, load_private_key
from issuers.errors import IssuerNotFound, KeyNotFound, LastOwner
from issuers.models import Issuer, KeyType, Membership, Role, SigningKey
from issuers.permissions import authorize, visible_issuers_clause

if TYPE_CHECKING:
    from issuers.signers import Signer

T = TypeVar("T")
PROFILE_FIELDS = ("name", "url", "email", "description", "status_method", "did_web")


def find_issuer(public_id: str) -> Issuer | None:
    return db.session.scalar(sa.select(Issuer).where(Issuer.public_id == public_id))


def get_issuer(actor: Actor, public_id: str, action: str = "read") -> Issuer:
    return authorize(actor, find_issuer(public_id), action)


def get_public_issuer(public_id: str) -> Issuer:
    issuer = find_issuer(public_id)
    if issuer is None:
        raise IssuerNotFound("No such issuer.")
    return issuer


def create_issuer(actor: Actor, profile: dict[str, Any]) -> Issuer:
    """Create an issuer; its creator becomes its owner."""
    if not actor.has_scope("issuers:write"):
        raise MissingScope("This token lacks the 'issuers:write' scope.",
                           {"scope": ["issuers:write"]})
    if actor.issuer_public_id is not None:
        raise MissingScope("A token limited to one issuer cannot create issuers.")
    _check_did_web(profile)
    with transaction():
        issuer = Issuer(**{name: profile[name] for name in PROFILE_FIELDS if name in profile})
        issuer.memberships.append(Membership(user_id=actor.user_id, role=Role.owner))
        db.session.add(issuer)
    return issuer


def update_issuer(actor: Actor, public_id: str, changes: dict[str, Any]) -> Issuer:
    _check_did_web(changes)
    with transaction():
        issuer = get_issuer(actor, public_id, "edit_issuer")
        for name in PROFILE_FIELDS:
            if name in changes:
                setattr(issuer, name, changes[name])
    return issuer


def _check_did_web(profile: dict[str, Any]) -> None:
    """did:web resolves over HTTPS only (did:web §3.2), so Cairn must be served on it."""
    if profile.get("did_web") and not current_app.config["BASE_URL"].startswith("https://"):
        raise ValidationFailed("did:web needs Cairn served over HTTPS.", {
            "did_web": ["Set CAIRN_BASE_URL to an https:// origin to use did:web."]})


def list_issuers(actor: Actor, *, limit: int, after: int | None) -> list[Issuer]:
    if not actor.has_scope("issuers:read"):
        raise MissingScope("This token lacks the 'issuers:read' scope.",
                           {"scope": ["issuers:read"]})
    query = sa.select(Issuer).where(visible_issuers_clause(actor)).order_by(Issuer.id)
    if after is not None:
        query = query.where(Issuer.id > after)
    return list(db.session.scalars(query.limit(limit + 1)))


def list_members(actor: Actor, public_id: str) -> list[Membership]:
    issuer = get_issuer(actor, public_id)
    return list(db.session.scalars(sa.select(Membership).where(
        Membership.issuer_id == issuer.id).order_by(Membership.id)))


def set_member(actor: Actor, public_id: str, *, email: str, role: Role) -> Membership:
    """Give a person a role on the issuer, creating their account (no password yet) if new."""
    with transaction():
        issuer = get_issuer(actor, public_id, "manage_members")
        user = find_user_by_email(email) or create_user(email)
        membership = db.session.scalar(sa.select(Membership).where(
            Membership.issuer_id == issuer.id, Membership.user_id == user.id))
        if membership is None:
            membership = Membership(issuer=issuer, user=user, role=role)
            db.session.add(membership)
        elif membership.role == Role.owner and role != Role.owner:
            _keep_an_owner(issuer, leaving=user)
        membership.role = role
    return membership


def _keep_an_owner(issuer: Issuer, *, leaving: User) -> None:
    owners = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.issuer_id == issuer.id, Membership.role == Role.owner,
        Membership.user_id != leaving.id))
    if not owners:
        raise LastOwner("An issuer must keep at least one owner.")


def change_webhooks(actor: Actor, public_id: str, change: Callable[[str], T]) -> T:
    """Run a change to the issuer's webhooks (cairn/webhooks.py, given the issuer's public
    id) once the actor may make it, touching the issuer in the same transaction: awards
    find the subscribers by the issuer's updated_at (cairn.webhooks.queue_events)."""
    with transaction():
        issuer = get_issuer(actor, public_id, "manage_webhooks")
        result = change(issuer.public_id)
        issuer.updated_at = utcnow()
    return result


def list_keys(actor: Actor, public_id: str) -> list[SigningKey]:
    return get_issuer(actor, public_id).keys


def create_key(actor: Actor, public_id: str, *, key_type: KeyType) -> SigningKey:
    """Add a key; the newest live key of a type signs from now on (rotation)."""
    with transaction():
        issuer = get_issuer(actor, public_id, "manage_keys")
        key = _new_key(issuer, key_type)
    return key


def retire_key(actor: Actor, public_id: str, key_public_id: str) -> SigningKey:
    with transaction():
        issuer = get_issuer(actor, public_id, "manage_keys")
        key = _issuer_key(issuer, key_public_id)
        if key.retired_at is not None:
            raise Conflict("This key is already retired.")
        key.retired_at = issuer.updated_at = utcnow()  # the issuer's keys changed
    return key


def _issuer_key(issuer: Issuer, key_public_id: str) -> SigningKey:
    key = db.session.scalar(sa.select(SigningKey).where(
        SigningKey.issuer_id == issuer.id, SigningKey.public_id == key_public_id))
    if key is None:
        raise KeyNotFound("No such key.")
    return key


def get_public_key(issuer_public_id: str, key_public_id: str) -> SigningKey:
    return _issuer_key(get_public_issuer(issuer_public_id), key_public_id)


def _new_key(issuer: Issuer, key_type: KeyType) -> SigningKey:
    der, pem = generate_key_pair(key_type.value)
    key = SigningKey(issuer=issuer, type=key_type, public_pem=pem, private_encrypted="")
    issuer.updated_at = utcnow()  # the issuer's keys changed (issuers/signers.py)
    db.session.add(key)
    db.session.flush()
    key.private_encrypted = encrypt_secret(der, context=f"signing-key:{key.public_id}")
    return key


def signing_keys(issuer: Issuer) -> dict[KeyType, SigningKey]:
    """The keys that sign for `issuer` now, one per type, in one query; a missing one is
    generated (joining the caller's transaction). Two first uses at once may both
    generate one: harmless, the newest signs from then on."""
    live = db.session.scalars(sa.select(SigningKey).where(
        SigningKey.issuer_id == issuer.id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id))
    keys = {key.type: key for key in live}
    for key_type in KeyType:
        if key_type not in keys:
            try:
                with db.session.begin_nested():
                    keys[key_type] = _new_key(issuer, key_type)
            except IntegrityError as error:  # pragma: no cover - a public id collision
                raise Conflict("Could not create a signing key; try again.") from error
    return keys


def signing_key(issuer: Issuer, key_type: KeyType) -> SigningKey:
    return signing_keys(issuer)[key_type]


def private_key(key: SigningKey | Signer):
    """The usable private key. Decrypted keys are cached per process by key id, since
    AES-GCM and DER parsing per signature would cost more than the signature."""
    return _decrypt_cached(key.public_id, key.private_encrypted)


@functools.lru_cache(maxsize=256)
def _decrypt_cached(key_public_id: str, sealed: str):
    return load_private_key(decrypt_secret(sealed, context=f"signing-key:{key_public_id}"))
