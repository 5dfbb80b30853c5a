"""The OB 3.0 forms of an award, checked without the outside verifiers: shape, the
official JSON Schema (jsonschema), status lists and the suspension rules."""

import json
import pathlib

import jsonschema
import pytest

from credentials import bitstring

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[3] / "shared" / "spec" / "ob_v3p0" / "schema"


@pytest.fixture(scope="module")
def achievement_schema():
    schema = json.loads((SCHEMA_DIR / "achievementcredential.json").read_text())
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def test_credential_has_the_spec_shape(client, award, base_url, achievement_schema):
    credential = client.get(award["urls"]["ob3"]).get_json()
    achievement_schema.validate(credential)
    assert credential["@context"][:2] == ["https://www.w3.org/ns/credentials/v2",
                                          "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == award["urls"]["ob3"]
    assert credential["issuer"]["id"] == f"{base_url}/issuers/{award['issuer']}/ob3"
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityType"] == "emailAddress"
    assert "ada@example.org" not in json.dumps(credential)
    proof = credential["proof"]
    assert isinstance(proof, list) and proof[0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof[0]["verificationMethod"].startswith(credential["issuer"]["id"] + "#")


def test_issuer_document_lists_every_key_for_assertion(client, award):
    credential = client.get(award["urls"]["ob3"]).get_json()
    issuer = client.get(credential["issuer"]["id"]).get_json()
    methods = {m["id"]: m for m in issuer["verificationMethod"]}
    assert set(issuer["assertionMethod"]) == set(methods)
    method = methods[credential["proof"][0]["verificationMethod"]]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert method["controller"] == issuer["id"]


def test_status_entry_points_at_a_signed_list_with_the_bit_clear(client, award):
    credential = client.get(award["urls"]["ob3"]).get_json()
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    status = client.get(entry["statusListCredential"]).get_json()
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = bitstring.decode(status["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131072
    assert not bitstring.get_bit(bits, int(entry["statusListIndex"]))


def test_indexes_are_random_and_never_reused(make_award, client):
    entries = [client.get(make_award(recipient={"identity": f"p{i}@example.org"})["urls"]["ob3"])
               .get_json()["credentialStatus"]["statusListIndex"] for i in range(8)]
    assert len(set(entries)) == 8
    assert sorted(entries) != entries or len(set(int(e) // 1000 for e in entries)) > 1


def test_revocation_sets_the_bit_and_the_1edtech_list(api, client, award, issuer):
    credential = client.get(award["urls"]["ob3"]).get_json()
    entry = credential["credentialStatus"]
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Duplicate"})
    status = client.get(entry["statusListCredential"]).get_json()
    assert bitstring.get_bit(bitstring.decode(status["credentialSubject"]["encodedList"]),
                             int(entry["statusListIndex"]))
    listed = client.get(f"{issuer['public_url']}/status/1edtech-revocations").get_json()
    assert listed["revokedCredentials"] == [{"id": credential["id"], "revoked": True,
                                             "revocationReason": "Duplicate"}]


def test_1edtech_issuers_carry_a_revocation_list_entry(api, make_issuer, make_badge_class,
                                                       make_award, client, achievement_schema):
    issuer = make_issuer(status_method="1edtech")
    badge_class = make_badge_class(issuer_id=issuer["id"])
    credential = client.get(make_award(badge_class_id=badge_class["id"])["urls"]["ob3"]).get_json()
    assert credential["credentialStatus"] == {
        "id": f"{issuer['public_url']}/status/1edtech-revocations", "type": "1EdTechRevocationList"}
    achievement_schema.validate(credential)


def test_only_suspendable_awards_can_be_suspended(api, award, make_badge_class, make_award):
    refused = api.post(f"/api/v1/assertions/{award['id']}/suspend", json={"reason": "x"})
    assert refused.status_code == 409 and refused.json["code"] == "not_suspendable"
    suspendable = make_award(badge_class_id=make_badge_class(suspendable=True)["id"])
    suspended = api.post(f"/api/v1/assertions/{suspendable['id']}/suspend",
                         json={"reason": "Lapsed"})
    assert suspended.json["suspended"] is True
    assert api.post(f"/api/v1/assertions/{suspendable['id']}/suspend",
                    json={"reason": "again"}).status_code == 409
    resumed = api.post(f"/api/v1/assertions/{suspendable['id']}/unsuspend")
    assert resumed.json["suspended"] is False
    api.post(f"/api/v1/assertions/{suspendable['id']}/revoke", json={"reason": "Fraud"})
    assert api.post(f"/api/v1/assertions/{suspendable['id']}/suspend",
                    json={"reason": "x"}).status_code == 409


@pytest.mark.parametrize("overrides", [
    {}, {"recipient": {"type": "did", "identity": "did:example:123"},
         "evidence": [{"url": "https://example.org/e/1", "name": "Deck"}]},
    {"evidence": [{"narrative": "Quotes \" and \\ and\nnew lines, ünïcode"}],
     "expires": "2099-01-01T00:00:00Z"},
])
def test_template_signature_equals_a_full_canonicalisation(app, make_award, overrides):
    """The award path canonicalises by substitution; a full JSON-LD canonicalisation of
    the same document must give the same bytes, hence the same signature."""
    from datetime import datetime

    from badges.awards import find_assertion
    from badges.credentials import unsigned_credential
    from credentials import dataintegrity
    from issuers.models import KeyType
    from issuers.services import private_key, signing_key

    award = make_award(**overrides)
    assertion = find_assertion(award["id"])
    stored = json.loads(assertion.credential)
    proof = stored["proof"][0]
    created = datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))
    key = signing_key(assertion.issuer, KeyType.ed25519)
    full = dataintegrity.sign(unsigned_credential(assertion), private_key(key),
                              verification_method=proof["verificationMethod"], created=created)
    assert full == stored
