"""OB 3.0 credentials as VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format").

The payload is the credential itself plus the registered claims that mirror it:
`iss` = issuer id, `jti` = credential id, `nbf` = validFrom, `exp` = validUntil and
`sub` = the subject's id when it has one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jwt

ALGORITHMS = ("RS256", "EdDSA")


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def claims(credential: dict[str, Any]) -> dict[str, Any]:
    issuer = credential["issuer"]
    payload = {name: value for name, value in credential.items() if name != "proof"}
    payload["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    payload["jti"] = credential["id"]
    payload["nbf"] = _epoch(credential["validFrom"])
    if credential.get("validUntil"):
        payload["exp"] = _epoch(credential["validUntil"])
    subject_id = credential.get("credentialSubject", {}).get("id")
    if subject_id:
        payload["sub"] = subject_id
    return payload


def encode(credential: dict[str, Any], private_key, *, algorithm: str, kid: str) -> str:
    """A compact JWS: header {alg, kid, typ: JWT}; `kid` dereferences to the issuer's key."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    return jwt.encode(claims(credential), private_key, algorithm=algorithm,
                      headers={"kid": kid, "typ": "JWT"})


def public_jwk(public_key) -> dict[str, Any]:
    """The public key as a JWK (RFC 7517), for `publicKeyJwk` in the issuer document."""
    if hasattr(public_key, "public_numbers"):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.pop("key_ops", None)
    return jwk
