"""Cairn's verifier on the 1EdTech validator examples: the right outcome for each, and a
failed proof after any one-character change to signed content."""

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from credentials import dataintegrity
from credentials.verification import (
    verify_badge,
)
from tests.credentials.verification_support import (
    NOW,
    SIGNED_EXAMPLES,
    FixtureFetcher,
    checks,
    example,
    example_fixtures,
    failed,
)


@pytest.mark.parametrize("name", ["validator-simple.json", "validator-complete.json",
                                  "validator-endorsement-valid.json",
                                  "validator-bitstring-statuslist-credential.json"])
def test_valid_examples_verify(name):
    report = verify_badge(credential=example(name), fetcher=example_fixtures(), now=NOW)
    assert report.valid, report.to_dict()["checks"]
    assert report.format == "ob3-di"
    assert [c.name for c in report.checks] == ["format", "proof", "key_binding", "validity",
                                               "status"]


def test_complete_example_warns_about_its_unverified_endorsement():
    report = verify_badge(credential=example("validator-complete.json"),
                          fetcher=example_fixtures(), now=NOW)
    assert any("endorsement" in w for w in report.warnings)
    assert "not in the issuer's revocation list" in checks(report)["status"].detail


def test_status_list_credential_is_checked_as_a_plain_credential():
    report = verify_badge(credential=example("validator-bitstring-statuslist-credential.json"),
                          fetcher=example_fixtures(), now=NOW)
    assert report.valid and any("not an Open Badges credential" in w for w in report.warnings)


def test_bitstring_example_is_revoked_when_its_list_is_served():
    report = verify_badge(credential=example("validator-bitstring-credential-status-revoked.json"),
                          fetcher=example_fixtures(), now=NOW)
    assert failed(report) == {"status"}
    assert checks(report)["status"].detail.startswith("revoked (index 23 of ")
    assert "proof is a single object; the Open Badges 3.0 JSON Schema requires an array" in \
        report.warnings


def test_bitstring_example_status_fails_when_the_list_cannot_be_fetched():
    report = verify_badge(credential=example("validator-bitstring-credential-status-revoked.json"),
                          fetcher=example_fixtures(status_list=False), now=NOW)
    assert failed(report) == {"status"}
    assert "cannot fetch the status list credential" in checks(report)["status"].detail


def test_complete_example_is_revoked_by_its_1edtech_revocation_list():
    fetcher = example_fixtures(revoked_ids=["http://1edtech.edu/credentials/3732"])
    report = verify_badge(credential=example("validator-complete.json"), fetcher=fetcher,
                          now=NOW)
    assert failed(report) == {"status"}
    assert "revoked" in checks(report)["status"].detail


def test_bare_did_key_method_signature_accepted_binding_refused():
    """validator-simple-did-key-method.json: the verificationMethod is the bare DID
    did:key:z6Mk... (a DID, not a key id). As a DID resolver would, Cairn reads it as the
    DID's only key (did:key:X#X) and the signature verifies; but the issuer is
    urn:uuid:6f2e..., which nothing ties to that key (a did:key controls itself only), so
    the key binding fails and the credential is not valid - as with Digital Bazaar's
    verifier, unlike 1EdTech's, which accepts it."""
    report = verify_badge(credential=example("validator-simple-did-key-method.json"),
                          fetcher=FixtureFetcher(), now=NOW)
    assert checks(report)["proof"].ok
    assert failed(report) == {"key_binding"}
    assert "not by the issuer urn:uuid:6f2e33e5" in checks(report)["key_binding"].detail
    assert any("bare DID" in w for w in report.warnings)


def test_bare_did_key_method_is_bound_when_the_issuer_is_that_did():
    key = ed25519.Ed25519PrivateKey.generate()
    did = "did:key:" + dataintegrity.ed25519_multibase(key.public_key())
    credential = example("spec-basic-openbadgecredential.json")
    credential["issuer"]["id"] = did
    signed = dataintegrity.sign(credential, key, verification_method=did, created=NOW)
    report = verify_badge(credential=signed, fetcher=FixtureFetcher(), now=NOW)
    assert report.valid, report.to_dict()["checks"]


def _change_one_character(value: str) -> str:
    position = len(value) // 2
    old = value[position]
    new = ("1" if old != "1" else "2") if old.isdigit() else ("a" if old != "a" else "b")
    return value[:position] + new + value[position + 1:]


def _paths(document):
    """Signed string values to change: a few of the credential's, and the proof's."""
    proof = ["proof", 0] if isinstance(document.get("proof"), list) else ["proof"]
    candidates = [["name"], ["validFrom"], ["id"], ["issuer", "id"], ["issuer", "name"],
                  ["credentialSubject", "id"], ["credentialSubject", "achievement", "name"],
                  ["credentialSubject", "achievement", "description"],
                  ["credentialSubject", "encodedList"], ["credentialSubject",
                                                         "endorsementComment"],
                  [*proof, "created"], [*proof, "proofValue"]]
    found = []
    for path in candidates:
        node = document
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if isinstance(node, str) and len(node) > 2:
            found.append(path)
    return found


@pytest.mark.parametrize("name", SIGNED_EXAMPLES)
def test_any_one_character_change_breaks_the_proof(name):
    original = example(name)
    paths = _paths(original)
    assert len(paths) >= 5, paths
    for path in paths:
        tampered = copy.deepcopy(original)
        node = tampered
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = _change_one_character(node[path[-1]])
        report = verify_badge(credential=tampered, fetcher=example_fixtures(), now=NOW)
        assert not report.valid, path
        assert not checks(report)["proof"].ok, (path, checks(report)["proof"])


# ---------------------------------------------------------------- credentials signed here
