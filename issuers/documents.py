"""The issuer's public OB 2.0 documents: its profile and its keys."""

from __future__ import annotations

from typing import Any

from cairn.urls import public_url
from credentials import ob2
from issuers.models import Issuer, KeyType, SigningKey


def issuer_url(issuer_public_id: str) -> str:
    return public_url(f"/issuers/{issuer_public_id}")


def key_url(issuer_public_id: str, key_public_id: str) -> str:
    return public_url(f"/issuers/{issuer_public_id}/keys/{key_public_id}")


def revocation_list_url(issuer_public_id: str) -> str:
    return public_url(f"/issuers/{issuer_public_id}/revocations")


def issuer_ob2(issuer: Issuer) -> dict[str, Any]:
    """The OB 2.0 Issuer profile, listing every RSA key (retired ones still verify)."""
    keys = [key_url(issuer.public_id, key.public_id) for key in issuer.keys
            if key.type is KeyType.rsa]
    return ob2.issuer_document(
        id=issuer_url(issuer.public_id), name=issuer.name, url=issuer.url, email=issuer.email,
        description=issuer.description, public_keys=keys,
        revocation_list=revocation_list_url(issuer.public_id))


def key_ob2(key: SigningKey) -> dict[str, Any]:
    return ob2.cryptographic_key_document(
        id=key_url(key.issuer.public_id, key.public_id), owner=issuer_url(key.issuer.public_id),
        public_pem=key.public_pem)
