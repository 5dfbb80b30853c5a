"""Issuers may use did:web as their OB 3.0 id when Cairn runs on HTTPS."""


def test_did_web_needs_https(api):
    response = api.post("/api/v1/issuers", json={"name": "A", "url": "https://a.example",
                                                 "did_web": True})
    assert response.status_code == 422 and "did_web" in response.json["errors"]


def test_did_web_issuer_signs_with_its_did_document(app, api, client, make_badge_class,
                                                    make_award):
    base = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://badges.example.org:8443"
    try:
        issuer = api.post("/api/v1/issuers", json={"name": "A", "url": "https://a.example",
                                                   "did_web": True}).json
        badge_class = make_badge_class(issuer_id=issuer["id"])
        award = make_award(badge_class_id=badge_class["id"])
        path = "/assertions/" + award["id"] + "/credential"
        credential = client.get(path, headers={"Accept": "application/json"}).get_json()
        did = f"did:web:badges.example.org%3A8443:issuers:{issuer['id']}"
        assert credential["issuer"]["id"] == did
        assert credential["proof"][0]["verificationMethod"].startswith(did + "#")
        document = client.get(f"/issuers/{issuer['id']}/did.json").get_json()
        assert document["id"] == did
        assert credential["proof"][0]["verificationMethod"] in document["assertionMethod"]
        assert all(m["controller"] == did for m in document["verificationMethod"])
    finally:
        app.config["BASE_URL"] = base


def test_no_did_document_without_did_web(client, issuer):
    assert client.get(f"/issuers/{issuer['id']}/did.json").status_code == 404
