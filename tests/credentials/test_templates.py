"""Canonical templates give byte for byte what full canonicalization gives, and sign the same.

Random values include what canonical N-Quads must escape (quotes, backslashes, newlines,
tabs, control characters) and non-ASCII text; a seeded generator keeps failures replayable.
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials import jsonld
from credentials.dataintegrity import sign, sign_with_template, sign_with_template_text, verify
from credentials.templates import CanonicalTemplate

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_ID = "urn:cairn:placeholder:credential-id"
RECIPIENT = "urn:cairn:placeholder:recipient"
EVIDENCE_ID = "urn:cairn:placeholder:evidence-id"
VALID_FROM = "cairn:placeholder:valid-from"
NARRATIVE = "cairn:placeholder:narrative"
IDENTITY_HASH = "cairn:placeholder:identity-hash"
SALT = "cairn:placeholder:salt"
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
METHOD = "https://badges.example.org/issuers/1#key-1"
AWKWARD = ['"', "\\", "\n", "\r", "\t", "\x00", "\x08", "\x0c", "\x7f", "{", "}", "<", ">",
           "\u00e9", "\u4e2d", "\U0001f3c5", "\u2028", " "]


def credential(subject: dict, evidence: dict) -> dict:
    """An OpenBadgeCredential in the shape of the spec's basic example, as Cairn fills it."""
    return {
        "@context": CONTEXT,
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://badges.example.org/issuers/1", "type": ["Profile"],
                   "name": "Example Corp", "url": "https://example.org"},
        "validFrom": VALID_FROM,
        "name": "Teamwork Badge",
        "credentialSubject": {**subject, "type": ["AchievementSubject"], "achievement": {
            "id": "https://badges.example.org/badge-classes/1", "type": ["Achievement"],
            "name": "Teamwork", "description": "Collaborates within a group.",
            "criteria": {"narrative": "Nominated by peers, reviewed by management."}}},
        "evidence": [evidence],
    }


def did_template() -> CanonicalTemplate:
    document = credential({"id": RECIPIENT},
                          {"id": EVIDENCE_ID, "type": ["Evidence"], "narrative": NARRATIVE})
    return CanonicalTemplate(document, [CREDENTIAL_ID, VALID_FROM, RECIPIENT, EVIDENCE_ID,
                                        NARRATIVE])


def email_template() -> CanonicalTemplate:
    identity = {"type": "IdentityObject", "identityHash": IDENTITY_HASH,
                "identityType": "emailAddress", "hashed": True, "salt": SALT}
    document = credential({"identifier": [identity]},
                          {"type": ["Evidence"], "narrative": NARRATIVE})
    return CanonicalTemplate(document, [CREDENTIAL_ID, VALID_FROM, IDENTITY_HASH, SALT,
                                        NARRATIVE])


def random_text(rng: random.Random) -> str:
    pieces = [rng.choice(AWKWARD) if rng.random() < 0.3 else rng.choice(string.printable)
              for _ in range(rng.randint(0, 40))]
    return "".join(pieces)


def random_values(rng: random.Random, email: bool) -> dict[str, str]:
    values = {
        CREDENTIAL_ID: f"urn:uuid:{rng.getrandbits(128):032x}",
        VALID_FROM: f"20{rng.randint(10, 40)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
        NARRATIVE: random_text(rng),
    }
    if email:
        salt = f"{rng.getrandbits(64):016x}"
        values |= {SALT: salt, IDENTITY_HASH: f"sha256${rng.getrandbits(256):064x}"}
    else:
        values |= {RECIPIENT: rng.choice([f"did:example:{rng.getrandbits(64):x}",
                                          f"https://people.example.org/{rng.getrandbits(32)}",
                                          f"mailto:someone{rng.randint(0, 99)}@example.org"]),
                   EVIDENCE_ID: f"https://badges.example.org/evidence/{rng.getrandbits(48):x}"}
    return values


@pytest.fixture(scope="module")
def templates() -> dict[str, CanonicalTemplate]:
    return {"did": did_template(), "email": email_template()}


def test_soundness_is_decided_when_the_template_is_built(templates):
    assert templates["did"].sound
    assert not templates["email"].sound  # salt and hash sit on a blank node


@pytest.mark.parametrize("kind", ["did", "email"])
def test_substitution_equals_full_canonicalization(templates, kind):
    template, rng = templates[kind], random.Random(f"cairn-{kind}")
    for _ in range(40):
        values = random_values(rng, email=kind == "email")
        assert template.canonicalize(values) == jsonld.canonicalize(template.fill(values))


def test_email_labels_are_worked_out_without_full_canonicalization(templates, monkeypatch):
    template, rng = templates["email"], random.Random("cairn-labels")
    expected = [(values, jsonld.canonicalize(template.fill(values)))
                for values in (random_values(rng, email=True) for _ in range(10))]
    monkeypatch.setattr(jsonld, "canonicalize_dataset", None)  # the shortcut must not need it
    for values, canonical in expected:
        assert template.canonicalize(values) == canonical


SECOND_NARRATIVE = "cairn:placeholder:second-narrative"


def evidence_template(evidence: list[dict]) -> CanonicalTemplate:
    identity = {"type": "IdentityObject", "identityHash": IDENTITY_HASH,
                "identityType": "emailAddress", "hashed": True, "salt": SALT}
    document = {**credential({"identifier": [identity]}, {}), "evidence": evidence}
    return CanonicalTemplate(document, [CREDENTIAL_ID, VALID_FROM, IDENTITY_HASH, SALT,
                                        NARRATIVE, SECOND_NARRATIVE])


@pytest.mark.parametrize("evidence", [
    [{"type": ["Evidence"], "narrative": NARRATIVE},  # twin blank nodes: equal hashes
     {"type": ["Evidence"], "narrative": SECOND_NARRATIVE}],
    [{"type": ["Evidence"], "narrative": [NARRATIVE, SECOND_NARRATIVE]}],  # one statement
])
def test_email_values_that_make_twin_nodes_or_equal_statements_are_canonical(evidence):
    template = evidence_template(evidence)
    values = random_values(random.Random(5), email=True)
    for narrative in (values[NARRATIVE], "other"):
        values = {**values, SECOND_NARRATIVE: narrative}
        assert template.canonicalize(values) == jsonld.canonicalize(template.fill(values))


def test_a_proof_configuration_keeps_a_fixed_line_order():
    """One blank node, one line per predicate: the order never depends on the values, so
    the template skips the sort; it must still match full canonicalization."""
    created, method = "cairn:placeholder:created", "urn:cairn:placeholder:method"
    template = CanonicalTemplate({"@context": CONTEXT, "type": "DataIntegrityProof",
                                  "cryptosuite": "eddsa-rdfc-2022", "created": created,
                                  "verificationMethod": method, "proofPurpose": "assertionMethod"},
                                 [created, method])
    assert template.sound and template._ordered
    rng = random.Random("proof")
    for _ in range(30):
        suffix = "".join(c for c in random_text(rng) if not c.isspace())
        values = {created: random_text(rng),
                  method: rng.choice(["https://example.org/k{", "did:key:z6Mk#z6Mk", "tag:x"])
                  + suffix}
        assert template.canonicalize(values) == jsonld.canonicalize(template.fill(values))


def test_repeated_values_collapse_as_the_node_map_does(templates):
    values = random_values(random.Random(1), email=False)
    values[EVIDENCE_ID] = values[RECIPIENT] = values[CREDENTIAL_ID]
    template = templates["did"]
    assert template.canonicalize(values) == jsonld.canonicalize(template.fill(values))


@pytest.mark.parametrize("iri", ["xsd:date", "relative/path", "_:b0", "has space:x", "@id",
                                 "https://example.org/a{b}|c"])
def test_iris_that_json_ld_would_rewrite_take_the_full_path(templates, iri):
    values = random_values(random.Random(2), email=False)
    values[RECIPIENT] = iri
    template = templates["did"]
    try:
        expected = jsonld.canonicalize(template.fill(values))
    except jsonld.CanonicalizationError:
        with pytest.raises(jsonld.CanonicalizationError):
            template.canonicalize(values)
        return
    assert template.canonicalize(values) == expected


def test_fill_returns_a_fresh_document(templates):
    values = random_values(random.Random(3), email=False)
    first, second = templates["did"].fill(values), templates["did"].fill(values)
    assert first == second and first is not second
    first["credentialSubject"]["id"] = "changed"
    assert templates["did"].fill(values) == second
    assert second["evidence"][0]["narrative"] == values[NARRATIVE]


def test_values_must_match_the_placeholders(templates):
    values = random_values(random.Random(4), email=False)
    with pytest.raises(ValueError, match="missing"):
        templates["did"].canonicalize({k: v for k, v in values.items() if k != NARRATIVE})
    with pytest.raises(ValueError, match="unknown"):
        templates["did"].fill({**values, "urn:other": "x"})
    with pytest.raises(TypeError):
        templates["did"].fill({**values, NARRATIVE: 3})


@pytest.mark.parametrize(("change", "message"), [
    ({"type": ["VerifiableCredential", "urn:cairn:placeholder:type"]}, "type"),
    ({"name": "urn:cairn:placeholder:absent"}, "not a value"),
    ({"unknownTerm": CREDENTIAL_ID}, "not defined"),
])
def test_unsupported_placeholders_are_refused_at_build_time(change, message):
    document = {**credential({"id": RECIPIENT}, {"id": EVIDENCE_ID, "type": ["Evidence"]}),
                **change}
    placeholders = [CREDENTIAL_ID, RECIPIENT, EVIDENCE_ID, VALID_FROM,
                    *(["urn:cairn:placeholder:type"] if "type" in change else []),
                    *(["urn:cairn:placeholder:other"] if message == "not a value" else [])]
    with pytest.raises(ValueError, match=message):
        CanonicalTemplate(document, placeholders)


@pytest.mark.parametrize("kind", ["did", "email"])
def test_sign_with_template_equals_sign_and_verifies(templates, kind):
    template, rng = templates[kind], random.Random(f"sign-{kind}")
    private_key = Ed25519PrivateKey.generate()
    for _ in range(5):
        values = random_values(rng, email=kind == "email")
        signed = sign_with_template(template, values, private_key, verification_method=METHOD,
                                    created=CREATED)
        assert signed == sign(template.fill(values), private_key, verification_method=METHOD,
                              created=CREATED)
        assert [c.ok for c in verify(signed, private_key.public_key())] == [True]
        assert sign_with_template_text(template, values, private_key, verification_method=METHOD,
                                       created=CREATED) == \
            json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
