"""Salted identity hashes, as OB 2.0 IdentityObject and OB 3.0 IdentityObject use them:
`sha256$` + hex(SHA-256(identity + salt))."""

from __future__ import annotations

import hashlib
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_identity(value: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()
