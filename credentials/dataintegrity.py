"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite, and Ed25519 Multikeys.

Follows W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3 (eddsa-rdfc-2022): the
document without its proof and the proof configuration (the proof options without
`proofValue`, with the document's `@context`) are each canonicalized with RDFC-1.0; the
signature is Ed25519 over sha256(canonical proof configuration) || sha256(canonical
document), and `proofValue` is its base58btc multibase. Open Badges 3.0 adds one rule: the
1EdTech JSON Schema wants `proof` to be an array, so Cairn always writes one.

Verification reports, never raises: a credential from anyone may be malformed in any way.
The verification method of each proof is exposed (`proofs_of`) so that the caller resolves
the key and checks that it belongs to the issuer (Data Integrity 1.0 section 4.5).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from credentials import jsonld
from credentials.templates import CanonicalTemplate

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
_SUITE_CONTEXTS = (VC_V2_CONTEXT, DATA_INTEGRITY_CONTEXT,
                   "https://w3id.org/security/data-integrity/v1")
_ED25519_MULTICODEC = b"\xed\x01"
_DATE_TIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_PROOF_SHAPE_KEYS = ("type", "cryptosuite", "proofPurpose")
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_PAIRS = [a + b for a in _BASE58_ALPHABET for b in _BASE58_ALPHABET]
_BASE58_VALUES = {c: i for i, c in enumerate(_BASE58_ALPHABET)}
_PROOF_TEMPLATE_LIMIT = 64


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof; `detail` says why it failed."""

    ok: bool
    detail: str
    verification_method: str | None = None
    proof_purpose: str | None = None
    warnings: tuple[str, ...] = ()


def sign(document: Mapping[str, Any], private_key: Ed25519PrivateKey, *,
         verification_method: str, created: datetime,
         proof_purpose: str = "assertionMethod") -> dict[str, Any]:
    """A copy of `document` with an eddsa-rdfc-2022 proof added to its `proof` array.

    Any existing proofs stay, and are not signed (a proof set, Data Integrity 1.0 section
    2.1.2). A document whose context defines no Data Integrity terms gets the Data Integrity
    context appended, as Digital Bazaar's libraries do.
    """
    unsecured = _with_suite_context(_without_proof(document))
    options = _proof_options(verification_method, created, proof_purpose)
    canonical = jsonld.canonicalize(unsecured)
    return _secured(unsecured, proofs_of(document), options, canonical, private_key)


def sign_with_template(template: CanonicalTemplate, values: Mapping[str, str],
                       private_key: Ed25519PrivateKey, *, verification_method: str,
                       created: datetime, proof_purpose: str = "assertionMethod"
                       ) -> dict[str, Any]:
    """`sign(template.fill(values), ...)`, canonicalizing by substitution (templates.py)."""
    document = template.fill(values)
    context = document.get("@context")
    if "proof" in document or _suite_context(context) is not context:
        return sign(document, private_key, verification_method=verification_method,
                    created=created, proof_purpose=proof_purpose)
    options = _proof_options(verification_method, created, proof_purpose)
    return _secured(document, [], options, template.canonicalize(values), private_key)


def sign_with_template_text(template: CanonicalTemplate, values: Mapping[str, str],
                            private_key: Ed25519PrivateKey, *, verification_method: str,
                            created: datetime, proof_purpose: str = "assertionMethod") -> str:
    """`sign_with_template` as compact JSON text (`json.dumps` with `ensure_ascii=False`
    and no spaces), the form Cairn stores: the template's text with the values in and the
    proof appended, without building the document and serialising it again."""
    context = template.context
    text = template.fill_text(values)
    if template.has_proof or _suite_context(context) is not context or text == "{}":
        return _compact(sign_with_template(
            template, values, private_key, verification_method=verification_method,
            created=created, proof_purpose=proof_purpose))
    options = _proof_options(verification_method, created, proof_purpose)
    proof = _proof(context, options, template.canonicalize(values), private_key)
    return text[:-1] + ',"proof":[' + _compact(proof) + "]}"


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The document's proofs, whether `proof` is one object or an array."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def verify(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> list[ProofCheck]:
    """Check every proof of the document with one key; a document without proof fails."""
    if not isinstance(document, Mapping):
        return [ProofCheck(False, "a credential must be a JSON object")]
    proofs = proofs_of(document)
    if not proofs:
        return [ProofCheck(False, "the document has no proof")]
    return [verify_proof(document, proof, public_key) for proof in proofs]


def verify_proof(document: Mapping[str, Any], proof: Any, public_key: Ed25519PublicKey
                 ) -> ProofCheck:
    """Check one proof of `document` (eddsa-rdfc-2022 section 3.3.2, Verify Proof)."""
    if not isinstance(proof, Mapping) or not isinstance(document, Mapping):
        return ProofCheck(False, "a credential and its proof must be JSON objects")
    method, purpose = proof.get("verificationMethod"), proof.get("proofPurpose")
    warnings = () if isinstance(document.get("proof"), list) else (
        "proof is a single object; the Open Badges 3.0 JSON Schema requires an array",)

    def failed(detail: str) -> ProofCheck:
        return ProofCheck(False, detail, method, purpose, warnings)

    problem = _proof_problem(proof)
    if problem:
        return failed(problem)
    try:
        signature = _decode_proof_value(proof["proofValue"])
        unsecured = _unsecured_for(document, proof)
        options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
        hash_data = _hash_data(unsecured.get("@context"), options, jsonld.canonicalize(unsecured))
    # A credential from anyone goes through a third-party JSON-LD processor: whatever it
    # raises on malformed input is a failed verification, not a server error.
    except Exception as error:
        return failed(f"cannot verify: {error}")
    try:
        public_key.verify(signature, hash_data)
    except InvalidSignature:
        return failed("the signature does not match the document and proof options "
                      "(altered, or signed with another key)")
    return ProofCheck(True, f"{CRYPTOSUITE} signature verified", method, purpose, warnings)


def ed25519_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey `publicKeyMultibase` of an Ed25519 key (Controlled Identifiers 1.0,
    section 2.2.2): base58btc of the multicodec header 0xed 0x01 and the 32 key bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58btc_encode(_ED25519_MULTICODEC + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """The Ed25519 key of a `z6Mk...` Multikey value; ValueError if it is anything else."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc multibase (starting with 'z')")
    raw = base58btc_decode(value[1:])
    if len(raw) != 34 or raw[:2] != _ED25519_MULTICODEC:
        raise ValueError("publicKeyMultibase is not an Ed25519 Multikey: expected the "
                         "multicodec header 0xed 0x01 and 32 key bytes")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet (multibase "z" without the prefix). Two digits per
    division: the pure-Python `base58` package took as long as the Ed25519 signature."""
    number = int.from_bytes(data, "big")
    pairs = []
    while number:
        number, remainder = divmod(number, 3364)
        pairs.append(_BASE58_PAIRS[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58btc string; ValueError on a character outside the alphabet."""
    number = 0
    for character in text:
        digit = _BASE58_VALUES.get(character)
        if digit is None:
            raise ValueError(f"invalid base58btc character {character!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _without_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _suite_context(context: Any) -> Any:
    """The @context itself if it defines DataIntegrityProof, else it with the Data Integrity
    context appended (as Digital Bazaar's libraries do)."""
    contexts = context if isinstance(context, list) else [context]
    if any(c in _SUITE_CONTEXTS for c in contexts if isinstance(c, str)):
        return context
    return [*(c for c in contexts if c is not None), DATA_INTEGRITY_CONTEXT]


def _with_suite_context(document: dict[str, Any]) -> dict[str, Any]:
    context = document.get("@context")
    with_suite = _suite_context(context)
    return document if with_suite is context else {**document, "@context": with_suite}


def _proof_options(verification_method: str, created: datetime, proof_purpose: str
                   ) -> dict[str, str]:
    if created.tzinfo is None:
        raise ValueError("created must be timezone-aware (an XML Schema dateTimeStamp)")
    return {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
            "created": created.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
            + "Z",
            "verificationMethod": verification_method, "proofPurpose": proof_purpose}


def _secured(unsecured: dict[str, Any], existing: list[Any], options: dict[str, str],
             canonical_document: str, private_key: Ed25519PrivateKey) -> dict[str, Any]:
    proof = _proof(unsecured.get("@context"), options, canonical_document, private_key)
    return {**unsecured, "proof": [*existing, proof]}


def _proof(context: Any, options: dict[str, str], canonical_document: str,
           private_key: Ed25519PrivateKey) -> dict[str, str]:
    signature = private_key.sign(_hash_data(context, options, canonical_document))
    return {**options, "proofValue": "z" + base58btc_encode(signature)}


def _hash_data(document_context: Any, options: Mapping[str, Any],
               canonical_document: str) -> bytes:
    """sha256(canonical proof configuration) || sha256(canonical document) (section 3.3.4).
    The proof configuration is the options with the document's @context."""
    context = _suite_context(document_context)
    return (hashlib.sha256(_canonical_proof_config(context, options).encode("utf-8")).digest()
            + hashlib.sha256(canonical_document.encode("utf-8")).digest())


_proof_templates: dict[Any, tuple[CanonicalTemplate, tuple[tuple[str, str], ...]] | None] = {}
"""Proof configuration shape -> its template, or None if it cannot have one."""


def _canonical_proof_config(context: Any, options: Mapping[str, Any]) -> str:
    """The canonical proof configuration, from a template per shape (context, type,
    cryptosuite, purpose and option names) whose other string values are placeholders: a
    proof configuration has one blank node, so the template is always sound."""
    variable = {k: v for k, v in options.items() if k not in _PROOF_SHAPE_KEYS}
    fixed = tuple(options.get(k) for k in _PROOF_SHAPE_KEYS)
    shape = (tuple(context) if isinstance(context, list) else context, fixed, tuple(variable))
    try:
        entry = _proof_templates.get(shape, False)
    except TypeError:  # an inline context object: not a dictionary key, and rare
        entry = None
    if entry is False:
        if len(_proof_templates) >= _PROOF_TEMPLATE_LIMIT:
            _proof_templates.clear()
        entry = _proof_templates[shape] = _proof_template(context, options, list(variable))
    if entry is None or not all(isinstance(v, str) for v in variable.values()):
        return jsonld.canonicalize({"@context": context, **options})
    return _filled_proof_config(entry, tuple(variable.items()))


@functools.lru_cache(maxsize=256)
def _filled_proof_config(entry: tuple[CanonicalTemplate, tuple[tuple[str, str], ...]],
                         variable: tuple[tuple[str, str], ...]) -> str:
    """Remembered because a batch of credentials signed in the same second shares the whole
    proof configuration (`created` has seconds precision)."""
    template, sentinels = entry
    by_key = dict(sentinels)
    return template.canonicalize({by_key[k]: v for k, v in variable})


def _proof_template(context: Any, options: Mapping[str, Any], keys: list[str]
                    ) -> tuple[CanonicalTemplate, tuple[tuple[str, str], ...]] | None:
    sentinels = {k: f"urn:cairn:placeholder:proof-option-{i}" for i, k in enumerate(keys)}
    if not all(isinstance(options.get(k), str) for k in _PROOF_SHAPE_KEYS):
        return None
    try:
        template = CanonicalTemplate({"@context": context, **options, **sentinels},
                                     list(sentinels.values()))
    except ValueError:  # e.g. an undefined option: full canonicalization reports it
        return None
    return template, tuple(sentinels.items())


def _proof_problem(proof: Mapping[str, Any]) -> str | None:
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return (f"unsupported proof: type {proof.get('type')!r}, cryptosuite "
                f"{proof.get('cryptosuite')!r} (only {PROOF_TYPE} with {CRYPTOSUITE})")
    created = proof.get("created")
    if created is not None and not (isinstance(created, str) and _DATE_TIME_STAMP.match(created)):
        return f"proof created {created!r} is not an XML Schema dateTimeStamp"
    if not isinstance(proof.get("verificationMethod"), str):
        return "the proof has no verificationMethod"
    if "proofValue" not in proof:
        return "the proof has no proofValue"
    return None


def _decode_proof_value(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("proofValue must be base58btc multibase (starting with 'z')")
    signature = base58btc_decode(value[1:])
    if len(signature) != 64:
        raise ValueError(f"proofValue holds {len(signature)} bytes, not a 64-byte Ed25519 "
                         "signature")
    return signature


def _unsecured_for(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document this proof signed: without proofs except those it chains to
    (`previousProof`), and with the proof's own @context if it has one (section 3.3.2)."""
    unsecured = _without_proof(document)
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = [previous] if isinstance(previous, str) else list(previous)
        chained = [p for p in proofs_of(document)
                   if isinstance(p, Mapping) and p.get("id") in wanted]
        if len(chained) != len(wanted):
            raise ValueError(f"previousProof {previous!r} is not in the document")
        unsecured["proof"] = chained
    if "@context" in proof:
        declared = proof["@context"] if isinstance(proof["@context"], list) else [
            proof["@context"]]
        context = document.get("@context")
        actual = context if isinstance(context, list) else [context]
        if actual[:len(declared)] != declared:
            raise ValueError("the proof's @context does not start the document's @context")
        unsecured["@context"] = proof["@context"]
    return unsecured
