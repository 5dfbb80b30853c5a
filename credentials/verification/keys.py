"""From a proof's `verificationMethod` (or a JWT's `kid`) to a public key, and whether that
key belongs to the issuer.

Data Integrity 1.0 section 4.5 and Controlled Identifiers 1.0 section 3.3: the method is
dereferenced (a URL with a fragment names a node of the document at the URL), its
`controller` must be the issuer, and the controller's document must list the method under
`assertionMethod`. did:key is resolved locally (did:key method, "Create" algorithm: the DID
document has one Multikey, `did:key:X#X`, authorised for every purpose); did:web through the
session's fetcher.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from credentials.dataintegrity import public_key_from_multibase
from credentials.fetch import FetchError
from credentials.verification.fetcher import Session
from credentials.verification.report import id_of, list_of

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_NODES = 5000
ED25519_TYPES = ("Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020")


class KeyProblem(Exception):
    """Why a key could not be found or used, in words fit for a report."""


@dataclass(frozen=True)
class Method:
    """A dereferenced verification method (or a bare JWK, whose controller is unknown)."""

    id: str
    node: dict[str, Any]
    controller: str | None
    controller_document: dict[str, Any] | None = None
    bare_did: bool = False


def absolute(reference: str, base: str) -> str:
    """A node id as an absolute IRI: `#key-1` and relative URLs resolve against `base`."""
    if reference.startswith("#"):
        return base.split("#", 1)[0] + reference
    if _SCHEME.match(reference):
        return reference
    return urljoin(base, reference)


def did_key_method(did_url: str) -> Method:
    """did:key:z6Mk...#z6Mk... (or the bare DID) -> its one Ed25519 Multikey."""
    did, _, fragment = did_url.partition("#")
    fingerprint = did[len("did:key:"):]
    if fragment and fragment != fingerprint:
        raise KeyProblem(f"{did_url}: a did:key document has only the key #{fingerprint}")
    try:
        public_key_from_multibase(fingerprint)
    except ValueError as error:
        raise KeyProblem(f"{did}: only Ed25519 did:key DIDs (z6Mk...) are supported: "
                         f"{error}") from error
    method_id = f"{did}#{fingerprint}"
    node = {"id": method_id, "type": "Multikey", "controller": did,
            "publicKeyMultibase": fingerprint}
    document = {"@context": ["https://www.w3.org/ns/did/v1",
                             "https://w3id.org/security/multikey/v1"],
                "id": did, "verificationMethod": [node],
                **{purpose: [method_id] for purpose in (
                    "authentication", "assertionMethod", "capabilityDelegation",
                    "capabilityInvocation")}}
    return Method(method_id, node, did, document, bare_did=not fragment)


def find_node(document: Any, method_id: str, base: str) -> dict[str, Any] | None:
    """The object whose id is `method_id` (absolute or relative to `base`), anywhere in the
    document except inside @context."""
    stack, seen = [document], 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if isinstance(node.get("id"), str) and absolute(node["id"], base) == method_id:
                return node
            stack.extend(v for k, v in node.items() if k != "@context")
    return None


def _jwk_in_set(document: dict[str, Any], kid: str) -> dict[str, Any] | None:
    fragment = kid.partition("#")[2]
    keys = [k for k in document.get("keys", []) if isinstance(k, dict)]
    for key in keys:
        if key.get("kid") in (kid, fragment, "#" + fragment):
            return key
    return keys[0] if len(keys) == 1 else None


def dereference(method_id: Any, session: Session) -> Method:
    """The verification method a proof or JWT names; KeyProblem when it cannot be had."""
    if not isinstance(method_id, str) or not method_id:
        raise KeyProblem("no verification method is named")
    if method_id.startswith("did:key:"):
        return did_key_method(method_id)
    if method_id.startswith("did:") and not method_id.startswith("did:web:"):
        raise KeyProblem(f"cannot resolve {method_id}: only did:key and did:web DIDs are "
                         "supported")
    if not method_id.startswith(("did:web:", "http://", "https://")):
        raise KeyProblem(f"{method_id} is not a URL or DID that can be dereferenced")
    base, _, fragment = method_id.partition("#")
    try:
        document = session.document(base)
    except FetchError as error:
        raise KeyProblem(f"cannot fetch {base}: {error}") from error
    if "kty" in document and not fragment:
        return Method(method_id, document, None)
    if isinstance(document.get("keys"), list):
        jwk = _jwk_in_set(document, method_id)
        if jwk is None:
            raise KeyProblem(f"no key {method_id} in the key set at {base}")
        return Method(method_id, jwk, None)
    if not fragment:
        if base.startswith("did:"):
            raise KeyProblem(f"{method_id} is a DID, not one of its verification methods")
        node = document
    else:
        node = find_node(document, method_id, base)
        if node is None:
            raise KeyProblem(f"{base} has no verification method {method_id}")
    controller = node.get("controller", document.get("id") if node is not document else None)
    controller = absolute(controller, base) if isinstance(controller, str) else None
    return Method(method_id, node, controller, document if node is not document else None)


def _raw_ed25519(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_key(method: Method) -> Ed25519PublicKey:
    """The Ed25519 key of a Multikey, Ed25519VerificationKey2020 or OKP JsonWebKey."""
    node = method.node
    if isinstance(node.get("publicKeyMultibase"), str):
        try:
            return public_key_from_multibase(node["publicKeyMultibase"])
        except ValueError as error:
            raise KeyProblem(f"{method.id}: {error}") from error
    jwk = node.get("publicKeyJwk", node if "kty" in node else None)
    if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        try:
            raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
            return Ed25519PublicKey.from_public_bytes(raw)
        except (KeyError, TypeError, ValueError) as error:
            raise KeyProblem(f"{method.id}: not a valid Ed25519 JWK") from error
    raise KeyProblem(f"{method.id} (type {node.get('type')!r}) is not an Ed25519 key")


def jwk_of(method: Method) -> dict[str, Any]:
    """The public JWK of a method: `publicKeyJwk`, the JWK itself, or an Ed25519 Multikey."""
    node = method.node
    jwk = node.get("publicKeyJwk", node if "kty" in node else None)
    if isinstance(jwk, dict):
        return jwk
    if isinstance(node.get("publicKeyMultibase"), str):
        raw = _raw_ed25519(ed25519_key(method))
        return {"kty": "OKP", "crv": "Ed25519",
                "x": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    raise KeyProblem(f"{method.id} has neither publicKeyJwk nor publicKeyMultibase")


def binding_problem(method: Method, issuer_id: str | None, session: Session,
                    purpose: str = "assertionMethod") -> str | None:
    """None when the method is the issuer's, authorised for `purpose`; else why not."""
    if not issuer_id:
        return "the credential names no issuer id"
    if method.controller is None:
        return (f"the key {method.id} names no controller (a bare JWK or key set), so "
                f"nothing ties it to the issuer {issuer_id}")
    if method.controller != issuer_id:
        return (f"the key {method.id} is controlled by {method.controller}, not by the "
                f"issuer {issuer_id}")
    document = method.controller_document
    if not (isinstance(document, dict) and document.get("id") == issuer_id):
        try:
            document = session.document(issuer_id)
        except FetchError as error:
            return f"cannot fetch the issuer's document {issuer_id}: {error}"
    if document.get("id") != issuer_id:
        return f"the document at {issuer_id} does not have that id"
    listed = {absolute(ref, issuer_id) for ref in map(id_of, list_of(document.get(purpose)))
              if ref}
    if method.id not in listed:
        return f"the issuer's document {issuer_id} does not list {method.id} under {purpose}"
    return None
