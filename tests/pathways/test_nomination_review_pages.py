"""Staff pages that review nominations: the issuer's queue (filters, counts against the
policy, the "ready to decide" mark, pages), one nomination with its endorsements and
objections, and the editors' decision; viewers read without forms, another issuer's
staff find nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.mail import OutboxMessage
from tests.badges.test_staff_pages import member
from tests.issuers.test_staff_pages import PASSWORD, csrf_token, field_error, text, words
from tests.pathways.test_nominations_helpers import (
    NOMINATION_SCOPES,
    STATEMENT,
    give_stance,
    make_program,
    make_validator,
    nominated,
    outsider,
    sign_in,
)


def queue(staff, issuer: dict, **query):
    return staff.get(f"/manage/issuers/{issuer['id']}/nominations", query_string=query)


def decide(staff, nomination_id: str, **form):
    """Posts a decision form of the nomination's page, with its CSRF token."""
    page = staff.get(f"/manage/nominations/{nomination_id}")
    token = csrf_token(page.get_data(as_text=True))
    return staff.post(f"/manage/nominations/{nomination_id}/decide",
                      data={"csrf_token": token, **form})


def status_of(api, nomination_id: str) -> str:
    return api.get(f"/api/v1/nominations/{nomination_id}").json["status"]


def awards_of(badge_class_id: str) -> list[Assertion]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Assertion).join(Assertion.badge_class).where(
        Assertion.badge_class.has(public_id=badge_class_id))))


def rows(response) -> list[str]:
    """The queue's rows as a person reads them."""
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)[1:]]


@pytest.fixture(autouse=True)
def _isolated(client):
    """Every test client here (staff made by `member` too) runs requests in their own
    context, as in production."""


@pytest.fixture
def program(api, issuer, make_badge_class):
    return make_program(api, issuer, make_badge_class, min_endorsements=1)


@pytest.fixture
def endorsed(api, client, program, make_award, make_user, base_url):
    """Ada's nomination with one endorsement (a validator signed in through `client`)."""
    nomination = nominated(outsider(api, make_user, "nominator@example.org")[0],
                           program.badge["id"])
    make_validator(client, make_award, program, "val@example.org", base_url)
    response = give_stance(client, nomination["id"], stance="endorse", name="Val Idator",
                           comment="Ada is the mentor we all ask first.")
    assert response.status_code == 303
    return nomination


@pytest.fixture
def editor(app, api, make_user, issuer):
    return member(app, api, make_user, issuer, "editor")


def test_the_queue_shows_names_counts_and_what_is_ready(app, api, client, issuer, program,
                                                         endorsed, make_user,
                                                         make_badge_class):
    nominator, _ = outsider(api, make_user)
    unnamed = nominated(nominator, program.badge["id"], email="bob@example.org", name=None)
    give_stance(client, unnamed["id"], stance="object", comment="Joined last week.")
    viewer = member(app, api, make_user, issuer, "viewer")

    page = queue(viewer, issuer)
    assert page.status_code == 200
    ada, bob = sorted(rows(page))
    assert ada.startswith("Ada known by email address For Community Mentor "
                          "Nominated by nominator@example.org")
    assert "1 of 1 endorsement Ready to decide" in ada
    assert "No name given known by email address" in bob
    assert "0 of 1 endorsement · 1 objection Needs 1 more endorsement" in bob
    html = text(page)
    assert "ada@example.org" not in html and "bob@example.org" not in html
    assert "2 open nominations" in html and "Open (2)" in html
    assert html.count("Ready to decide") == 1

    editor = member(app, api, make_user, issuer, "editor")
    rejected = decide(editor, unnamed["id"], decision="reject", reject_note="Too early.")
    assert rejected.status_code == 303
    assert [row.split(" known")[0] for row in rows(queue(viewer, issuer))] == ["Ada"]
    closed = queue(viewer, issuer, status="rejected")
    assert len(rows(closed)) == 1 and "Not approved" in rows(closed)[0]
    assert "1 rejected nomination" in text(closed)
    assert len(rows(queue(viewer, issuer, status="all"))) == 2

    other = make_badge_class(name="Event Host")
    api.client.put(f"/api/v1/badge-classes/{other['id']}/nomination-policy",
                   json={"validator_badge_class": program.validators["id"]},
                   headers={"Authorization": f"Bearer {api.token}"})
    nominated(nominator, other["id"], name="Cy", email="cy@example.org")
    assert len(rows(queue(viewer, issuer))) == 2
    only = queue(viewer, issuer, badge_class=other["id"])
    assert [row.split(" known")[0] for row in rows(only)] == ["Cy"]
    assert "1 open nomination for “Event Host”" in text(only)
    assert "0 of 0 endorsements Ready to decide" in rows(only)[0]  # the API's default minimum


def test_the_queue_pages_through_older_nominations(app, api, issuer, program, make_user):
    nominator, _ = outsider(api, make_user)
    for number in range(26):
        nominated(nominator, program.badge["id"], email=f"p{number}@example.org",
                  name=f"Person {number}")
    viewer = member(app, api, make_user, issuer, "viewer")
    first = queue(viewer, issuer)
    names = [row.split(" known")[0] for row in rows(first)]
    assert names[:2] == ["Person 25", "Person 24"] and len(names) == 25
    assert "26 open nominations" in text(first)
    older = re.search(r'href="([^"]+)">Older nominations<', first.get_data(as_text=True))
    second = viewer.get(older.group(1).replace("&amp;", "&"))
    assert [row.split(" known")[0] for row in rows(second)] == ["Person 0"]
    assert "Older nominations" not in text(second)


def test_issuer_and_badge_class_pages_link_with_the_open_count(editor, issuer, program,
                                                               endorsed):
    issuer_page = text(editor.get(f"/manage/issuers/{issuer['id']}"))
    assert "Nominations (1 open)" in issuer_page
    badge_page = text(editor.get(f"/manage/badge-classes/{program.badge['id']}"))
    assert "Nominations (1 open)" in badge_page and "Nomination policy" in badge_page
    validators_page = text(editor.get(f"/manage/badge-classes/{program.validators['id']}"))
    assert "Nominations (0 open)" in validators_page


def object_as_second_validator(app, api, nomination):
    """A second validator (another browser) objects."""
    second = app.test_client()
    policy = api.get(f"/api/v1/badge-classes/{nomination['badge_class']}/nomination-policy")
    award = api.post(f"/api/v1/badge-classes/{policy.json['validator_badge_class']}/assertions",
                     json={"recipient": {"type": "email", "identity": "val2@example.org"}})
    assert award.status_code == 201, award.json
    sign_in(second, "val2@example.org", app.config["BASE_URL"])
    objected = give_stance(second, nomination["id"], stance="object", name="Second",
                           comment="Not this year.")
    assert objected.status_code == 303


def test_the_nomination_page_shows_statement_stances_and_policy(app, api, editor, endorsed):
    object_as_second_validator(app, api, endorsed)
    page = editor.get(f"/manage/nominations/{endorsed['id']}")
    assert page.status_code == 200
    read = words(page)
    assert STATEMENT in read and "Ada for “Community Mentor”" in read
    assert "known by email address" in read and "ada@example.org" not in read
    assert "Ada is the mentor we all ask first." in read and "Not this year." in read
    assert "Endorsements (1)" in read and "Objections (1)" in read
    assert 'Validators: holders of “Mentor Council”' in read
    assert "An approval needs 1 endorsement" in read
    link = re.search(r'href="(/nominations/[\w-]+/endorsements/[\w-]+)">Val Idator<',
                     page.get_data(as_text=True)).group(1)
    credential = api.client.get(link, headers={"Accept": "application/ld+json"})
    assert "EndorsementCredential" in credential.json["type"]
    html = page.get_data(as_text=True)
    assert 'name="approve_note"' in html and 'name="notify" checked' in html
    assert 'name="reject_note"' in html and html.count('name="csrf_token"') >= 3


def test_approving_awards_the_badge_and_links_the_award(editor, api, program, endorsed):
    response = decide(editor, endorsed["id"], decision="approve", approve_note="Well earned.",
                      notify="on")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"])
    read = words(page)
    assert "Approved: Community Mentor is awarded to Ada." in read
    (award,) = awards_of(program.badge["id"])
    assert f'href="/assertions/{award.public_id}"' in page.get_data(as_text=True)
    assert "The award made: Community Mentor of Ada" in read
    assert "Well earned." in read and 'name="decision"' not in page.get_data(as_text=True)
    assert award.evidence[0]["narrative"] == STATEMENT
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == "ada@example.org")) == 1
    again = decide(editor, endorsed["id"], decision="reject", reject_note="Changed my mind.")
    assert again.status_code == 409
    assert "This nomination is approved already." in words(again)
    assert len(awards_of(program.badge["id"])) == 1


def test_approving_without_email_sends_no_mail(editor, program, endorsed):
    assert decide(editor, endorsed["id"], decision="approve").status_code == 303
    assert len(awards_of(program.badge["id"])) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == "ada@example.org")) == 0


def test_the_services_refusals_are_shown_plainly(api, editor, program, make_user,
                                                 make_award, endorsed):
    waiting = nominated(outsider(api, make_user)[0], program.badge["id"],
                        email="eve@example.org", name="Eve")
    forged = editor.post(f"/manage/nominations/{waiting['id']}/decide",
                         data={"decision": "reject", "reject_note": "No token."})
    assert forged.status_code == 400 and status_of(api, waiting["id"]) == "open"
    refused = decide(editor, waiting["id"], decision="approve", notify="on")
    assert refused.status_code == 409
    assert "Approval needs 1 endorsements; this nomination has 0." in words(refused)
    assert status_of(api, waiting["id"]) == "open"

    no_note = decide(editor, waiting["id"], decision="reject", reject_note="  ")
    assert no_note.status_code == 422
    assert field_error(no_note, "reject_note") == "Say why the nomination is rejected."
    assert status_of(api, waiting["id"]) == "open"
    rejected = decide(editor, waiting["id"], decision="reject", reject_note="Next year.")
    read = words(editor.get(rejected.headers["Location"]))
    assert "Rejected the nomination of Eve." in read and "Rejected by editor@example.org" in read
    assert "Next year." in read and status_of(api, waiting["id"]) == "rejected"

    make_award(badge_class_id=program.badge["id"])  # Ada gets the badge by hand meanwhile
    held = decide(editor, endorsed["id"], decision="approve")
    assert held.status_code == 409 and "holds this badge already" in words(held)
    assert status_of(api, endorsed["id"]) == "open"
    assert len(awards_of(program.badge["id"])) == 1


@pytest.mark.parametrize("role", ["viewer", "awarder"])
def test_a_viewer_reads_but_cannot_decide(app, api, make_user, issuer, program, endorsed,
                                          role):
    reader = member(app, api, make_user, issuer, role)
    page = reader.get(f"/manage/nominations/{endorsed['id']}")
    assert page.status_code == 200 and STATEMENT in words(page)
    html = page.get_data(as_text=True)
    assert 'name="decision"' not in html and "Approve and award" not in html
    assert "The issuer's editors decide this nomination" in words(page)
    token = csrf_token(reader.get("/manage/issuers").get_data(as_text=True))
    for form in ({"decision": "approve"}, {"decision": "reject", "reject_note": ""}):
        refused = reader.post(f"/manage/nominations/{endorsed['id']}/decide",
                              data={"csrf_token": token, **form})
        assert refused.status_code == 403 and "Not allowed" in words(refused)
    assert status_of(api, endorsed["id"]) == "open" and not awards_of(program.badge["id"])


def log_in(app, email: str):
    """A test client signed in as an existing account (its password is PASSWORD)."""
    staff = app.test_client()
    token = csrf_token(staff.get("/login").get_data(as_text=True))
    response = staff.post("/login", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token})
    assert response.status_code == 302
    return staff


def test_another_issuers_staff_and_the_nominator_find_nothing(app, api, make_user,
                                                              make_issuer, issuer, program):
    _, secret = make_user("nom@example.org", password=PASSWORD, scopes=NOMINATION_SCOPES)
    nomination = nominated(api.with_token(secret), program.badge["id"])
    elsewhere = make_issuer(name="Elsewhere")
    stranger = member(app, api, make_user, elsewhere, "owner")
    assert stranger.get(f"/manage/nominations/{nomination['id']}").status_code == 404
    assert queue(stranger, issuer).status_code == 404
    token = csrf_token(stranger.get("/manage/issuers").get_data(as_text=True))
    posted = stranger.post(f"/manage/nominations/{nomination['id']}/decide",
                           data={"csrf_token": token, "decision": "approve"})
    assert posted.status_code == 404 and "Not found" in words(posted)
    # The nominator reads it through the API; these pages are for the issuer's staff.
    nominator = log_in(app, "nom@example.org")
    assert api.with_token(secret).get(
        f"/api/v1/nominations/{nomination['id']}").status_code == 200
    assert nominator.get(f"/manage/nominations/{nomination['id']}").status_code == 404
    assert queue(nominator, issuer).status_code == 404
    assert status_of(api, nomination["id"]) == "open"


def policy_page(staff, badge_class_id: str):
    return staff.get(f"/manage/badge-classes/{badge_class_id}/nomination-policy")


def post_policy(staff, badge_class_id: str, **form):
    token = csrf_token(staff.get("/manage/issuers").get_data(as_text=True))
    return staff.post(f"/manage/badge-classes/{badge_class_id}/nomination-policy",
                      data={"csrf_token": token, **form})


def test_an_editor_sets_the_policy_and_sees_what_to_fix(api, editor, make_badge_class,
                                                         make_issuer):
    badge = make_badge_class(name="Community Mentor")
    council = make_badge_class(name="Mentor Council")
    foreign = make_badge_class(issuer_id=make_issuer(name="Elsewhere")["id"], name="Foreign")
    form = policy_page(editor, badge["id"])
    html = form.get_data(as_text=True)
    assert "this badge class does not accept nominations" in words(form)
    assert f'value="{council["id"]}">Mentor Council<' in html
    assert "Community Mentor (this badge class)" in words(form) and foreign["id"] not in html
    assert re.search(r'name="min_endorsements"[^>]* value="1"', html)
    assert 'name="accepting" checked' in html

    for fields, name, message in [
            ({"min_endorsements": "1"}, "validator_badge_class",
             "Choose the badge class whose holders validate."),
            ({"validator_badge_class": council["id"], "min_endorsements": "-1"},
             "min_endorsements", "Must be greater than or equal to 0 and less than or equal "
                                 "to 100."),
            ({"validator_badge_class": council["id"], "min_endorsements": "two"},
             "min_endorsements", "Not a valid integer."),
            ({"validator_badge_class": foreign["id"], "min_endorsements": "1"},
             "validator_badge_class", "No badge class with this id at your issuers.")]:
        refused = post_policy(editor, badge["id"], accepting="on", **fields)
        assert refused.status_code == 422, fields
        assert field_error(refused, name) == message
    missing = api.get(f"/api/v1/badge-classes/{badge['id']}/nomination-policy")
    assert missing.status_code == 404

    saved = post_policy(editor, badge["id"], validator_badge_class=council["id"],
                        min_endorsements="2")  # accepting unticked
    assert saved.status_code == 303
    shown = words(editor.get(saved.headers["Location"]))
    assert "Saved: “Community Mentor” does not accept nominations." in shown
    assert "holders of “Mentor Council” validate; an approval needs 2 endorsements" in shown
    policy = api.get(f"/api/v1/badge-classes/{badge['id']}/nomination-policy").json
    assert (policy["validator_badge_class"], policy["min_endorsements"],
            policy["accepting"]) == (council["id"], 2, False)
    post_policy(editor, badge["id"], validator_badge_class=badge["id"], min_endorsements="0",
                accepting="on")
    policy = api.get(f"/api/v1/badge-classes/{badge['id']}/nomination-policy").json
    assert (policy["validator_badge_class"], policy["accepting"]) == (badge["id"], True)


def test_a_viewer_reads_the_policy_but_cannot_set_it(app, api, make_user, make_issuer,
                                                     issuer, program):
    viewer = member(app, api, make_user, issuer, "viewer")
    page = policy_page(viewer, program.badge["id"])
    assert page.status_code == 200 and "Save the policy" not in words(page)
    assert "holders of “Mentor Council” validate; an approval needs 1 endorsement" in words(page)
    refused = post_policy(viewer, program.badge["id"], min_endorsements="0",
                          validator_badge_class=program.badge["id"])
    assert refused.status_code == 403
    policy = api.get(f"/api/v1/badge-classes/{program.badge['id']}/nomination-policy").json
    assert (policy["validator_badge_class"], policy["min_endorsements"]) == (
        program.validators["id"], 1)
    stranger = member(app, api, make_user, make_issuer(name="Elsewhere"), "owner")
    assert policy_page(stranger, program.badge["id"]).status_code == 404
    assert post_policy(stranger, program.badge["id"], min_endorsements="0",
                       validator_badge_class=program.badge["id"]).status_code == 404
