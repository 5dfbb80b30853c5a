"""The issuer's public documents: OB 2.0 profile and keys, OB 3.0 profile and controller
document, and its did:web DID document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cairn.urls import public_url
from credentials import ob2, ob3
from credentials.dataintegrity import ed25519_multibase
from credentials.keys import load_public_key
from credentials.vcjwt import public_jwk
from issuers.models import Issuer, KeyType, SigningKey

if TYPE_CHECKING:
    from issuers.signers import Signer


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


def issuer_ob3_url(issuer_public_id: str) -> str:
    """Where the OB 3.0 Profile is served: its own URL, since an OB 2.0 and an OB 3.0
    client both ask the OB 2.0 issuer URL for JSON (api.md)."""
    return public_url(f"/issuers/{issuer_public_id}/ob3")


def did_web(issuer_public_id: str) -> str:
    """did:web of the issuer (did:web method §3.2: host, %3A before a port, path segments
    joined by colons), resolving to /issuers/<id>/did.json."""
    host = urlsplit(public_url("/")).netloc.replace(":", "%3A")
    return f"did:web:{host}:issuers:{issuer_public_id}"


def issuer_ob3_id(issuer: Issuer) -> str:
    """The OB 3.0 issuer id: the Profile URL, or its did:web when the issuer chose one."""
    return did_web(issuer.public_id) if issuer.did_web else issuer_ob3_url(issuer.public_id)


def verification_method_id(issuer: Issuer, key: SigningKey | Signer) -> str:
    return f"{issuer_ob3_id(issuer)}#{key.public_id}"


def profile_ob3(issuer: Issuer) -> dict[str, Any]:
    """The issuer as embedded in its credentials."""
    return ob3.profile(id=issuer_ob3_id(issuer), name=issuer.name, url=issuer.url,
                       email=issuer.email, description=issuer.description)


def _verification_methods(issuer: Issuer) -> list[dict[str, Any]]:
    """Every key, retired ones too, so that what they signed still verifies (a retired
    key signs nothing new)."""
    controller = issuer_ob3_id(issuer)
    methods = []
    for key in issuer.keys:
        public_key = load_public_key(key.public_pem)
        method_id = verification_method_id(issuer, key)
        methods.append(
            ob3.multikey(id=method_id, controller=controller,
                         public_key_multibase=ed25519_multibase(public_key))
            if key.type is KeyType.ed25519 else
            ob3.json_web_key(id=method_id, controller=controller, jwk=public_jwk(public_key)))
    return methods


def issuer_ob3(issuer: Issuer) -> dict[str, Any]:
    """The Profile; also the controller document of the keys unless the issuer uses
    did:web (then its DID document is)."""
    if issuer.did_web:
        return {"@context": [ob3.VC_V2, ob3.OB_V3], **profile_ob3(issuer)}
    return ob3.issuer_document(profile_ob3(issuer),
                               verification_methods=_verification_methods(issuer))


def did_document(issuer: Issuer) -> dict[str, Any]:
    methods = _verification_methods(issuer)
    return {"@context": [ob3.DID_V1, ob3.MULTIKEY_V1], "id": did_web(issuer.public_id),
            "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods]}
