"""A nomination from start to end: anyone nominates, a validator endorses on the page,
an editor approves, and the award exists with the nomination and the endorsement as its
evidence; the endorsement is a public, signed EndorsementCredential that names nobody's
address; the nomination's public page shows neither the nominee nor the statement."""

from __future__ import annotations

import json

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from credentials import dataintegrity
from credentials.keys import load_public_key
from issuers.models import KeyType, SigningKey
from tests.cairn.test_errors import assert_error
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    give_stance,
    make_program,
    make_validator,
    mentions_nominee,
    nominated,
    outsider,
    staff,
)


def test_nominate_endorse_approve_awards_with_the_nomination_as_evidence(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class, min_endorsements=1)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    assert (nomination["status"], nomination["nominee"]) == (
        "open", {"type": "email", "identity": "ada@example.org", "name": "Ada"})
    assert nomination["public_url"] == f"{base_url}/nominations/{nomination['id']}"

    make_validator(client, make_award, program, "val@example.org", base_url)
    listed = client.get("/nominations").get_data(as_text=True)
    assert "Ada for Community Mentor" in listed and "ada@example.org" not in listed
    page = client.get(f"/nominations/{nomination['id']}", headers={"Accept": "text/html"})
    assert STATEMENT in page.get_data(as_text=True)  # the validator reads the statement
    response = give_stance(client, nomination["id"], stance="endorse",
                           comment="Ada is the mentor we all ask first.", name="Val Idator")
    assert response.status_code == 303, response.get_data(as_text=True)

    editor, editor_user = staff(api, make_user, issuer, "editor")
    decided = editor.post(f"/api/v1/nominations/{nomination['id']}/decide",
                          json={"decision": "approve", "note": "Well deserved."})
    assert decided.status_code == 200, decided.json
    body = decided.json
    assert (body["status"], body["decision_note"], body["decided_by"]["id"]) == (
        "approved", "Well deserved.", editor_user.public_id)
    assert body["endorsement_count"] == 1 and body["decided_at"] is not None
    assert body["decided_by"] == {"id": editor_user.public_id}  # never the editor's address

    award = api.get(f"/api/v1/assertions/{body['assertion']}").json
    assert award["badge_class"] == program.badge["id"]
    assert award["recipient"] == {"type": "email", "identity": "ada@example.org", "name": "Ada"}
    [endorsement] = body["endorsements"]
    assert award["evidence"] == [
        {"url": nomination["public_url"], "name": "Nomination", "narrative": STATEMENT},
        {"url": endorsement["credential"], "name": "Endorsement by Val Idator",
         "narrative": "Ada is the mentor we all ask first."}]
    credential = client.get(award["urls"]["ob3"]).get_json()
    assert [item.get("id") for item in credential["evidence"]] == [
        nomination["public_url"], endorsement["credential"]]

    again = editor.post(f"/api/v1/nominations/{nomination['id']}/decide",
                        json={"decision": "reject", "note": "Changed my mind."})
    assert_error(again, 409, "already_decided")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assertion).where(
        Assertion.public_id == body["assertion"])) == 1
    assert nominator.get(f"/api/v1/nominations/{nomination['id']}").json["status"] == "approved"


def test_the_endorsement_is_a_signed_public_credential_naming_no_address(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="endorse", comment="Yes!", name="")

    [endorsement] = api.get(f"/api/v1/nominations/{nomination['id']}").json["endorsements"]
    assert endorsement["name"] == "A holder of “Mentor Council”"
    response = client.get(endorsement["credential"], headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    document = response.get_json()
    assert "@example.org" not in response.get_data(as_text=True).replace(
        "badges@example.org", "")  # only the issuer's own public contact address
    assert document["id"] == endorsement["credential"]
    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["issuer"]["id"] == f"{base_url}/issuers/{issuer['id']}/ob3"
    subject = document["credentialSubject"]
    assert subject["id"] == nomination["public_url"]
    assert subject["type"] == ["EndorsementSubject"]
    assert subject["endorsementComment"] == "Yes!\n\n— A holder of “Mentor Council”"

    key = db.session.scalar(sa.select(SigningKey).where(SigningKey.type == KeyType.ed25519))
    checks = dataintegrity.verify(document, load_public_key(key.public_pem))
    assert [check.ok for check in checks] == [True], checks
    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["endorsementComment"] = "No!"
    assert not dataintegrity.verify(tampered, load_public_key(key.public_pem))[0].ok

    html = client.get(endorsement["credential"], headers={"Accept": "text/html"})
    assert html.status_code == 200 and "Endorsement by A holder of" in html.get_data(
        as_text=True)


def test_the_public_nomination_page_shows_neither_nominee_nor_statement(
        api, client, issuer, make_badge_class, make_user):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    for accept in ("application/json", "text/html"):
        response = client.get(f"/nominations/{nomination['id']}", headers={"Accept": accept})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "ada@example.org" not in text and STATEMENT not in text
        assert not mentions_nominee(text)
    document = client.get(f"/nominations/{nomination['id']}").get_json()
    assert document["status"] == "open" and document["endorsements"] == []
    missing = client.get("/nominations/nothing-here", headers={"Accept": "application/json"})
    assert_error(missing, 404, "nomination_not_found")
