"""The public documents: hosted assertion, revocation, keys, pages, baked images."""

import json

from credentials.baking import read_png_text, read_svg_badge
from credentials.jws import read_jws_unverified, verify_jws
from credentials.keys import load_public_key

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_hosted_assertion_is_json_ld_at_its_own_id(client, award):
    response = client.get(award["urls"]["ob2"])
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = response.get_json()
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["id"] == award["urls"]["ob2"]
    assert doc["verification"] == {"type": "hosted"}
    assert doc["evidence"][0]["id"] == "https://example.org/partnerships/42"
    badge = client.get(doc["badge"]).get_json()
    issuer = client.get(badge["issuer"]).get_json()
    assert issuer["type"] == "Issuer" and issuer["revocationList"].endswith("/revocations")


def test_browsers_get_a_badge_page_without_the_email(client, award):
    response = client.get(award["urls"]["page"], headers=HTML)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    for text in ("Partnership Certified", "Open Source Partnerships", "Completed all modules",
                 "https://example.org/partnerships/42"):
        assert text in page
    assert "ada@example.org" not in page
    assert "revoked" not in page.lower()


def test_revoked_assertion_answers_410_everywhere(api, client, award):
    assert client.get(award["urls"]["ob2"]).status_code == 200  # now cached in this process
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Wrong person"})
    response = client.get(award["urls"]["ob2"])
    assert response.status_code == 410
    assert response.get_json() == {"@context": "https://w3id.org/openbadges/v2",
                                   "id": award["urls"]["ob2"], "revoked": True,
                                   "revocationReason": "Wrong person"}
    page = client.get(award["urls"]["page"], headers=HTML)
    assert page.status_code == 410 and "This badge was revoked" in page.get_data(as_text=True)


def test_revocation_list_names_the_signed_and_hosted_ids(api, client, make_award):
    kept, revoked = make_award(), make_award(recipient={"identity": "grace@example.org"})
    api.post(f"/api/v1/assertions/{revoked['id']}/revoke", json={"reason": "Duplicate"})
    jws = client.get(revoked["urls"]["ob2_jws"]).get_data(as_text=True)
    signed_id = read_jws_unverified(jws)[1]["id"]
    issuer = client.get(client.get(client.get(kept["urls"]["ob2"]).get_json()["badge"])
                        .get_json()["issuer"]).get_json()
    revocations = client.get(issuer["revocationList"]).get_json()
    assert revocations["type"] == "RevocationList"
    ids = {entry["id"]: entry["revocationReason"] for entry in revocations["revokedAssertions"]}
    assert ids == {signed_id: "Duplicate", revoked["urls"]["ob2"]: "Duplicate"}


def test_signed_assertion_verifies_with_the_published_key(client, award):
    jws = client.get(award["urls"]["ob2_jws"]).get_data(as_text=True)
    header, payload = read_jws_unverified(jws)
    assert header == {"alg": "RS256"}
    assert payload["id"].startswith("urn:uuid:")
    key_doc = client.get(payload["verification"]["creator"]).get_json()
    assert key_doc["type"] == "CryptographicKey"
    assert verify_jws(jws, load_public_key(key_doc["publicKeyPem"])) == payload
    issuer = client.get(key_doc["owner"]).get_json()
    assert issuer["publicKey"] == key_doc["id"]


def test_baked_png_and_svg_carry_the_assertion(client, award):
    png = client.get(award["urls"]["png"])
    assert png.mimetype == "image/png"
    baked = json.loads(read_png_text(png.get_data())["openbadges"])
    assert baked["id"] == award["urls"]["ob2"]
    signed_png = client.get(award["urls"]["png_signed"]).get_data()
    assert read_png_text(signed_png)["openbadges"].count(".") == 2
    svg = read_svg_badge(client.get(award["urls"]["svg"]).get_data())
    assert svg["ob2_verify"] == award["urls"]["ob2"]
    assert json.loads(svg["ob2_assertion"])["id"] == award["urls"]["ob2"]
    signed_svg = read_svg_badge(client.get(award["urls"]["svg_signed"]).get_data())
    assert signed_svg["ob2_verify"].count(".") == 2


def test_unknown_documents_are_404(client):
    assert client.get("/assertions/nope").status_code == 404
    assert client.get("/issuers/nope").status_code == 404
    assert client.get("/badge-classes/nope/image.gif").status_code == 404
