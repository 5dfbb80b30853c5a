"""The admin bootstrap commands, the OpenAPI document and signing in to the pages."""

import re

from cairn.users import find_user_by_email


def test_admin_create_prints_one_token_line_that_works(app, client):
    result = app.test_cli_runner().invoke(args=["admin", "create", "--email", "root@example.org"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(r"token: cairn_\S+", lines[0])
    token = lines[0].split(" ", 1)[1]
    response = client.post("/api/v1/issuers", json={"name": "A", "url": "https://a.example"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_bootstrap_creates_one_admin_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["admin", "bootstrap"])
    assert "token: cairn_" in first.output and "password:" in first.output
    assert find_user_by_email("admin@example.org").is_admin
    second = runner.invoke(args=["admin", "bootstrap"])
    assert second.exit_code == 0 and "token:" not in second.output


def test_openapi_document_describes_the_api_and_its_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/api/v1/issuers", "/api/v1/badge-classes/{badge_class_id}/assertions",
                 "/api/v1/assertions/{assertion_id}/revoke"):
        assert path in spec["paths"]
    error = spec["components"]["schemas"]["Error"]
    assert {"code", "message", "errors"} <= set(error["properties"])
    assert "validation_failed" in error["properties"]["code"]["enum"]
    assert client.get("/api/v1/docs").status_code == 200


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_sign_in_and_out_with_a_password(app, client, make_user):
    make_user("trainer@example.org", password="correct horse battery")
    page = client.get("/login").get_data(as_text=True)
    refused = client.post("/login", data={"email": "trainer@example.org",
                                          "password": "correct horse battery"})
    assert refused.status_code == 400  # no CSRF token
    wrong = client.post("/login", data={"email": "trainer@example.org", "password": "nope",
                                        "csrf_token": csrf_token(page)})
    assert wrong.status_code == 401
    signed_in = client.post("/login", data={"email": "Trainer@example.org",
                                            "password": "correct horse battery",
                                            "csrf_token": csrf_token(page)})
    assert signed_in.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Sign out" in home
    assert client.post("/logout", data={"csrf_token": csrf_token(home)}).status_code == 302
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_a_session_cookie_does_not_authenticate_the_api(client, make_user):
    make_user("trainer@example.org", password="correct horse battery")
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "trainer@example.org",
                                "password": "correct horse battery",
                                "csrf_token": csrf_token(page)})
    assert client.get("/api/v1/issuers").status_code == 401
