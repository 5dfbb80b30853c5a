"""Cairn's verifier (credentials.verification) on its own: no database, no network; every
document comes from a fixture fetcher. The 1EdTech validator examples, tampered copies,
VC-JWT header rules, OB 2.0 hosted and signed badges, status lists and baked images."""

import base64
import copy
import gzip
import hashlib
import json
import pathlib
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from credentials import bitstring, dataintegrity, ob3, vcjwt
from credentials.baking import bake_png, bake_svg_ob2
from credentials.fetch import FetchError, FetchPolicy
from credentials.jws import sign_jws
from credentials.keys import public_pem
from credentials.verification import (
    HttpFetcher,
    Recipient,
    UnreadableBadge,
    verify_badge,
)
from credentials.verification.fetcher import Session, did_web_url
from tests.conftest import SVG, png_bytes

SPEC = pathlib.Path(__file__).resolve().parents[3] / "shared" / "spec"
EXAMPLES = SPEC / "examples" / "ob_v3p0"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STATUS_LIST_URL = ("https://raw.githubusercontent.com/1EdTech/digital-credentials-public-"
                   "validator/refs/heads/main/inspector-vc/src/test/resources/ob30/"
                   "bit-string-list/testlist")
SIGNED_EXAMPLES = ["validator-simple.json", "validator-complete.json",
                   "validator-endorsement-valid.json", "validator-simple-did-key-method.json",
                   "validator-bitstring-credential-status-revoked.json",
                   "validator-bitstring-statuslist-credential.json"]


class FixtureFetcher:
    """Serves JSON documents (optionally with a status) and raw bodies; refuses the rest."""

    def __init__(self, documents=None, bodies=None):
        self.documents = dict(documents or {})
        self.bodies = dict(bodies or {})
        self.fetched = []

    def json(self, url):
        self.fetched.append(url)
        if url not in self.documents:
            raise FetchError(f"no fixture for {url}")
        value = self.documents[url]
        return value if isinstance(value, tuple) else (200, value)

    def bytes(self, url):
        self.fetched.append(url)
        if url in self.bodies:
            return self.bodies[url]
        if url in self.documents:
            return json.dumps(self.json(url)[1]).encode()
        raise FetchError(f"no fixture for {url}")


def example(name):
    return json.loads((EXAMPLES / name).read_text())


def controller_document(controller, keys):
    """An issuer's controller document, as ../shared/interop/lib/selftest.mjs generates it
    for the examples: one Multikey per key, the key being the VM's fragment."""
    methods = [{"id": f"{controller}#{key}", "type": "Multikey", "controller": controller,
                "publicKeyMultibase": key} for key in keys]
    return {"@context": ["https://www.w3.org/ns/cid/v1", "https://w3id.org/security/multikey/v1"],
            "id": controller, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


def example_fixtures(*, status_list=True, revoked_ids=()):
    keys = {}
    for name in SIGNED_EXAMPLES:
        for proof in dataintegrity.proofs_of(example(name)):
            controller, _, key = proof["verificationMethod"].partition("#")
            if key:
                keys.setdefault(controller, set()).add(key)
    documents = {c: controller_document(c, sorted(k)) for c, k in keys.items()}
    if status_list:
        documents[STATUS_LIST_URL] = example("validator-bitstring-statuslist-credential.json")
    revocations = "https://1edtech.edu/credentials/3732/revocations"
    documents[revocations] = {"id": revocations, "issuer": "https://1edtech.edu/issuers/565049",
                              "revokedCredentials": [{"id": i, "revocationReason": "Error"}
                                                     for i in revoked_ids]}
    return FixtureFetcher(documents)


def checks(report):
    return {check.name: check for check in report.checks}


def failed(report):
    return {check.name for check in report.checks if not check.ok}


# ---------------------------------------------------------------- the 1EdTech examples

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

def _did_key():
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    return key, f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}"


def _signed(credential, key, method, **changes):
    return dataintegrity.sign({**credential, **changes}, key, verification_method=method,
                              created=NOW)


def _basic(issuer_id, **changes):
    credential = example("spec-basic-openbadgecredential.json")
    credential["issuer"]["id"] = issuer_id
    return {**credential, **changes}


def _status_list(issuer_id, key, method, *, purpose, set_bits=(), url):
    bits = bitstring.empty()
    for index in set_bits:
        bits = bitstring.with_bit(bits, index, True)
    document = ob3.status_list_credential(id=url, issuer=issuer_id, purpose=purpose,
                                          encoded_list=bitstring.encode(bits), valid_from=NOW)
    return dataintegrity.sign(document, key, verification_method=method, created=NOW)


LIST_URL = "https://issuer.example/status/1"


def _with_status(purpose, *, set_bits=(), index=7, list_issuer=None, list_key=None):
    key, did, method = _did_key()
    list_key = list_key or (key, method)
    status_list = _status_list(list_issuer or did, *list_key, purpose=purpose,
                               set_bits=set_bits, url=LIST_URL)
    entry = ob3.bitstring_status_entry(list_url=LIST_URL, index=index, purpose=purpose)
    signed = _signed(_basic(did, credentialStatus=entry), key, method)
    return signed, FixtureFetcher({LIST_URL: status_list})


@pytest.mark.parametrize("purpose,word", [("revocation", "revoked"),
                                          ("suspension", "suspended")])
def test_bitstring_status_bits(purpose, word):
    signed, fetcher = _with_status(purpose)
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert report.valid and checks(report)["status"].detail.startswith(f"not {word}")
    signed, fetcher = _with_status(purpose, set_bits=[7])
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and checks(report)["status"].detail.startswith(word)


def test_status_list_of_another_issuer_or_key_fails():
    signed, fetcher = _with_status("revocation", list_issuer="did:example:someone-else")
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "not by the credential's issuer" in \
        checks(report)["status"].detail
    other_key, _, other_method = _did_key()
    signed, fetcher = _with_status("revocation", list_key=(other_key, other_method))
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "not signed by its issuer" in \
        checks(report)["status"].detail


def test_tampered_status_list_fails():
    signed, fetcher = _with_status("revocation", set_bits=[7])
    listed = fetcher.documents[LIST_URL]
    listed["credentialSubject"]["encodedList"] = bitstring.encode(bitstring.empty())
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert failed(report) == {"status"} and "does not verify" in checks(report)["status"].detail


def test_status_index_beyond_the_list_fails():
    signed, fetcher = _with_status("revocation", index=bitstring.MIN_ENTRIES + 5)
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert "beyond" in checks(report)["status"].detail and not report.valid


@pytest.mark.parametrize("changes,word", [
    ({"validFrom": "2030-01-01T00:00:00Z"}, "not valid before"),
    ({"validUntil": "2020-01-01T00:00:00Z"}, "expired"),
    ({"validFrom": "yesterday"}, "not a date-time")])
def test_validity_window(changes, word):
    key, did, method = _did_key()
    report = verify_badge(credential=_signed(_basic(did), key, method, **changes),
                          fetcher=FixtureFetcher(), now=NOW)
    assert "validity" in failed(report) and word in checks(report)["validity"].detail


def test_issuer_document_must_list_the_key_for_assertion():
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    issuer = "https://issuer.example/issuers/1"
    document = controller_document(issuer, [fingerprint])
    signed = _signed(_basic(issuer), key, f"{issuer}#{fingerprint}")
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
    signed = _signed(_basic(did), key, f"{did}#key-1")
    report = verify_badge(credential=signed, fetcher=fetcher, now=NOW)
    assert report.valid, report.to_dict()["checks"]


def test_recipient_identifier_is_compared_by_hash():
    key, did, method = _did_key()
    credential = _basic(did)
    achievement = credential["credentialSubject"]["achievement"]
    identity_hash = "sha256$" + hashlib.sha256(b"ada@example.org" + b"pepper").hexdigest()
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"], "achievement": achievement,
        "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                        "salt": "pepper", "identityHash": identity_hash}]}
    signed = _signed(credential, key, method)
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
    key, did, method = _did_key()
    credential = _basic(did)
    del credential["credentialSubject"]["achievement"]["criteria"]
    report = verify_badge(credential=_signed(credential, key, method), fetcher=FixtureFetcher(),
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
    return _basic(did)


def _b64(value):
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_vc_jwt_with_a_did_key_kid_verifies():
    key, did, method = _did_key()
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
    _, did, method = _did_key()
    payload = vcjwt.claims(_jwt_credential(did))
    token = f"{_b64({**header, 'kid': method} if 'neither' not in word else header)}." \
            f"{_b64(payload)}.{_b64(b'signature')}"
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert not report.valid and word in checks(report)["proof"].detail


def test_vc_jwt_with_an_embedded_jwk_is_not_bound_to_the_issuer():
    key, did, _ = _did_key()
    jwk = vcjwt.public_jwk(key.public_key())
    token = jwt.encode(vcjwt.claims(_jwt_credential(did)), key, algorithm="EdDSA",
                       headers={"typ": "JWT", "jwk": jwk})
    report = verify_badge(credential=token, fetcher=FixtureFetcher(), now=NOW)
    assert checks(report)["proof"].ok and failed(report) == {"key_binding"}


def test_vc_jwt_claims_must_mirror_the_credential():
    key, did, method = _did_key()
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
    token = vcjwt.encode(_basic(issuer), key, algorithm="RS256", kid=method)
    report = verify_badge(credential=token, fetcher=FixtureFetcher({issuer: document}), now=NOW)
    assert report.valid, report.to_dict()["checks"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["name"] = claims["name"] + "!"
    report = verify_badge(credential=f"{header}.{_b64(claims)}.{signature}",
                          fetcher=FixtureFetcher({issuer: document}), now=NOW)
    assert failed(report) == {"proof"}
    jwks = "https://issuer.example/jwks.json"
    token = vcjwt.encode(_basic(issuer), key, algorithm="RS256", kid=f"{jwks}#rsa-1")
    fetcher = FixtureFetcher({jwks: {"keys": [{**vcjwt.public_jwk(key.public_key()),
                                               "kid": "rsa-1"}]}})
    report = verify_badge(credential=token, fetcher=fetcher, now=NOW)
    assert checks(report)["proof"].ok and failed(report) == {"key_binding"}


# ---------------------------------------------------------------- Open Badges 2.0

OB2 = "https://w3id.org/openbadges/v2"
ORIGIN = "https://example.org"


def _ob2_world(*, assertion_id=f"{ORIGIN}/assertions/1", signed=False, revoked=()):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = {"@context": OB2, "type": "Issuer", "id": f"{ORIGIN}/issuer", "name": "Example",
              "url": ORIGIN, "email": "badges@example.org", "publicKey": f"{ORIGIN}/key",
              "revocationList": f"{ORIGIN}/revocations"}
    badge = {"@context": OB2, "type": "BadgeClass", "id": f"{ORIGIN}/badge", "name": "Robotics",
             "description": "Built a robot.", "image": f"{ORIGIN}/badge.png",
             "criteria": {"narrative": "Build a robot."}, "issuer": issuer["id"]}
    salt = "deadsea"
    identity = "sha256$" + hashlib.sha256(b"beth@example.org" + salt.encode()).hexdigest()
    assertion = {"@context": OB2, "type": "Assertion", "id": assertion_id,
                 "recipient": {"type": "email", "hashed": True, "salt": salt,
                               "identity": identity},
                 "issuedOn": "2016-12-31T23:59:59Z", "badge": badge["id"],
                 "verification": ({"type": "SignedBadge", "creator": f"{ORIGIN}/key"} if signed
                                  else {"type": "hosted"})}
    documents = {issuer["id"]: issuer, badge["id"]: badge,
                 f"{ORIGIN}/key": {"@context": OB2, "type": "CryptographicKey",
                                   "id": f"{ORIGIN}/key", "owner": issuer["id"],
                                   "publicKeyPem": public_pem(key.public_key())},
                 f"{ORIGIN}/revocations": {"@context": OB2, "type": "RevocationList",
                                           "id": f"{ORIGIN}/revocations",
                                           "issuer": issuer["id"],
                                           "revokedAssertions": list(revoked)}}
    if not signed:
        documents[assertion_id] = assertion
    return assertion, key, documents


def test_ob2_hosted_assertion_verifies_given_or_by_url():
    assertion, _, documents = _ob2_world()
    for kwargs in ({"credential": assertion}, {"url": assertion["id"]}):
        report = verify_badge(**kwargs, fetcher=FixtureFetcher(documents), now=NOW,
                              recipient=Recipient("email", "beth@example.org"))
        assert report.valid and report.format == "ob2-hosted", report.to_dict()["checks"]
        assert report.badge["name"] == "Robotics" and report.badge["issuer"]["name"] == "Example"


def test_ob2_hosted_assertion_changed_copy_revoked_and_off_origin_fail():
    assertion, _, documents = _ob2_world()
    report = verify_badge(credential={**assertion, "issuedOn": "2015-12-31T23:59:59Z"},
                          fetcher=FixtureFetcher(documents), now=NOW)
    assert failed(report) == {"proof"} and "issuedOn" in checks(report)["proof"].detail
    gone = {**documents, assertion["id"]: (410, {"@context": OB2, "id": assertion["id"],
                                                 "revoked": True, "revocationReason": "Oops"})}
    report = verify_badge(credential=assertion, fetcher=FixtureFetcher(gone), now=NOW)
    assert {"proof", "status"} == failed(report) and "Oops" in checks(report)["status"].detail
    report = verify_badge(url=assertion["id"], fetcher=FixtureFetcher(gone), now=NOW)
    assert "status" in failed(report) and not report.valid
    elsewhere, _, documents = _ob2_world(assertion_id="https://badges.example.net/a/1")
    report = verify_badge(credential=elsewhere, fetcher=FixtureFetcher(documents), now=NOW)
    assert failed(report) == {"key_binding"}
    issuer = documents[f"{ORIGIN}/issuer"]
    documents[issuer["id"]] = {**issuer, "verification": {
        "type": "VerificationObject", "allowedOrigins": ["badges.example.net"]}}
    assert verify_badge(credential=elsewhere, fetcher=FixtureFetcher(documents), now=NOW).valid


def test_ob2_expired_and_incomplete_assertions_fail():
    assertion, _, documents = _ob2_world()
    documents[assertion["id"]] = {**assertion, "expires": "2017-06-30T23:59:59Z"}
    report = verify_badge(url=assertion["id"], fetcher=FixtureFetcher(documents), now=NOW)
    assert failed(report) == {"validity"}
    documents[f"{ORIGIN}/badge"] = {k: v for k, v in documents[f"{ORIGIN}/badge"].items()
                                    if k != "criteria"}
    report = verify_badge(url=assertion["id"], fetcher=FixtureFetcher(documents), now=NOW)
    assert "BadgeClass has no criteria" in checks(report)["format"].detail


def test_ob2_signed_assertion():
    assertion, key, documents = _ob2_world(signed=True, assertion_id="urn:uuid:a953081a")
    token = sign_jws(assertion, key)
    report = verify_badge(credential=token, fetcher=FixtureFetcher(documents), now=NOW,
                          recipient=Recipient("email", "beth@example.org"))
    assert report.valid and report.format == "ob2-signed", report.to_dict()["checks"]
    revoked = _ob2_world(signed=True, assertion_id="urn:uuid:a953081a",
                         revoked=[{"id": "urn:uuid:a953081a", "revocationReason": "Cheat"}])[2]
    revoked[f"{ORIGIN}/key"] = documents[f"{ORIGIN}/key"]
    report = verify_badge(credential=token, fetcher=FixtureFetcher(revoked), now=NOW)
    assert failed(report) == {"status"} and "Cheat" in checks(report)["status"].detail
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    report = verify_badge(credential=sign_jws(assertion, other), fetcher=FixtureFetcher(documents),
                          now=NOW)
    assert failed(report) == {"proof"}
    unowned = {**documents, f"{ORIGIN}/key": {**documents[f"{ORIGIN}/key"],
                                              "owner": "https://evil.example/"}}
    report = verify_badge(credential=token, fetcher=FixtureFetcher(unowned), now=NOW)
    assert failed(report) == {"key_binding"}
    unlisted = {**documents, f"{ORIGIN}/issuer": {**documents[f"{ORIGIN}/issuer"],
                                                  "publicKey": []}}
    report = verify_badge(credential=token, fetcher=FixtureFetcher(unlisted), now=NOW)
    assert failed(report) == {"key_binding"}
    report = verify_badge(credential=assertion, fetcher=FixtureFetcher(documents), now=NOW)
    assert "proof" in failed(report)
    none = f"{_b64({'alg': 'none'})}.{token.split('.')[1]}."
    report = verify_badge(credential=none, fetcher=FixtureFetcher(documents), now=NOW)
    assert "none" in checks(report)["proof"].detail and not report.valid


# ---------------------------------------------------------------- baked images and input

def test_baked_png_and_svg():
    key, did, method = _did_key()
    credential = json.dumps(_signed(_basic(did), key, method))
    png = bake_png(png_bytes(), "openbadgecredential", credential)
    report = verify_badge(image=png, fetcher=FixtureFetcher(), now=NOW)
    assert report.valid and checks(report)["image"].ok
    damaged = png.replace(b"Teamwork Badge", b"Teamwork Badgf", 1)
    report = verify_badge(image=damaged, fetcher=FixtureFetcher(), now=NOW)
    assert {"image", "proof"} <= failed(report)
    assertion, _, documents = _ob2_world()
    svg = bake_svg_ob2(SVG, verify=assertion["id"])  # the hosted URL only
    report = verify_badge(image=svg, fetcher=FixtureFetcher(documents), now=NOW)
    assert report.valid and report.format == "ob2-hosted", report.to_dict()["checks"]


@pytest.mark.parametrize("value", ["hello", "{not json", "[1, 2]", 42, {"name": "x"},
                                   "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.", {"vc": {}, "iss": "x"}])
def test_unreadable_input_raises(value):
    with pytest.raises(UnreadableBadge):
        verify_badge(credential=value, fetcher=FixtureFetcher(), now=NOW)


@pytest.mark.parametrize("image", [b"", b"GIF89a", png_bytes(), SVG, gzip.compress(b"x")])
def test_unreadable_images_raise(image):
    with pytest.raises(UnreadableBadge):
        verify_badge(image=image, fetcher=FixtureFetcher(), now=NOW)


def test_private_addresses_are_refused_by_default():
    report = verify_badge(url="http://127.0.0.1:9/assertions/1", now=NOW)
    assert not report.valid and report.format is None
    assert [c.name for c in report.checks] == ["fetch"]
    assert "not a public address" in report.checks[0].detail
    report = verify_badge(url="file:///etc/passwd", fetcher=HttpFetcher(FetchPolicy()), now=NOW)
    assert "only http(s)" in report.checks[0].detail


def test_fetch_budget_and_did_web():
    session = Session(FixtureFetcher({"https://a.example/1": {}}), max_fetches=1)
    session.json("https://a.example/1")
    session.json("https://a.example/1#key")  # memoised
    with pytest.raises(FetchError):
        session.json("https://a.example/2")
    assert did_web_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert did_web_url("did:web:example.com%3A8443:issuers:1") == \
        "https://example.com:8443/issuers/1/did.json"
