"""Signing in by email link: the page says the same for every address; links go only to
known ones, a few a minute; signing out ends the person's session only."""

from __future__ import annotations

import re
import uuid

from tests.recipients.conftest import csrf_token, mailed_links, path_of, post_form


def ask_for_link(client, email: str):
    return post_form(client, "/signin", "/signin", email=email)


def unique_email(name: str) -> str:
    """Each test its own address: the mail budget per address outlives a test."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def test_the_answer_never_reveals_whether_an_address_is_known(client, make_award):
    known, unknown = unique_email("known"), unique_email("unknown")
    make_award(recipient={"type": "email", "identity": known})
    answers = [ask_for_link(client, email) for email in (known, unknown)]
    assert [a.status_code for a in answers] == [200, 200]
    texts = [re.sub(r'value="[^"]+"', "", a.get_data(as_text=True)) for a in answers]
    assert texts[0] == texts[1]
    assert known not in texts[0] and "Check your mail" in texts[0]
    assert len(mailed_links(known)) == 1 and mailed_links(unknown) == []


def test_the_mailed_link_signs_in(client, make_award, open_link, base_url):
    email = unique_email("ada")
    award = make_award(recipient={"type": "email", "identity": email})
    ask_for_link(client, email.upper())
    [link] = mailed_links(email)
    assert open_link(path_of(link, base_url)).status_code == 303
    assert award["id"] in client.get("/backpack").get_data(as_text=True)


def test_sign_in_mails_are_limited_per_address(client, make_award):
    email = unique_email("busy")
    make_award(recipient={"type": "email", "identity": email})
    statuses = [ask_for_link(client, email).status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[2:] == [429, 429]
    assert len(mailed_links(email)) == 2
    assert ask_for_link(client, unique_email("other")).status_code == 200


def test_a_malformed_address_is_refused_on_the_form(client):
    response = ask_for_link(client, "not an address")
    assert response.status_code == 422
    assert "not an email address" in response.get_data(as_text=True)


def test_signing_out_ends_the_session(client, make_award, claim):
    make_award()
    claim("ada@example.org")
    page = client.get("/backpack").get_data(as_text=True)
    assert "Sign out" in page
    response = client.post("/signout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert client.get("/backpack").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client, make_award, claim, link_for):
    make_award()
    assert client.post("/signin", data={"email": "ada@example.org"}).status_code == 400
    assert client.post(link_for("ada@example.org")).status_code == 400
    claim("ada@example.org")
    assert client.post("/signout").status_code == 400
    assert client.get("/backpack").status_code == 200
