"""Recipient identities: normalised, validated and stored once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cairn.db import db
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType, RecipientIdentity

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEPHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$")  # W3C DID Core §3.1


def normalise_identity(identity_type: IdentityType, value: str) -> str:
    """The canonical form that is hashed and compared; raises InvalidIdentity."""
    value = value.strip()
    if identity_type is IdentityType.email:
        if not _EMAIL.match(value) or len(value) > 320:
            raise _invalid("Not a valid email address.")
        return value.lower()
    if identity_type is IdentityType.telephone:
        digits = re.sub(r"[\s().-]", "", value)
        if not _TELEPHONE.match(digits):
            raise _invalid("Not a telephone number in international form (+15551234567).")
        return digits
    if identity_type is IdentityType.did:
        if not _DID.match(value):
            raise _invalid("Not a DID (did:method:identifier).")
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid("Not an http(s) URL.")
    return value


def _invalid(message: str) -> InvalidIdentity:
    return InvalidIdentity("The recipient is not valid.", {"recipient": {"identity": [message]}})


def find_identity(identity_type: IdentityType, value: str) -> RecipientIdentity | None:
    value = normalise_identity(identity_type, value)
    return db.session.scalar(sa.select(RecipientIdentity).where(
        RecipientIdentity.type == identity_type, RecipientIdentity.value == value))


def resolve_identity(identity_type: IdentityType, value: str) -> RecipientIdentity:
    """Get or create the identity (joins the caller's transaction; safe under races)."""
    value = normalise_identity(identity_type, value)
    query = sa.select(RecipientIdentity).where(
        RecipientIdentity.type == identity_type, RecipientIdentity.value == value)
    identity = db.session.scalar(query)
    if identity is not None:
        return identity
    try:
        with db.session.begin_nested():
            identity = RecipientIdentity(type=identity_type, value=value)
            db.session.add(identity)
    except IntegrityError:
        identity = db.session.scalar(query)
    return identity
