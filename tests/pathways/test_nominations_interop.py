"""Each endorsement of a nomination is an OB 3.0 EndorsementCredential that Digital
Bazaar's verifier accepts (proof, issuer key binding, fetched from the live server) and
that passes the 1EdTech EndorsementCredential JSON Schema; an altered copy does not."""

from __future__ import annotations

import json

import pytest

from tests.interop.conftest import needs_node_verifiers, verify
from tests.pathways.test_nominations_helpers import (
    give_stance,
    make_program,
    make_validator,
    nominated,
    outsider,
)

pytestmark = [needs_node_verifiers, pytest.mark.interop]


def assert_ok(result):
    assert result["ok"], (result["errors"], result.get("warnings"))


@pytest.mark.parametrize("comment", ["Ada mentors with care:\n\n- six workshops\n- two leads",
                                     ""])
def test_an_endorsement_credential_passes_the_third_party_verifiers(
        tmp_path, api, client, issuer, make_badge_class, make_award, make_user, base_url,
        comment):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    response = give_stance(client, nomination["id"], stance="endorse", comment=comment,
                           name="Val Idator")
    assert response.status_code == 303
    [endorsement] = api.get(f"/api/v1/nominations/{nomination['id']}").json["endorsements"]
    url = endorsement["credential"]

    assert_ok(verify("ob3", url))
    assert_ok(verify("schema", url, "--schema", "endorsementcredential"))

    altered = client.get(url, headers={"Accept": "application/json"}).get_json()
    altered["credentialSubject"]["id"] = f"{base_url}/nominations/another"
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(altered))
    assert not verify("ob3", path)["ok"]


def test_endorsements_still_verify_after_the_nomination_is_decided_and_keys_rotate(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="endorse", comment="Yes.")
    decided = api.post(f"/api/v1/nominations/{nomination['id']}/decide",
                       json={"decision": "approve"})
    assert decided.status_code == 200, decided.json
    for key in api.get(f"/api/v1/issuers/{issuer['id']}/keys").json:
        api.post(f"/api/v1/issuers/{issuer['id']}/keys/{key['id']}/retire")
    assert_ok(verify("ob3", decided.json["endorsements"][0]["credential"]))
    award = api.get(f"/api/v1/assertions/{decided.json['assertion']}").json
    assert_ok(verify("ob3", award["urls"]["ob3"]))
