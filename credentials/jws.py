"""Compact JWS for OB 2.0 signed assertions (RFC 7515, RS256).

The OB 2.0 spec's example header is exactly {"alg": "RS256"}; PyJWT would add
"typ": "JWT", which is wrong for a signed badge, so it is removed.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
from jwt.api_jws import PyJWS

_jws = PyJWS(algorithms=["RS256"])


def sign_jws(payload: dict[str, Any], private_key) -> str:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return _jws.encode(body, private_key, algorithm="RS256", headers={"typ": None})


def verify_jws(token: str, public_key) -> dict[str, Any]:
    """The payload of a JWS whose RS256 signature `public_key` verifies; raises otherwise."""
    return json.loads(_jws.decode(token, public_key, algorithms=["RS256"]))


def read_jws_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, before the signature is checked (to find the key)."""
    header = jwt.get_unverified_header(token)
    payload = json.loads(_jws.decode_complete(token, options={"verify_signature": False})
                         ["payload"])
    return header, payload
