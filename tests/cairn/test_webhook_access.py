"""Who may reach an issuer's webhooks: editors and owners, with the right scopes; nobody
from another issuer."""

from tests.cairn.test_errors import assert_error
from tests.cairn.test_webhooks import create_webhook
from tests.conftest import ApiClient

RECEIVER = "https://hooks.example.org/cairn"  # never called: no event is sent here


def test_only_editors_and_owners_reach_webhooks(api, client, issuer, make_issuer, make_user):
    webhook = create_webhook(api, issuer, RECEIVER)
    path = f"/api/v1/issuers/{issuer['id']}/webhooks"
    body = {"url": RECEIVER, "events": ["assertion.awarded"]}
    clients = {}
    for role in ("viewer", "awarder", "editor"):
        user, secret = make_user(f"{role}@example.org")
        api.post(f"/api/v1/issuers/{issuer['id']}/members", json={"email": user.email,
                                                                  "role": role})
        clients[role] = ApiClient(client, secret)
    for role in ("viewer", "awarder"):
        assert_error(clients[role].get(path), 403, "role_too_low")
        assert_error(clients[role].post(path, json=body), 403, "role_too_low")
    assert clients["editor"].get(f"{path}/{webhook['id']}").status_code == 200
    assert clients["editor"].post(path, json=body).status_code == 201

    _, reader = make_user("reader@example.org", admin=True, scopes=["issuers:read"])
    assert ApiClient(client, reader).get(path).status_code == 200
    assert_error(ApiClient(client, reader).post(path, json=body), 403, "insufficient_scope")
    assert_error(ApiClient(client, reader).delete(f"{path}/{webhook['id']}"), 403,
                 "insufficient_scope")

    _, secret = make_user("outsider@example.org")
    outsider = ApiClient(client, secret)
    elsewhere = make_issuer(outsider, name="Elsewhere")
    assert_error(outsider.get(path), 404, "issuer_not_found")
    assert_error(outsider.get(f"/api/v1/issuers/{elsewhere['id']}/webhooks/{webhook['id']}"),
                 404, "webhook_not_found")
    assert_error(api.with_token(None).get(path), 401, "unauthorized")
