"""eddsa-rdfc-2022 Data Integrity proofs, the offline JSON-LD loader and RDFC-1.0 output.

The signed examples are 1EdTech's validator fixtures (../shared/spec/examples/ob_v3p0); the
interop test hands a credential Cairn signed to Digital Bazaar's verifier.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld as pyld_jsonld

from credentials import dataintegrity, jsonld
from credentials.dataintegrity import (
    ed25519_multibase,
    proofs_of,
    public_key_from_multibase,
    sign,
    verify,
    verify_proof,
)

SHARED = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared"
EXAMPLES = SHARED / "spec" / "examples" / "ob_v3p0"
VALIDATOR_FILES = sorted(EXAMPLES.glob("validator-*.json"))
VERIFY = SHARED / "interop" / "verify"
INTEROP_HOME = pathlib.Path(os.environ.get("CAIRN_INTEROP_HOME",
                                           os.path.expanduser("~/.cache/cairn-interop")))
CREATED = datetime(2025, 3, 1, 12, 30, 45, tzinfo=UTC)


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def key_of(verification_method: str):
    """The key a validator fixture names: did:key:z6Mk..., or a URL ending in #z6Mk..."""
    if verification_method.startswith("did:key:"):
        return public_key_from_multibase(verification_method.split("#")[0][len("did:key:"):])
    return public_key_from_multibase(verification_method.rsplit("#", 1)[1])


def basic_credential() -> dict:
    credential = load("spec-basic-openbadgecredential.json")
    credential.pop("proof", None)
    return credential


def did_key(private_key: Ed25519PrivateKey) -> tuple[str, str]:
    fingerprint = ed25519_multibase(private_key.public_key())
    return f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}"


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.mark.parametrize("path", VALIDATOR_FILES, ids=lambda p: p.name)
def test_validator_examples_verify_with_their_own_key(path):
    credential = json.loads(path.read_text())
    for proof in proofs_of(credential):
        check = verify_proof(credential, proof, key_of(proof["verificationMethod"]))
        assert check.ok, check.detail
        assert check.verification_method == proof["verificationMethod"]
        assert check.proof_purpose == "assertionMethod"


def test_status_list_credential_verifies():
    credential = load("validator-bitstring-statuslist-credential.json")
    (proof,) = proofs_of(credential)
    assert [c.ok for c in verify(credential, key_of(proof["verificationMethod"]))] == [True]


def _tamper(value: str) -> str:
    return value[:-1] + ("X" if value[-1] != "X" else "Y")


@pytest.mark.parametrize(("path", "field"), [
    (("credentialSubject", "id"), "subject id"),
    (("credentialSubject", "achievement", "name"), "achievement name"),
    (("credentialSubject", "achievement", "criteria", "narrative"), "criteria (blank node)"),
    (("name",), "name"),
    (("validFrom",), "validFrom"),
    (("issuer", "name"), "issuer name"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_one_changed_character_breaks_the_signature(path, field):
    credential = load("validator-simple.json")
    key = key_of(proofs_of(credential)[0]["verificationMethod"])
    assert all(c.ok for c in verify(credential, key))
    tampered = copy.deepcopy(credential)
    node = tampered
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = _tamper(node[path[-1]])
    (check,) = verify(tampered, key)
    assert not check.ok
    assert "signature does not match" in check.detail


def test_tampered_proof_option_breaks_the_signature():
    credential = load("validator-simple.json")
    key = key_of(proofs_of(credential)[0]["verificationMethod"])
    tampered = copy.deepcopy(credential)
    proof = proofs_of(tampered)[0]
    proof["created"] = proof["created"].replace("20", "21", 1)
    assert not verify(tampered, key)[0].ok


def test_sign_then_verify_with_a_fresh_key(private_key):
    signed = sign(basic_credential(), private_key,
                  verification_method="https://example.com/issuers/876543#key-1", created=CREATED)
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    proof = signed["proof"][0]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2025-03-01T12:30:45Z"
    assert proof["proofValue"].startswith("z")
    (check,) = verify(signed, private_key.public_key())
    assert check.ok and check.warnings == ()
    (wrong,) = verify(signed, Ed25519PrivateKey.generate().public_key())
    assert not wrong.ok


def test_signing_is_deterministic_and_leaves_the_input_alone(private_key):
    credential = basic_credential()
    before = copy.deepcopy(credential)
    first = sign(credential, private_key, verification_method="urn:x:key", created=CREATED)
    second = sign(credential, private_key, verification_method="urn:x:key", created=CREATED)
    assert first == second
    assert credential == before


def test_created_is_utc_to_the_second():
    options = dataintegrity._proof_options(
        "urn:x:key", datetime(2025, 3, 1, 14, 30, 45, 999999,
                              tzinfo=timezone(timedelta(hours=2))), "assertionMethod")
    assert options["created"] == "2025-03-01T12:30:45Z"
    with pytest.raises(ValueError, match="timezone"):
        dataintegrity._proof_options("urn:x:key", datetime(2025, 3, 1), "assertionMethod")


def test_a_proof_object_instead_of_an_array_verifies_with_a_warning(private_key):
    signed = sign(basic_credential(), private_key, verification_method="urn:x:key",
                  created=CREATED)
    signed["proof"] = signed["proof"][0]
    (check,) = verify(signed, private_key.public_key())
    assert check.ok
    assert any("array" in w for w in check.warnings)


@pytest.mark.parametrize(("field", "value"), [
    ("cryptosuite", "ecdsa-rdfc-2019"),
    ("cryptosuite", "none"),
    ("type", "Ed25519Signature2020"),
])
def test_other_proof_types_and_cryptosuites_are_rejected(private_key, field, value):
    signed = sign(basic_credential(), private_key, verification_method="urn:x:key",
                  created=CREATED)
    signed["proof"][0][field] = value
    (check,) = verify(signed, private_key.public_key())
    assert not check.ok
    assert "unsupported proof" in check.detail


def test_header_style_tricks_have_no_effect(private_key):
    """There is no algorithm field to negotiate: an `alg` in the proof is an undefined term
    (safe mode rejects it), and the cryptosuite name alone selects Ed25519."""
    signed = sign(basic_credential(), private_key, verification_method="urn:x:key",
                  created=CREATED)
    signed["proof"][0]["alg"] = "none"
    (check,) = verify(signed, private_key.public_key())
    assert not check.ok
    assert "alg" in check.detail


@pytest.mark.parametrize("proof_value", ["", "abc", "z", "z0OIl", "u" + "A" * 86, 7])
def test_a_malformed_proof_value_fails_without_raising(private_key, proof_value):
    signed = sign(basic_credential(), private_key, verification_method="urn:x:key",
                  created=CREATED)
    signed["proof"][0]["proofValue"] = proof_value
    (check,) = verify(signed, private_key.public_key())
    assert not check.ok


def test_a_document_without_proof_fails(private_key):
    (check,) = verify(basic_credential(), private_key.public_key())
    assert not check.ok and "no proof" in check.detail


def test_an_undefined_term_added_after_signing_fails(private_key):
    signed = sign(basic_credential(), private_key, verification_method="urn:x:key",
                  created=CREATED)
    signed["credentialSubject"]["grade"] = "A+"
    (check,) = verify(signed, private_key.public_key())
    assert not check.ok
    assert "grade" in check.detail


def test_an_undefined_term_is_never_signed(private_key):
    credential = {**basic_credential(), "unsignedNote": "anything"}
    with pytest.raises(jsonld.CanonicalizationError, match="unsignedNote"):
        sign(credential, private_key, verification_method="urn:x:key", created=CREATED)


def test_existing_proofs_are_kept_and_each_verifies(private_key):
    other = Ed25519PrivateKey.generate()
    once = sign(basic_credential(), private_key, verification_method="urn:x:a", created=CREATED)
    twice = sign(once, other, verification_method="urn:x:b", created=CREATED)
    first, second = proofs_of(twice)
    assert verify_proof(twice, first, private_key.public_key()).ok
    assert verify_proof(twice, second, other.public_key()).ok


def test_multikey_round_trip_and_known_vector(private_key):
    value = ed25519_multibase(private_key.public_key())
    assert value.startswith("z6Mk")
    assert public_key_from_multibase(value) == private_key.public_key()
    known = public_key_from_multibase("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")
    assert ed25519_multibase(known) == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


@pytest.mark.parametrize("value", [
    "6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",  # no multibase prefix
    "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1 multicodec
    "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hw",  # one character short
    "z6Mk0OIl",  # not base58
])
def test_public_key_from_multibase_refuses_anything_else(value):
    with pytest.raises(ValueError, match="Multikey|base58"):
        public_key_from_multibase(value)


def test_the_loader_serves_bundled_contexts_only():
    for url in jsonld.CONTEXT_FILES:
        assert jsonld.document_loader(url)["document"]["@context"]
    with pytest.raises(jsonld.UnknownContext, match="https://evil.example/ctx"):
        jsonld.document_loader("https://evil.example/ctx")
    credential = basic_credential()
    credential["@context"] = [*credential["@context"], "https://evil.example/ctx"]
    with pytest.raises(jsonld.UnknownContext, match="never fetched"):
        jsonld.canonicalize(credential)


def test_bundled_contexts_are_the_spec_files():
    spec = SHARED / "spec"
    for relative in set(jsonld.CONTEXT_FILES.values()):
        bundled = pathlib.Path(jsonld.__file__).parent / "contexts" / relative
        assert bundled.read_bytes() == (spec / relative).read_bytes()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_canonical_form_matches_pyld_normalize(path):
    """Same N-Quads as PyLD's own URDNA2015 where no control character is involved."""
    document = json.loads(path.read_text())
    document.pop("proof", None)
    expected = pyld_jsonld.normalize(document, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": jsonld.document_loader})
    assert jsonld.canonicalize(document) == expected


def test_literals_are_escaped_as_rdfc_1_0_requires():
    credential = {**basic_credential(), "name": 'a\tb\x07c\x08d\x0ce\x7f"\\\r\n\u00e9'}
    line = next(q for q in jsonld.canonicalize(credential).splitlines() if "schema.org/name" in q
                and "credentials/3527" in q)
    assert line.endswith('"a\\tb\\u0007c\\bd\\fe\\u007F\\"\\\\\\r\\n\u00e9" .')


def test_indistinguishable_blank_nodes_are_labelled_as_pyld_does():
    evidence = {"type": ["Evidence"], "narrative": "Same text"}
    credential = {**basic_credential(), "evidence": [evidence, dict(evidence)]}
    expected = pyld_jsonld.normalize(credential, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": jsonld.document_loader})
    assert jsonld.canonicalize(credential) == expected


def test_a_poison_dataset_fails_fast():
    """Eight mutually linked blank nodes that nothing tells apart: RDFC-1.0 would try every
    permutation; like rdf-canonize, Cairn gives up after one deep iteration per node."""
    link = {"type": "IRI", "value": "https://example.org/link"}
    quads = [{"subject": {"type": "blank node", "value": f"_:n{a}"}, "predicate": link,
              "object": {"type": "blank node", "value": f"_:n{b}"}}
             for a in range(8) for b in range(8) if a != b]
    with pytest.raises(jsonld.CanonicalizationError, match="deep iterations"):
        jsonld.canonicalize_dataset(quads)


@pytest.mark.parametrize("change", [
    {"id": "credentials/1"},
    {"type": ["VerifiableCredential", "OpenBadgeCredential", "LocalType"]},
    {"@foo": "bar"},
    {"name": {"@value": "x", "@language": "not a tag"}},
    {"name": {"@value": None}},
])
def test_safe_mode_refuses_what_json_ld_would_drop(change):
    with pytest.raises(jsonld.CanonicalizationError):
        jsonld.canonicalize({**basic_credential(), **change})


def _interop_ready() -> bool:
    return VERIFY.exists() and shutil.which("node") is not None and \
        (INTEROP_HOME / "node_modules" / ".cairn-ok").exists()


@pytest.mark.interop
@pytest.mark.skipif(not _interop_ready(),
                    reason="third-party verifiers not set up (no ~/.cache/cairn-interop/"
                           "node_modules/.cairn-ok): run ../shared/interop/setup.sh")
def test_digital_bazaar_verifies_what_cairn_signs(tmp_path, private_key):
    """Also checks RDFC-1.0 escaping against rdf-canonize: control characters in a literal
    (one on a blank node, so it enters the blank node hashes) and braces in an IRI."""
    did, method = did_key(private_key)
    credential = basic_credential()
    credential["issuer"] = {**credential["issuer"], "id": did}
    awkward = 'Team\twork\x07\x08\x0c\x7f "quoted" \\ \r\n \u00e9 \u2028 \U0001f3c5'
    credential["name"] = awkward
    credential["credentialSubject"]["achievement"]["criteria"]["narrative"] = awkward
    credential["credentialSubject"]["id"] = "https://people.example.org/{someone}|x"
    signed = sign(credential, private_key, verification_method=method, created=CREATED)
    tampered = copy.deepcopy(signed)
    tampered["name"] = _tamper(tampered["name"])
    results = {}
    for name, document in (("signed", signed), ("tampered", tampered)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        run = subprocess.run([str(VERIFY), "ob3", "--no-status", str(path)],
                             capture_output=True, text=True, timeout=120)
        results[name] = json.loads(run.stdout)
        assert run.returncode in (0, 1), results[name]
    assert results["signed"]["ok"] is True, results["signed"]["errors"]
    assert results["tampered"]["ok"] is False
