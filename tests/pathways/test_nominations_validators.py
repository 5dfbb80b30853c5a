"""Who may endorse or object: holders of the validator badge through a verified identity,
once each, never the nominee or the nominator; an objection needs a reason and is never
published; through the API a user acts as the person who verified the user's address."""

from __future__ import annotations

from tests.cairn.test_errors import assert_error
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    counts,
    give_stance,
    make_program,
    make_validator,
    nominated,
    outsider,
    sign_in,
)
from tests.recipients.conftest import csrf_token


def test_a_person_without_the_validator_badge_cannot_validate(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_award(badge_class_id=program.badge["id"],  # holds another badge, not the council's
               recipient={"type": "email", "identity": "bob@example.org"})
    sign_in(client, "bob@example.org", base_url)
    page = client.get(f"/nominations/{nomination['id']}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert "Only holders of “Mentor Council”" in html and STATEMENT not in html
    assert 'name="stance"' not in html
    response = client.post(f"/nominations/{nomination['id']}/endorse",
                           data={"csrf_token": csrf_token(html), "stance": "endorse"},
                           headers={"Accept": "text/html"})
    assert response.status_code == 403 and "Mentor Council" in response.get_data(as_text=True)
    assert "Nothing to validate now" in client.get("/nominations").get_data(as_text=True)
    assert counts() == (1, 0)


def test_a_revoked_validator_badge_no_longer_counts(api, client, issuer, make_badge_class,
                                                   make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    award = make_validator(client, make_award, program, "val@example.org", base_url)
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Left the council"})
    response = give_stance(client, nomination["id"], stance="endorse")
    assert response.status_code == 403
    assert counts() == (1, 0)


def test_the_nominee_and_the_nominator_cannot_validate(api, client, app, issuer,
                                                       make_badge_class, make_award,
                                                       make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user, email="nina@example.org")
    nomination = nominated(nominator, program.badge["id"], email="val@example.org")
    make_validator(client, make_award, program, "val@example.org", base_url)  # the nominee
    response = give_stance(client, nomination["id"], stance="endorse")
    assert response.status_code == 403
    assert "nomination of yourself" in response.get_data(as_text=True)
    assert client.get("/nominations").get_data(as_text=True).count("for Community Mentor") == 0

    nina = app.test_client()
    make_validator(nina, make_award, program, "nina@example.org", base_url)  # the nominator
    response = give_stance(nina, nomination["id"], stance="endorse")
    assert response.status_code == 403 and "you made" in response.get_data(as_text=True)
    assert_error(nominator.post(f"/api/v1/nominations/{nomination['id']}/endorse",
                                json={"stance": "endorse"}), 403, "own_nomination")
    assert counts() == (1, 0)


def test_a_stance_is_given_once_and_an_objection_needs_a_reason(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)

    response = give_stance(client, nomination["id"], stance="object", comment="  ")
    assert response.status_code == 422
    assert "An objection needs a comment." in response.get_data(as_text=True)
    assert counts() == (1, 0)

    response = give_stance(client, nomination["id"], stance="object",
                           comment="Only one workshop happened.")
    assert response.status_code == 303
    page = client.get(f"/nominations/{nomination['id']}", headers={"Accept": "text/html"})
    assert "You objected to this nomination" in page.get_data(as_text=True)
    again = client.post(f"/nominations/{nomination['id']}/endorse", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "stance": "endorse"},
        headers={"Accept": "text/html"})
    assert again.status_code == 409
    assert counts() == (1, 1)

    read = api.get(f"/api/v1/nominations/{nomination['id']}").json
    [objection] = read["endorsements"]
    assert (objection["stance"], objection["credential"], read["objection_count"]) == (
        "object", None, 1)
    public = client.get(f"/nominations/{nomination['id']}").get_json()
    assert public["endorsements"] == []  # objections are never published
    hidden = client.get(f"/nominations/{nomination['id']}/endorsements/{objection['id']}",
                        headers={"Accept": "application/json"})
    assert_error(hidden, 404, "endorsement_not_found")


def test_a_form_without_its_csrf_token_changes_nothing(api, client, issuer,
                                                       make_badge_class, make_award,
                                                       make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    response = client.post(f"/nominations/{nomination['id']}/endorse",
                           data={"stance": "endorse"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert counts() == (1, 0)


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/nominations")
    assert response.status_code == 302 and response.headers["Location"].endswith("/signin")


def test_through_the_api_a_user_validates_as_the_person_with_their_address(
        api, client, issuer, make_badge_class, make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_award(badge_class_id=program.validators["id"],
               recipient={"type": "email", "identity": "val@example.org"})
    validator, _ = outsider(api, make_user, email="val@example.org")
    endorse = f"/api/v1/nominations/{nomination['id']}/endorse"
    # The badge is to the address, but nobody proved they read its mail yet.
    assert_error(validator.post(endorse, json={"stance": "endorse"}), 403, "not_a_validator")
    assert_error(validator.get("/api/v1/nominations/validatable"), 403, "not_a_validator")

    sign_in(client, "val@example.org", base_url)
    [item] = validator.get("/api/v1/nominations/validatable").json["items"]
    assert (item["id"], item["nominee_name"], item["statement"], item["my_stance"]) == (
        nomination["id"], "Ada", STATEMENT, None)
    assert "ada@example.org" not in str(item)
    response = validator.post(endorse, json={"stance": "endorse", "comment": "Agreed.",
                                             "name": "Val"})
    assert response.status_code == 201, response.json
    assert response.json["credential"].endswith(f"/endorsements/{response.json['id']}")
    assert_error(validator.post(endorse, json={"stance": "object", "comment": "No"}), 409,
                 "already_validated")
    assert validator.get("/api/v1/nominations/validatable").json["items"][0]["my_stance"][
        "id"] == response.json["id"]
    # The page knows the same person gave their stance already.
    page = client.get(f"/nominations/{nomination['id']}", headers={"Accept": "text/html"})
    assert "You endorsed this nomination" in page.get_data(as_text=True)
    assert counts() == (1, 1)


def test_a_closed_nomination_takes_no_stance(api, client, issuer, make_badge_class,
                                             make_award, make_user, base_url):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    assert nominator.post(f"/api/v1/nominations/{nomination['id']}/withdraw").status_code == 200
    validator, _ = outsider(api, make_user, email="val@example.org")
    assert_error(validator.post(f"/api/v1/nominations/{nomination['id']}/endorse",
                                json={"stance": "endorse"}), 409, "nomination_closed")
    assert "Nothing to validate now" in client.get("/nominations").get_data(as_text=True)
    assert counts() == (1, 0)
