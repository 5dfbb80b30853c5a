"""Digital Bazaar's verifier (Data Integrity + Bitstring Status List), `jose` (VC-JWT) and
the 1EdTech JSON Schema (Ajv) accept every OB 3.0 credential Cairn emits, fetching keys,
issuer documents and status lists from the live server, and see revocation and
suspension."""

import pytest

from credentials.baking import read_png_text, read_svg_badge
from tests.badges.test_bulk import wait_done
from tests.conftest import SVG, data_uri
from tests.interop.conftest import needs_node_verifiers, verify

pytestmark = [needs_node_verifiers, pytest.mark.interop]


def save(tmp_path, client, url, name):
    path = tmp_path / name
    path.write_bytes(client.get(url).get_data())
    return path


def assert_ok(result):
    assert result["ok"], (result["errors"], result.get("warnings"))


VARIANTS = {
    "email": {},
    "did": {"recipient": {"type": "did", "identity": "did:example:ebfeb1f712ebc6f1c276e12ec21"}},
    "url": {"recipient": {"type": "url", "identity": "https://ada.example.org/"}},
    "telephone": {"recipient": {"type": "telephone", "identity": "+15551234567"}},
    "no evidence": {"evidence": []},
    "narrative evidence": {"evidence": [{"narrative": "Ran the session \"live\"\nwith notes"}]},
    "expires": {"expires": "2099-01-01T00:00:00Z"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_credential_form_passes_every_verifier(tmp_path, client, make_badge_class,
                                                     make_award, variant):
    badge_class = make_badge_class(alignments=[{
        "target_name": "Partnering", "target_url": "https://example.org/framework/p"}])
    award = make_award(badge_class_id=badge_class["id"], **VARIANTS[variant])
    assert_ok(verify("ob3", award["urls"]["ob3"]))
    credential = save(tmp_path, client, award["urls"]["ob3"], "credential.json")
    assert_ok(verify("schema", credential))
    for url in (award["urls"]["ob3_jwt"], award["urls"]["ob3_jwt"] + "?alg=EdDSA"):
        assert_ok(verify("jwt", save(tmp_path, client, url, "credential.jwt")))


def test_baked_ob3_images_carry_a_verifiable_credential(tmp_path, client, make_badge_class,
                                                       make_award):
    for image in (None, data_uri(SVG, "image/svg+xml")):
        award = make_award(badge_class_id=make_badge_class(image=image)["id"])
        png = read_png_text(client.get(award["urls"]["png_ob3"]).get_data())
        svg = read_svg_badge(client.get(award["urls"]["svg_ob3"]).get_data())
        for carried in (png["openbadgecredential"], svg["ob3_credential"]):
            path = tmp_path / "baked.json"
            path.write_text(carried)
            assert_ok(verify("ob3", path))
        jwt_svg = read_svg_badge(client.get(award["urls"]["svg_ob3"] + "&form=signed")
                                 .get_data())
        path = tmp_path / "baked.jwt"
        path.write_text(jwt_svg["ob3_jwt"])
        assert_ok(verify("jwt", path))


def test_status_list_credential_passes_the_schema_free_verifier(client, award):
    credential = client.get(award["urls"]["ob3"]).get_json()
    status_url = credential["credentialStatus"]["statusListCredential"]
    assert_ok(verify("ob3", status_url, "--no-status"))


def test_revoked_credential_is_reported_revoked(tmp_path, api, client, award):
    saved = save(tmp_path, client, award["urls"]["ob3"], "credential.json")
    assert_ok(verify("ob3", saved))
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Wrong person"})
    result = verify("ob3", saved)
    assert not result["ok"]
    assert any("revoked" in error for error in result["errors"]), result["errors"]


def test_suspension_is_reported_and_reversible(tmp_path, api, client, make_badge_class,
                                               make_award):
    award = make_award(badge_class_id=make_badge_class(suspendable=True)["id"])
    saved = save(tmp_path, client, award["urls"]["ob3"], "credential.json")
    assert api.post(f"/api/v1/assertions/{award['id']}/suspend",
                    json={"reason": "Membership lapsed"}).status_code == 200
    suspended = verify("ob3", saved)
    assert not suspended["ok"]
    assert any("suspended" in error for error in suspended["errors"]), suspended["errors"]
    assert api.post(f"/api/v1/assertions/{award['id']}/unsuspend").status_code == 200
    assert_ok(verify("ob3", saved))


def test_a_retired_key_still_verifies_what_it_signed(api, issuer, award):
    keys = api.get(f"/api/v1/issuers/{issuer['id']}/keys").json
    for key in keys:
        api.post(f"/api/v1/issuers/{issuer['id']}/keys/{key['id']}/retire")
    assert_ok(verify("ob3", award["urls"]["ob3"]))


def test_credentials_awarded_in_a_bulk_batch_pass_and_revoke(tmp_path, api, client,
                                                             badge_class, app):
    """The batch path (badges/batch.py) signs the same credentials as a single award."""
    rows = [{"recipient": {"type": "email", "identity": f"batch{i}@example.org",
                           "name": f"Batch {i}"},
             "evidence": [{"url": f"https://example.org/e/{i}"}]} for i in range(3)]
    job = api.post(f"/api/v1/badge-classes/{badge_class['id']}/assertions/bulk",
                   json={"rows": rows}).json
    assert wait_done(api, job["id"])["result"]["awarded"] == 3
    awards = api.get(f"/api/v1/badge-classes/{badge_class['id']}/assertions").json["items"]
    assert len(awards) == 3
    for award in awards:
        assert_ok(verify("ob3", award["urls"]["ob3"]))
        assert_ok(verify("jwt", save(tmp_path, client, award["urls"]["ob3_jwt"], "c.jwt")))
    saved = save(tmp_path, client, awards[0]["urls"]["ob3"], "credential.json")
    assert_ok(verify("schema", saved))
    api.post(f"/api/v1/assertions/{awards[0]['id']}/revoke", json={"reason": "Wrong cohort"})
    assert not verify("ob3", saved)["ok"]
    assert_ok(verify("ob3", awards[1]["urls"]["ob3"]))
