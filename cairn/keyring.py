"""Encryption at rest for secrets the database must hold (issuers' private keys).

The master key is derived with HKDF from the application's SECRET_KEY (given in
CAIRN_SECRET_KEY or generated into the instance folder), so a database dump
alone reveals no private key. AES-256-GCM; the id of the row is bound as
associated data, so a ciphertext cannot be moved to another key row.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_VERSION = b"v1"


def _master_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cairn private keys v1")
    return hkdf.derive(secret_key.encode())


def _aead() -> AESGCM:
    cache = current_app.extensions.setdefault("cairn_keyring", {})
    secret = current_app.config["SECRET_KEY"]
    if secret not in cache:
        cache.clear()
        cache[secret] = AESGCM(_master_key(secret))
    return cache[secret]


def encrypt_secret(plaintext: bytes, *, context: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead().encrypt(nonce, plaintext, context.encode())
    return (_VERSION + b"." + base64.urlsafe_b64encode(nonce + sealed)).decode()


def decrypt_secret(token: str, *, context: str) -> bytes:
    version, _, body = token.encode().partition(b".")
    if version != _VERSION:
        raise ValueError("unknown key encryption version")
    raw = base64.urlsafe_b64decode(body)
    return _aead().decrypt(raw[:12], raw[12:], context.encode())


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from SECRET_KEY (HKDF; cached)."""
    cache = current_app.extensions.setdefault("cairn_derived_keys", {})
    secret = current_app.config["SECRET_KEY"]
    if (secret, purpose) not in cache:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=f"cairn {purpose}".encode())
        cache[(secret, purpose)] = hkdf.derive(secret.encode())
    return cache[(secret, purpose)]
