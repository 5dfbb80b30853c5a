"""Issuers, members and keys through the API."""

import sqlalchemy as sa

from cairn.db import db
from issuers.models import SigningKey


def test_create_read_update_issuer(api, base_url):
    created = api.post("/api/v1/issuers", json={"name": "Mentors United",
                                                "url": "https://mentors.example"})
    assert created.status_code == 201
    issuer = created.json
    assert issuer["public_url"] == f"{base_url}/issuers/{issuer['id']}"
    assert api.get(f"/api/v1/issuers/{issuer['id']}").json == issuer
    changed = api.patch(f"/api/v1/issuers/{issuer['id']}", json={"description": "We mentor."})
    assert changed.json["description"] == "We mentor." and changed.json["name"] == "Mentors United"


def test_issuer_list_paginates(api, make_issuer):
    ids = [make_issuer(name=f"Issuer {i}")["id"] for i in range(3)]
    first = api.get("/api/v1/issuers?limit=2").json
    second = api.get(f"/api/v1/issuers?limit=2&cursor={first['next_cursor']}").json
    assert [i["id"] for i in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


def test_creator_is_owner_and_members_get_roles(api, make_user, issuer):
    members = api.get(f"/api/v1/issuers/{issuer['id']}/members").json
    assert members == [{"email": "admin@example.org", "role": "owner",
                        "since": members[0]["since"]}]
    added = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                     json={"email": "Trainer@Example.org", "role": "awarder"})
    assert added.json["email"] == "trainer@example.org" and added.json["role"] == "awarder"


def test_the_last_owner_cannot_step_down(api, issuer):
    response = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                        json={"email": "admin@example.org", "role": "viewer"})
    assert response.status_code == 409 and response.json["code"] == "last_owner"


def test_first_award_generates_encrypted_rsa_and_ed25519_keys(api, award, issuer, client):
    keys = api.get(f"/api/v1/issuers/{issuer['id']}/keys").json
    assert sorted(k["type"] for k in keys) == ["ed25519", "rsa"]
    assert "PRIVATE" not in str(keys)
    for stored in db.session.scalars(sa.select(SigningKey)):
        assert "PRIVATE" not in stored.private_encrypted
        assert stored.private_encrypted.startswith("v1.")
    rsa = next(k for k in keys if k["type"] == "rsa")
    assert client.get(rsa["public_url"]).get_json()["publicKeyPem"] == rsa["public_key_pem"]


def test_retired_key_still_verifies_but_new_awards_use_a_new_key(api, issuer, make_award, client):
    from credentials.jws import read_jws_unverified

    def creator(award):
        jws = client.get(award["urls"]["ob2_jws"]).get_data(as_text=True)
        return read_jws_unverified(jws)[1]["verification"]["creator"]

    first = make_award()
    first_creator = creator(first)  # the signed form is made (and stored) on first request
    unrequested = make_award(recipient={"identity": "alan@example.org"})
    key = next(k for k in api.get(f"/api/v1/issuers/{issuer['id']}/keys").json
               if k["type"] == "rsa")
    retired = api.post(f"/api/v1/issuers/{issuer['id']}/keys/{key['id']}/retire")
    assert retired.json["retired_at"] is not None
    second = make_award(recipient={"identity": "grace@example.org"})
    creators = [creator(award) for award in (first, second, unrequested)]
    assert creators[0] == first_creator != creators[1]
    assert creators[2] == creators[1]  # a retired key never signs, even a form made late
    profile = client.get(issuer["public_url"]).get_json()
    assert sorted(profile["publicKey"]) == sorted(set(creators))
    again = api.post(f"/api/v1/issuers/{issuer['id']}/keys/{key['id']}/retire")
    assert again.status_code == 409


def test_the_award_after_a_retirement_is_signed_with_the_new_key(api, issuer, make_award, client):
    """Each process keeps the live keys while the issuer is unchanged: retiring a key
    must reach the very next award."""
    def method(award):
        return client.get(award["urls"]["ob3"]).get_json()["proof"][0]["verificationMethod"]

    first = method(make_award())
    assert method(make_award(recipient={"identity": "alan@example.org"})) == first
    retired = next(k for k in api.get(f"/api/v1/issuers/{issuer['id']}/keys").json
                   if k["type"] == "ed25519")
    assert first.endswith("#" + retired["id"])
    api.post(f"/api/v1/issuers/{issuer['id']}/keys/{retired['id']}/retire")
    after = method(make_award(recipient={"identity": "grace@example.org"}))
    assert after != first
    live = {k["id"] for k in api.get(f"/api/v1/issuers/{issuer['id']}/keys").json
            if k["type"] == "ed25519" and k["retired_at"] is None}
    assert after.rsplit("#", 1)[1] in live
