"""Cairn's verifier on OB 3.0 credentials it builds in the test: status lists, validity,
key binding, did:web, recipients, schema, and VC-JWT rules."""

import base64
import hashlib
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from credentials import bitstring, dataintegrity, ob3, vcjwt
from credentials.verification import (
    Recipient,
    verify_badge,
)
from tests.credentials.verification_support import (
    LIST_URL,
    NOW,
    FixtureFetcher,
    b64url,
    basic_credential,
    checks,
    controller_document,
    example,
    example_fixtures,
    failed,
    new_did_key,
    signed_with,
    with_status,
)


@pytest.mark.parametrize("purpose,word", [("revocation", "revoked"),
                                          ("suspension", "suspended")])
def test_bitstring_status_bits(purpose, word):
    signed, fetcher = with_status(purpose)
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert report.valid and checks(report)["status"].detail.startswith(f"not {word}")
    signed, fetcher = with_status(purpose, set_bits=[7])
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and checks(report)["status"].detail.startswith(word)


def test_status_list_of_another_issuer_or_key_fails():
    signed, fetcher = with_status("revocation", list_issuer="did:example:someone-else")
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "not by the credential's issuer" in \
        checks(report)["status"].detail
    other_key, _, other_method = new_did_key()
    signed, fetcher = with_status("revocation", list_key=(other_key, other_method))
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "not signed by its issuer" in \
        checks(report)["status"].detail


def test_tampered_status_list_fails():
    signed, fetcher = with_status("revocation", set_bits=[7])
    listed = fetcher.documents[LIST_URL]
    listed["credentialSubject"]["encodedList"] = bitstring.encode(bitstring.empty())
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "does not verify" in checks(report)["status"].detail


def test_status_index_beyond_the_list_fails():
    signed, fetcher = with_status("revocation", index=bitstring.MIN_ENTRIES + 5)
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert "beyond" in checks(report)["status"].detail and not report.valid


@pytest.mark.parametrize("changes,word", [
    ({"validFrom": "2030-01-01T00:00:00Z"}, "not valid before"),
    ({"validUntil": "2020-01-01T00:00:00Z"}, "expired"),
    ({"validFrom": "yesterday"}, "not a date-time")])
def test_validity_window(changes, word):
    key, did, method = new_did_key()
    report = verify_badge(credential=signed_with(basic_credential(did), key, method, **changes),
                          fetcher=FixtureFetcher(), now=NOW)
    assert "validity" in failed(report) and word in checks(report)["validity"].detail


def test_issuer_document_must_list_the_key_for_assertion():
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    issuer = "https://issuer.example/issuers/1"
    document = controller_document(issuer, [fingerprint])
    signed = signed_with(basic_credential(issuer), key, f"{issuer}#{fingerprint}")
    assert verify_badge(credential=signed, fetcher=FixtureFetcher({issuer: document}),
                        now=NOW).valid
    for broken in ({**document, "assertionMethod": []}, {**document, "id": issuer + "/x"}):
        report = verify_badge(credential=signed, fetcher=FixtureFetcher({issuer: broken}),
                              now=NOW)
        assert "key_binding" in failed(report)
    elsewhere = {**document, "verificationMethod": [{**document["verificationMethod"][0],
                                                     "controller": "https://evil.example/"}]}
    report = verify_badge(credential=signed, fetcher=FixtureFetcher({issuer: elsewhere}), now=NOW)
    assert "controlled by https://evil.example/" in checks(report)["key_binding"].detail


def test_did_web_issuer_is_resolved_over_https():
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    did = "did:web:issuer.example%3A8443:people:ada"
    document = {"@context": ["https://www.w3.org/ns/did/v1",
                             "https://w3id.org/security/multikey/v1"], "id": did,
                "verificationMethod": [{"id": "#key-1", "type": "Multikey", "controller": did,
                                        "publicKeyMultibase": fingerprint}],
                "assertionMethod": ["#key-1"]}
    fetcher = FixtureFetcher({"https://issuer.example:8443/people/ada/did.json": document})
    signed = signed_with(basic_credential(did), key, f"{did}#key-1")
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert report.valid, report.to_dict()["checks"]


def test_recipient_identifier_is_compared_by_hash():
    key, did, method = new_did_key()
    credential = basic_credential(did)
    achievement = credential["credentialSubject"]["achievement"]
    identity_hash = "sha256$" + hashlib.sha256(b"ada@example.org" + b"pepper").hexdigest()
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"], "achievement": achievement,
        "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                        "salt": "pepper", "identityHash": identity_hash}]}
    signed = signed_with(credential, key, method)
    for identity, ok in (("ada@example.org", True), (" ADA@example.org", True),
                         ("grace@example.org", False)):
        report = verify_badge(credential=signed, fetcher=FixtureFetcher(), now=NOW,
                              recipient=Recipient("email", identity))
        assert checks(report)["recipient"].ok is ok and report.valid is ok


def test_plain_identities_compare_case_insensitively_for_email():
    report = verify_badge(credential=example("validator-complete.json"),
                          fetcher=example_fixtures(), now=NOW,
                          recipient=Recipient("email", "Student@1EdTech.edu"))
    assert report.valid and checks(report)["recipient"].ok


def test_schema_failure_is_a_failed_format_check():
    key, did, method = new_did_key()
    credential = basic_credential(did)
    del credential["credentialSubject"]["achievement"]["criteria"]
    report = verify_badge(credential=signed_with(credential, key, method), fetcher=FixtureFetcher(),
                          now=NOW)
    assert failed(report) == {"format"} and "criteria" in checks(report)["format"].detail


def test_unsupported_proof_and_missing_proof_fail():
    credential = example("spec-basic-openbadgecredential.json")
    report = verify_badge(credential=credential, fetcher=FixtureFetcher(), now=NOW)
    assert {"proof", "key_binding"} <= failed(report)
    credential["proof"] = [{"type": "Ed25519Signature2020", "verificationMethod": "did:key:x"}]
    report = verify_badge(credential=credential, fetcher=FixtureFetcher(), now=NOW)
    assert "unsupported proof" in checks(report)["proof"].detail


# ---------------------------------------------------------------- VC-JWT

def _jwt_credential(did):
    return basic_credential(did)



def test_vc_jwt_with_a_did_key_kid_verifies():
    key, did, method = new_did_key()
    token = vcjwt.encode(_jwt_credential(did), key, algorithm="EdDSA", kid=method)
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert report.valid, report.to_dict()["checks"]
    assert report.format == "ob3-jwt" and checks(report)["jwt_claims"].ok


@pytest.mark.parametrize("header,word", [
    ({"alg": "none", "typ": "JWT"}, "none"),
    ({"alg": "HS256", "typ": "JWT"}, "HS256"),
    ({"alg": "EdDSA", "typ": "vc+jwt"}, "typ"),
    ({"alg": "EdDSA", "typ": "JWT", "cty": "vc"}, "cty"),
    ({"alg": "EdDSA"}, "neither kid nor jwk"),
])
def test_vc_jwt_header_rules(header, word):
    _, did, method = new_did_key()
    payload = vcjwt.claims(_jwt_credential(did))
    token = f"{b64url({**header, 'kid': method} if 'neither' not in word else header)}." \
            f"{b64url(payload)}.{b64url(b'signature')}"
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert not report.valid and word in checks(report)["proof"].detail


def test_vc_jwt_with_an_embedded_jwk_is_not_bound_to_the_issuer():
    key, did, _ = new_did_key()
    jwk = vcjwt.public_jwk(key.public_key())
    token = jwt.encode(vcjwt.claims(_jwt_credential(did)), key, algorithm="EdDSA",
                       headers={"typ": "JWT", "jwk": jwk})
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert checks(report)["proof"].ok and failed(report) == {"key_binding"}


def test_vc_jwt_claims_must_mirror_the_credential():
    key, did, method = new_did_key()
    claims = {**vcjwt.claims(_jwt_credential(did)), "iss": "https://other.example/"}
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": method, "typ": "JWT"})
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert failed(report) == {"jwt_claims"} and "iss" in checks(report)["jwt_claims"].detail


def test_vc_jwt_rs256_with_a_json_web_key_in_the_issuer_document():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = "https://issuer.example/issuers/2"
    method = f"{issuer}#rsa-1"
    document = {"@context": ["https://www.w3.org/ns/cid/v1"], "id": issuer,
                "verificationMethod": [ob3.json_web_key(id=method, controller=issuer,
                                                        jwk=vcjwt.public_jwk(key.public_key()))],
                "assertionMethod": [method]}
    token = vcjwt.encode(basic_credential(issuer), key, algorithm="RS256", kid=method)
    report = verify_badge(credential=token, fetcher=FixtureFetcher({issuer: document}), now=NOW)
    assert report.valid, report.to_dict()["checks"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["name"] = claims["name"] + "!"
    report = verify_badge(credential=f"{header}.{b64url(claims)}.{signature}",
                          fetcher=FixtureFetcher({issuer: document}), now=NOW)
    assert failed(report) == {"proof"}
    jwks = "https://issuer.example/jwks.json"
    token = vcjwt.encode(basic_credential(issuer), key, algorithm="RS256", kid=f"{jwks}#rsa-1")
    fetcher = FixtureFetcher({jwks: {"keys": [{**vcjwt.public_jwk(key.public_key()),
                                               "kid": "rsa-1"}]}})
    report = verify_badge(credential=token, fetcher=fetcher, now=NOW)
    assert checks(report)["proof"].ok and failed(report) == {"key_binding"}


# ---------------------------------------------------------------- Open Badges 2.0

