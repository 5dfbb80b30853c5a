"""Claim links: signed, expiring tokens that prove a person reads an identity's mail.

A token names one recipient identity (and, for an award notification, the award it came
with) and a random nonce. The signature and age are checked here; that a token is used
once only is the people service's rule (it records each nonce it accepts).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cairn.urls import public_url
from recipients.errors import ClaimTokenExpired, InvalidClaimToken

_SALT = "cairn.recipients.claim"


@dataclass(frozen=True)
class ClaimToken:
    identity_id: int
    assertion_public_id: str | None
    nonce: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def claim_token(identity_id: int, assertion_public_id: str | None = None) -> str:
    payload = {"i": identity_id, "a": assertion_public_id, "n": secrets.token_urlsafe(16)}
    return _serializer().dumps(payload)


def claim_url(identity_id: int, assertion_public_id: str | None = None) -> str:
    """The link mailed to an identity: opening it signs the recipient in as its owner."""
    return public_url(f"/claim/{claim_token(identity_id, assertion_public_id)}")


def read_claim_token(token: str) -> ClaimToken:
    """The token's content if its signature holds and it has not expired."""
    max_age = current_app.config["CLAIM_TOKEN_MAX_AGE_DAYS"] * 86_400
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ClaimTokenExpired("This link has expired: ask for a new one.") from error
    except BadSignature as error:
        raise InvalidClaimToken("This link is not valid.") from error
    return ClaimToken(identity_id=int(payload["i"]), assertion_public_id=payload.get("a"),
                      nonce=str(payload["n"]))
