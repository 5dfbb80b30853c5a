"""Bad nominations get one clear JSON error each, and write nothing: an unknown badge class,
one that accepts no nominations (or no longer), a missing or blank statement, a bad
nominee, a token without the scope or limited to another issuer, a second open
nomination of the same person, and a person who holds the badge already."""

from __future__ import annotations

import pytest

from tests.cairn.test_errors import assert_error
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    counts,
    make_program,
    nominate,
    nominated,
    outsider,
    set_policy,
)


@pytest.fixture
def program(api, issuer, make_badge_class):
    return make_program(api, issuer, make_badge_class)


@pytest.fixture
def nominator(api, make_user):
    return outsider(api, make_user)[0]


def test_an_unknown_badge_class_is_not_found(nominator, program):
    assert_error(nominate(nominator, "no-such-class"), 404, "badge_class_not_found")
    assert counts() == (0, 0)


def test_a_badge_class_without_a_policy_accepts_no_nominations(nominator, program,
                                                               make_badge_class):
    other = make_badge_class(name="Not nominable")
    body = assert_error(nominate(nominator, other["id"]), 409, "not_accepting_nominations")
    assert body["errors"] == {"badge_class": ["“Not nominable” does not accept nominations."]}
    assert counts() == (0, 0)


def test_a_policy_that_stopped_accepting_refuses_new_nominations_only(api, nominator,
                                                                      program):
    open_one = nominated(nominator, program.badge["id"], email="first@example.org")
    response = set_policy(api, program.badge["id"], program.validators["id"], accepting=False)
    assert response.status_code == 200 and response.json["accepting"] is False
    assert_error(nominate(nominator, program.badge["id"], email="second@example.org"), 409,
                 "not_accepting_nominations")
    decided = api.post(f"/api/v1/nominations/{open_one['id']}/decide",
                       json={"decision": "approve"})
    assert decided.status_code == 200, decided.json  # the open one is still decided
    assert counts() == (1, 0)


@pytest.mark.parametrize(("body", "fields"), [
    ({"nominee": {"identity": "ada@example.org"}}, {"statement"}),
    ({"nominee": {"identity": "ada@example.org"}, "statement": "   \n "}, {"statement"}),
    ({"nominee": {"identity": "ada@example.org"}, "statement": "x" * 10001}, {"statement"}),
    ({"statement": STATEMENT}, {"nominee"}),
    ({"nominee": {"type": "email"}, "statement": STATEMENT}, {"nominee"}),
    ({"nominee": {"type": "fax", "identity": "123"}, "statement": STATEMENT}, {"nominee"}),
    ({"nominee": {"identity": "ada@example.org"}, "statement": STATEMENT, "vote": 1},
     {"vote"}),
])
def test_missing_or_malformed_fields_are_named(nominator, program, body, fields):
    response = nominator.post("/api/v1/nominations",
                              json={"badge_class": program.badge["id"], **body})
    error = assert_error(response, 422, "validation_failed")
    assert set(error["errors"]) == fields
    assert counts() == (0, 0)


def test_a_malformed_address_is_refused(nominator, program):
    response = nominate(nominator, program.badge["id"], email="not an address")
    error = assert_error(response, 422, "invalid_identity")
    assert "recipient" in error["errors"]
    assert counts() == (0, 0)


def test_a_token_without_the_write_scope_is_refused(api, make_user, program):
    reader, _ = outsider(api, make_user, scopes=("nominations:read",))
    assert_error(nominate(reader, program.badge["id"]), 403, "insufficient_scope")
    awarder, _ = outsider(api, make_user, scopes=("badges:award",))
    assert_error(awarder.get("/api/v1/nominations"), 403, "insufficient_scope")
    assert counts() == (0, 0)


def test_a_token_limited_to_another_issuer_cannot_reach_the_badge_class(
        api, make_user, make_issuer, program):
    elsewhere = make_issuer(name="Elsewhere")
    user, secret = make_user(scopes=("nominations:write",), issuer=elsewhere["id"])
    limited = api.with_token(secret)
    assert_error(nominate(limited, program.badge["id"]), 404, "badge_class_not_found")
    assert counts() == (0, 0)


def test_a_second_open_nomination_of_the_same_person_is_a_conflict(nominator, api, make_user,
                                                                   program):
    first = nominated(nominator, program.badge["id"])
    other, _ = outsider(api, make_user)
    assert_error(nominate(other, program.badge["id"], email="ADA@example.org"), 409,
                 "already_nominated")
    assert counts() == (1, 0)
    api.post(f"/api/v1/nominations/{first['id']}/decide",
             json={"decision": "reject", "note": "Not yet."})
    assert nominate(other, program.badge["id"]).status_code == 201  # once closed, again
    assert counts() == (2, 0)


def test_a_person_holding_the_badge_is_not_nominated(nominator, program, make_award):
    make_award(badge_class_id=program.badge["id"])  # to ada@example.org
    assert_error(nominate(nominator, program.badge["id"]), 409, "already_held")
    assert counts() == (0, 0)
