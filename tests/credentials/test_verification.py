"""Cairn's verifier on OB 2.0 hosted and signed badges, baked images and unreadable input
(no database, no network: every document comes from a fixture fetcher)."""

import gzip
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

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
from tests.credentials.verification_support import (
    NOW,
    OB2,
    FixtureFetcher,
    b64url,
    basic_credential,
    checks,
    failed,
    new_did_key,
    signed_with,
)

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
    none = f"{b64url({'alg': 'none'})}.{token.split('.')[1]}."
    report = verify_badge(credential=none, fetcher=FixtureFetcher(documents), now=NOW)
    assert "none" in checks(report)["proof"].detail and not report.valid


# ---------------------------------------------------------------- baked images and input

def test_baked_png_and_svg():
    key, did, method = new_did_key()
    credential = json.dumps(signed_with(basic_credential(did), key, method))
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


@pytest.mark.parametrize("image", [b"", b"GIF89a", png_bytes(), SVG, gzip.compress(b"x", mtime=0)],
                         ids=["empty", "gif", "unbaked-png", "unbaked-svg", "gzip"])
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
