"""Secrets stay secret: no private key or token in any response or log line."""

import logging

import sqlalchemy as sa

from cairn.db import db
from cairn.keyring import decrypt_secret
from issuers.models import SigningKey


def test_private_keys_never_reach_a_response_or_a_log(api, client, caplog, make_award, issuer):
    caplog.set_level(logging.DEBUG)
    award = make_award()
    api.post(f"/api/v1/issuers/{issuer['id']}/keys", json={"type": "ed25519"})
    bodies = [api.get(f"/api/v1/issuers/{issuer['id']}/keys").get_data(as_text=True),
              api.get(f"/api/v1/assertions/{award['id']}").get_data(as_text=True),
              client.get(issuer["public_url"]).get_data(as_text=True)]
    bodies += [client.get(url).get_data(as_text=True) for url in award["urls"].values()
               if "image" not in url]
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "test"})
    keys = db.session.scalars(sa.select(SigningKey)).all()
    assert len(keys) == 3  # RSA and Ed25519 from the award, and the Ed25519 added
    for key in keys:
        der = decrypt_secret(key.private_encrypted, context=f"signing-key:{key.public_id}")
        assert key.private_encrypted not in caplog.text
        for text in bodies + [caplog.text]:
            assert "PRIVATE KEY" not in text
            assert der.hex() not in text
    assert "PRIVATE" not in repr(keys)


def test_tokens_are_shown_once_and_never_logged(api, caplog):
    caplog.set_level(logging.DEBUG)
    created = api.post("/api/v1/tokens", json={"name": "crm", "scopes": ["badges:award"]})
    assert created.status_code == 201
    secret = created.json["token"]
    assert secret.startswith("cairn_")
    listed = api.get("/api/v1/tokens").get_data(as_text=True)
    assert secret not in listed and "crm" in listed
    assert api.with_token(secret).get("/api/v1/issuers").status_code == 403
    assert secret not in caplog.text and api.token not in caplog.text


def test_a_token_cannot_mint_a_wider_one(api):
    narrow = api.post("/api/v1/tokens", json={"name": "n", "scopes": ["issuers:read"]}).json
    wider = api.with_token(narrow["token"]).post(
        "/api/v1/tokens", json={"name": "w", "scopes": ["issuers:write"]})
    assert wider.status_code == 403


def test_revoked_token_stops_working(api):
    created = api.post("/api/v1/tokens", json={"name": "tmp", "scopes": ["issuers:read"]}).json
    assert api.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    assert api.with_token(created["token"]).get("/api/v1/issuers").status_code == 401


def test_keys_encrypted_under_another_secret_do_not_decrypt(app, make_award):
    make_award()
    key = db.session.scalar(sa.select(SigningKey))
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another secret entirely"
    try:
        import pytest
        from cryptography.exceptions import InvalidTag
        with pytest.raises(InvalidTag):
            decrypt_secret(key.private_encrypted, context=f"signing-key:{key.public_id}")
    finally:
        app.config["SECRET_KEY"] = original
