"""Awarding, listing and revoking through the API."""

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from tests.cairn.test_errors import assert_error


def count_assertions():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion))


def test_award_returns_the_assertion_with_every_public_url(make_award, base_url):
    award = make_award()
    assert award["revoked"] is False
    assert award["recipient"] == {"type": "email", "identity": "ada@example.org", "name": "Ada"}
    urls = award["urls"]
    assert {"page", "ob2", "ob2_jws", "png", "svg"} <= set(urls)
    assert urls["ob2"] == f"{base_url}/assertions/{award['id']}"
    assert all(url.startswith(base_url) for url in urls.values())


def test_email_recipient_is_hashed_with_a_salt_per_award(make_award, client):
    first, second = make_award(), make_award()
    docs = [client.get(a["urls"]["ob2"]).get_json() for a in (first, second)]
    assert all(d["recipient"]["hashed"] is True for d in docs)
    assert docs[0]["recipient"]["salt"] != docs[1]["recipient"]["salt"]
    assert docs[0]["recipient"]["identity"] != docs[1]["recipient"]["identity"]
    assert all("ada@example.org" not in str(d) for d in docs)


def test_url_and_telephone_recipients(make_award, client):
    by_url = make_award(recipient={"type": "url", "identity": "https://ada.example.org/"})
    by_phone = make_award(recipient={"type": "telephone", "identity": "+44 20 7946 0000"})
    assert client.get(by_url["urls"]["ob2"]).get_json()["recipient"]["type"] == "url"
    assert by_phone["recipient"]["identity"] == "+442079460000"


def test_an_email_that_is_not_one_is_refused_and_nothing_is_written(api, badge_class):
    before = count_assertions()
    response = api.post(f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                        json={"recipient": {"type": "email", "identity": "ada-at-example"}})
    body = assert_error(response, 422, "invalid_identity")
    assert "recipient" in body["errors"]
    assert count_assertions() == before


def test_expiry_in_the_past_is_refused(api, badge_class):
    response = api.post(f"/api/v1/badge-classes/{badge_class['id']}/assertions", json={
        "recipient": {"identity": "ada@example.org"}, "expires": "2001-01-01T00:00:00Z"})
    assert_error(response, 422, "validation_failed")


def test_badge_class_expiry_sets_the_award_expiry(make_badge_class, make_award):
    expiring = make_badge_class(expires_after_days=30)
    award = make_award(badge_class_id=expiring["id"])
    assert award["expires"] is not None


def test_same_idempotency_key_and_body_returns_the_first_award(make_award):
    first = make_award(headers={"Idempotency-Key": "cohort-7-ada"})
    again = make_award(headers={"Idempotency-Key": "cohort-7-ada"})
    assert again["id"] == first["id"]
    assert count_assertions() == 1


def test_same_idempotency_key_with_another_body_is_409(api, make_award, badge_class):
    make_award(headers={"Idempotency-Key": "k1"})
    response = api.post(f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                        json={"recipient": {"identity": "grace@example.org"}},
                        headers={"Idempotency-Key": "k1"})
    assert_error(response, 409, "idempotency_key_reused")
    assert count_assertions() == 1


def test_list_filters_and_cursor_pagination(api, make_award, make_badge_class):
    other_class = make_badge_class(name="Mentor")
    made = [make_award(recipient={"identity": f"p{i}@example.org"}) for i in range(5)]
    make_award(badge_class_id=other_class["id"], recipient={"identity": "p0@example.org"})
    seen, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/api/v1/assertions?{query}&badge_class={made[0]['badge_class']}").json
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [a["id"] for a in reversed(made)]
    by_person = api.get("/api/v1/assertions?recipient=p0@example.org").json["items"]
    assert len(by_person) == 2
    assert api.get("/api/v1/assertions?recipient=nobody@example.org").json["items"] == []


def test_revoke_keeps_the_assertion_and_its_reason(api, award):
    response = api.post(f"/api/v1/assertions/{award['id']}/revoke",
                        json={"reason": "Issued to the wrong person"})
    assert response.status_code == 200
    assert response.json["revoked"] is True
    assert response.json["revocation_reason"] == "Issued to the wrong person"
    listed = api.get("/api/v1/assertions?revoked=true").json["items"]
    assert [a["id"] for a in listed] == [award["id"]]
    assert_error(api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "x"}),
                 409, "already_revoked")


def test_revoke_needs_a_reason(api, award):
    body = assert_error(api.post(f"/api/v1/assertions/{award['id']}/revoke", json={}),
                        422, "validation_failed")
    assert "reason" in body["errors"]
