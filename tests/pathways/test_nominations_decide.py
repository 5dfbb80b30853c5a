"""Deciding: only the issuer's editors approve or reject; approval needs the policy's
endorsements and a nominee who does not hold the badge; a rejection needs a note; a
second decision (even two at once) is one clear 409 and one award; the nominator may
withdraw; and each decision is posted, signed, to the issuer's `nomination.decided`
webhooks without the nominee's address, name or statement."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from tests.cairn.test_errors import assert_error
from tests.cairn.test_webhooks import (
    allow_test_receivers,
    assert_signed,
    create_webhook,
    running_receiver,
    wait_for_deliveries,
)
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    counts,
    give_stance,
    make_program,
    make_validator,
    nominated,
    outsider,
    staff,
)


def awards_of(badge_class_id: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion).join(
        Assertion.badge_class).where(Assertion.badge_class.has(public_id=badge_class_id)))


def decide(http, nomination_id: str, **body):
    return http.post(f"/api/v1/nominations/{nomination_id}/decide", json=body)


@pytest.fixture
def program(api, issuer, make_badge_class):
    return make_program(api, issuer, make_badge_class, min_endorsements=1)


@pytest.fixture
def receiver(app, monkeypatch):
    allow_test_receivers(app, monkeypatch)
    yield from running_receiver()


def test_approval_waits_for_the_policys_endorsements(api, client, program, make_award,
                                                      make_user, base_url):
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    refused = decide(api, nomination["id"], decision="approve")
    assert_error(refused, 409, "not_enough_endorsements")
    assert api.get(f"/api/v1/nominations/{nomination['id']}").json["status"] == "open"
    assert awards_of(program.badge["id"]) == 0
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="object", comment="Not yet.")
    assert_error(decide(api, nomination["id"], decision="approve"), 409,
                 "not_enough_endorsements")  # objections do not count
    rejected = decide(api, nomination["id"], decision="reject", note="One objection.")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"


def test_only_editors_of_the_issuer_decide(api, client, issuer, make_issuer, program,
                                           make_award, make_user, base_url):
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    assert_error(decide(nominator, nomination["id"], decision="approve"), 403, "role_too_low")
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="endorse")
    for role in ("viewer", "awarder"):
        low, _ = staff(api, make_user, issuer, role)
        assert low.get(f"/api/v1/nominations/{nomination['id']}").status_code == 200
        assert_error(decide(low, nomination["id"], decision="approve"), 403, "role_too_low")
    elsewhere = make_issuer(name="Elsewhere")
    stranger, _ = staff(api, make_user, elsewhere, "owner")
    assert_error(decide(stranger, nomination["id"], decision="approve"), 404,
                 "nomination_not_found")
    reader, _ = staff(api, make_user, issuer, "editor", scopes=("nominations:read",))
    assert_error(decide(reader, nomination["id"], decision="approve"), 403,
                 "insufficient_scope")
    assert awards_of(program.badge["id"]) == 0
    # An editor's token needs nominations:write only: deciding implies awarding.
    editor, _ = staff(api, make_user, issuer, "editor", scopes=("nominations:write",))
    approved = decide(editor, nomination["id"], decision="approve", notify=False)
    assert approved.status_code == 200, approved.json
    assert awards_of(program.badge["id"]) == 1


def test_a_rejection_needs_a_note_and_awards_nothing(api, program, make_user):
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    error = assert_error(decide(api, nomination["id"], decision="reject"), 422,
                         "validation_failed")
    assert set(error["errors"]) == {"note"}
    assert_error(decide(api, nomination["id"], decision="maybe"), 422, "validation_failed")
    rejected = decide(api, nomination["id"], decision="reject", note="Needs a second year.")
    assert (rejected.json["status"], rejected.json["decision_note"],
            rejected.json["assertion"]) == ("rejected", "Needs a second year.", None)
    assert_error(decide(api, nomination["id"], decision="approve"), 409, "already_decided")
    assert awards_of(program.badge["id"]) == 0


def test_a_nominee_who_got_the_badge_meanwhile_is_not_awarded_twice(
        api, client, program, make_award, make_user, base_url):
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="endorse")
    make_award(badge_class_id=program.badge["id"])  # to ada@example.org, by hand
    assert_error(decide(api, nomination["id"], decision="approve"), 409, "already_held")
    assert api.get(f"/api/v1/nominations/{nomination['id']}").json["status"] == "open"
    assert awards_of(program.badge["id"]) == 1


def test_the_nominator_withdraws_an_open_nomination(api, issuer, program, make_user):
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    editor, _ = staff(api, make_user, issuer, "editor")
    assert_error(editor.post(f"/api/v1/nominations/{nomination['id']}/withdraw"), 403,
                 "not_nominator")
    withdrawn = nominator.post(f"/api/v1/nominations/{nomination['id']}/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.json["status"] == "withdrawn" and withdrawn.json["withdrawn_at"]
    assert withdrawn.json["decided_at"] is None  # nobody decided
    assert_error(nominator.post(f"/api/v1/nominations/{nomination['id']}/withdraw"), 409,
                 "nomination_closed")
    assert_error(decide(editor, nomination["id"], decision="approve"), 409, "already_decided")


def test_two_decisions_at_once_make_one_award(api, client, live_app, program, make_award,
                                              make_user, base_url):
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, nomination["id"], stance="endorse")
    statuses: list[int] = []
    start = threading.Barrier(2)

    def approve() -> None:
        request = urllib.request.Request(
            f"{base_url}/api/v1/nominations/{nomination['id']}/decide", method="POST",
            data=json.dumps({"decision": "approve", "notify": False}).encode(),
            headers={"Authorization": f"Bearer {api.token}",
                     "Content-Type": "application/json"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            assert json.loads(error.read())["code"] == "already_decided"

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert awards_of(program.badge["id"]) == 1


def test_each_decision_is_posted_signed_to_the_webhooks(api, client, issuer, program,
                                                        make_award, make_user, base_url,
                                                        receiver):
    webhook = create_webhook(api, issuer, receiver.url, events=["nomination.decided"])
    nominator, _ = outsider(api, make_user)
    approved = nominated(nominator, program.badge["id"])
    rejected = nominated(nominator, program.badge["id"], email="bob@example.org", name="Bob")
    make_validator(client, make_award, program, "val@example.org", base_url)
    give_stance(client, approved["id"], stance="endorse")
    assert decide(api, approved["id"], decision="approve").status_code == 200
    assert decide(api, rejected["id"], decision="reject", note="Not yet.").status_code == 200

    rows = wait_for_deliveries(2)
    assert [(row.event, row.status) for row in rows] == [("nomination.decided", "delivered")] * 2
    first, second = receiver.received
    for request in (first, second):
        assert_signed(request, webhook["secret"])
        assert request.headers["X-Cairn-Event"] == "nomination.decided"
        body = request.body.decode()
        for private in ("ada@example.org", "bob@example.org", "Ada", "Bob", STATEMENT,
                        "Not yet."):
            assert private not in body
    award = api.get(f"/api/v1/nominations/{approved['id']}").json["assertion"]
    assert first.json["data"] | {"decided_at": None} == {
        "nomination": approved["id"], "badge_class": program.badge["id"],
        "status": "approved", "decided_at": None, "assertion": award, "endorsements": 1,
        "objections": 0, "recipient_type": "email", "url": approved["public_url"]}
    assert (second.json["data"]["status"], second.json["data"]["assertion"]) == (
        "rejected", None)
    assert second.json["issuer"] == issuer["id"]


def test_a_stance_never_lands_on_a_nomination_closed_meanwhile(api, client, program,
                                                               make_award, make_user, base_url):
    """A decision holds the nomination's row when a validator's endorsement arrives: the
    endorsement waits, then finds the nomination closed and stores nothing."""
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    outcome: list[int] = []
    with db.engine.connect() as deciding:
        with deciding.begin():
            deciding.execute(sa.text("UPDATE nominations SET status = 'rejected' "
                                     "WHERE public_id = :id"), {"id": nomination["id"]})
            stance = threading.Thread(target=lambda: outcome.append(
                give_stance(client, nomination["id"], stance="endorse").status_code))
            stance.start()
            stance.join(timeout=1)
            assert stance.is_alive()  # waiting for the decision
        stance.join(timeout=30)
    assert outcome and outcome[0] >= 400
    assert counts()[1] == 0
