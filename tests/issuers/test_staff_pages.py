"""Staff pages for issuers: signing in to them, the issuer list, the profile form and
members, with the same roles as the API."""

import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

PASSWORD = "correct horse battery staple"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(app, make_user, email=None, *, admin=False):
    """A test client with a signed-in person (a new account)."""
    user, _ = make_user(email, admin=admin, password=PASSWORD)
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, path, data, *, status=302):
    """POST a page's form as a browser does: with the CSRF token of the page."""
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def words(response) -> str:
    """The page's text as a person reads it (no tags)."""
    spaced = unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r" ([,.])", r"\1", re.sub(r"\s+", " ", spaced))


def field_error(response, name) -> str:
    """The error message shown beside a field (its id ties it to the field)."""
    found = re.search(rf'id="f-{name}-error">([^<]*)<', response.get_data(as_text=True))
    return unescape(found.group(1)) if found else ""


def test_signed_out_person_is_sent_to_sign_in_and_back(app, client, make_user):
    response = client.get("/manage/issuers?cursor=")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/manage/issuers?cursor="]
    make_user("trainer@example.org", password=PASSWORD)
    token = csrf_token(client.get(response.headers["Location"]).get_data(as_text=True))
    signed_in = client.post(response.headers["Location"], data={
        "email": "trainer@example.org", "password": PASSWORD, "csrf_token": token})
    assert signed_in.headers["Location"] == "/manage/issuers?cursor="


def test_sign_in_never_returns_to_another_site(client, make_user):
    make_user("trainer@example.org", password=PASSWORD)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "manage"):
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post(f"/login?next={quote(target, safe='')}", data={
            "email": "trainer@example.org", "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/manage/issuers", target


def test_issuer_list_shows_only_the_issuers_of_the_person(app, api, make_user, make_issuer):
    mine = make_issuer(name="Mentor Guild")
    make_issuer(name="Someone Else's Program")
    client = sign_in(app, make_user, "trainer@example.org")
    api.post(f"/api/v1/issuers/{mine['id']}/members",
             json={"email": "trainer@example.org", "role": "viewer"})
    page = text(client.get("/manage/issuers"))
    assert "Mentor Guild" in page and "Someone Else" not in page
    assert "trainer@example.org" in page and "Sign out" in page  # the header


def test_create_an_issuer_with_errors_beside_the_fields_then_fixed(app, make_user):
    client = sign_in(app, make_user)
    refused = post_form(client, "/manage/issuers/new",
                        {"name": "", "url": "not a link", "email": "nope"}, status=422)
    assert field_error(refused, "name") and field_error(refused, "url")
    assert field_error(refused, "email") == "Not a valid email address."
    assert 'value="not a link"' in refused.get_data(as_text=True)  # what was typed stays
    created = post_form(client, "/manage/issuers/new",
                        {"name": "Mentor Guild", "url": "https://mentors.example"})
    issuer_page = client.get(created.headers["Location"])
    assert issuer_page.status_code == 200
    assert "Created the issuer Mentor Guild." in text(issuer_page)
    assert "Mentor Guild" in text(client.get("/manage/issuers"))


def test_a_viewer_may_not_edit_the_profile(app, api, make_user, issuer):
    client = sign_in(app, make_user, "viewer@example.org")
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "viewer@example.org", "role": "viewer"})
    path = f"/manage/issuers/{issuer['id']}/edit"
    assert client.get(path).status_code == 403
    refused = post_form(client, path, {"name": "Taken over", "url": "https://x.example"},
                        status=403)
    assert "Not allowed" in text(refused)
    assert api.get(f"/api/v1/issuers/{issuer['id']}").json["name"] == issuer["name"]


def test_an_editor_changes_the_profile_and_may_clear_optional_fields(app, api, make_user,
                                                                    issuer):
    client = sign_in(app, make_user, "editor@example.org")
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "editor@example.org", "role": "editor"})
    path = f"/manage/issuers/{issuer['id']}/edit"
    assert 'value="badges@example.org"' in client.get(path).get_data(as_text=True)
    post_form(client, path, {"name": "Partnerships Team", "url": "https://example.org/p",
                             "email": "", "description": ""})
    changed = api.get(f"/api/v1/issuers/{issuer['id']}").json
    assert (changed["name"], changed["email"], changed["description"]) == (
        "Partnerships Team", None, None)


def test_owner_adds_a_member_and_others_only_see_the_list(app, api, make_user, issuer):
    owner = sign_in(app, make_user, "owner@example.org")
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "owner@example.org", "role": "owner"})
    path = f"/manage/issuers/{issuer['id']}/members"
    refused = post_form(owner, path, {"email": "not an email", "role": "awarder"}, status=422)
    assert field_error(refused, "email")
    added = post_form(owner, path, {"email": "trainer@example.org", "role": "awarder"})
    assert "trainer@example.org is now awarder" in text(owner.get(added.headers["Location"]))

    awarder = sign_in(app, make_user, "awarder@example.org")
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "awarder@example.org", "role": "awarder"})
    page = text(awarder.get(path))
    assert "trainer@example.org" in page and "Save member" not in page
    post_form(awarder, path, {"email": "me@example.org", "role": "owner"}, status=403)


def test_an_issuer_out_of_reach_is_not_found(app, make_user, issuer):
    client = sign_in(app, make_user, "stranger@example.org")
    for path in (f"/manage/issuers/{issuer['id']}/edit",
                 f"/manage/issuers/{issuer['id']}/members"):
        response = client.get(path)
        assert response.status_code == 404 and "Not found" in text(response), path
