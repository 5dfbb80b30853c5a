"""Sources that post actions through signed webhooks, and the check of their signatures.

A webhook carries `X-Cairn-Timestamp: <unix seconds>` and
`X-Cairn-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`. The
timestamp is signed with the body and must be within five minutes of Cairn's clock, so a
captured request cannot be replayed later, nor its signature reused for another body; a
replay within the five minutes records nothing new, as actions are idempotent by (source,
id). The secret is encrypted at rest and shown once, when the source is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cairn.db import db, transaction, utcnow
from cairn.keyring import decrypt_secret, encrypt_secret
from pathways.action_errors import BadSignature, InvalidSource, SourceExists
from pathways.action_models import ActionSource

KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
#: Most seconds a webhook's timestamp may be away from Cairn's clock, either way.
TOLERANCE_SECONDS = 300
_REFUSED = "The webhook signature is missing, wrong or too old."


def _context(key: str) -> str:
    return f"cairn action source {key}"


def create_source(key: str, *, description: str = "") -> tuple[ActionSource, str]:
    """A new source and its secret (returned once; only its ciphertext is stored)."""
    if not KEY.match(key):
        raise InvalidSource("The source is not valid.", {"key": [
            "Lowercase letters, digits, '_', '.' or '-', like 'crm' (at most 100)."]})
    secret = secrets.token_urlsafe(32)
    try:
        with transaction():
            if db.session.scalar(sa.select(ActionSource.id).where(ActionSource.key == key)):
                raise _exists(key)
            source = ActionSource(key=key, description=description, created_at=utcnow(),
                                  secret=encrypt_secret(secret.encode(), context=_context(key)))
            db.session.add(source)
    except IntegrityError as error:
        raise _exists(key) from error
    return source, secret


def _exists(key: str) -> SourceExists:
    return SourceExists(f"The source '{key}' exists.", {"key": ["Already registered."]})


def list_sources(*, limit: int, after: int | None) -> list[ActionSource]:
    query = sa.select(ActionSource).order_by(ActionSource.id).limit(limit + 1)
    if after is not None:
        query = query.where(ActionSource.id > after)
    return list(db.session.scalars(query))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Cairn-Signature value a sender computes (README, "Actions")."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def authenticate_webhook(key: str, *, timestamp: str | None, signature_header: str | None,
                         body: bytes, now: float | None = None) -> ActionSource:
    """The source whose secret signed this body, or BadSignature (401). An unknown source
    is refused the same way, so the answer tells nothing about which sources exist."""
    source = db.session.scalar(sa.select(ActionSource).where(ActionSource.key == key))
    if source is None or not timestamp or not signature_header:
        raise BadSignature(_REFUSED)
    if not timestamp.isdigit() or len(timestamp) > 12 or \
            abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise BadSignature(_REFUSED, {"X-Cairn-Timestamp": [
            f"Unix seconds within {TOLERANCE_SECONDS // 60} minutes of the server's clock."]})
    secret = decrypt_secret(source.secret, context=_context(source.key)).decode()
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature_header.strip().encode()):
        raise BadSignature(_REFUSED)
    return source
