"""The webhook events of awards and revocations: posted signed to a live receiver after the
commit, never for a rolled-back award, an unsubscribed event or a disabled webhook, one per
award in a bulk award, and sent by a Celery worker when a broker is configured."""

from __future__ import annotations

import pytest

from badges.awards import Recipient, award_badge
from cairn.auth import actor_for_user
from cairn.db import transaction
from recipients.models import IdentityType
from tests.badges.test_bulk import bulk_path, row, wait_done
from tests.cairn.test_webhooks import (
    allow_test_receivers,
    assert_signed,
    create_webhook,
    deliveries,
    running_receiver,
    wait_for_deliveries,
)


@pytest.fixture
def receiver(app, monkeypatch):
    allow_test_receivers(app, monkeypatch)
    yield from running_receiver()


def test_an_award_and_its_revocation_are_posted_signed(api, issuer, badge_class, make_award,
                                                       receiver):
    webhook = create_webhook(api, issuer, receiver.url)
    award = make_award(notify=True)
    [awarded] = wait_for_deliveries()
    [request] = receiver.received
    assert_signed(request, webhook["secret"])
    assert request.headers["X-Cairn-Event"] == "assertion.awarded"
    assert "ada@example.org" not in request.body.decode()  # never the plain address
    payload = request.json
    assert (payload["id"], payload["type"], payload["issuer"]) == (
        awarded.public_id, "assertion.awarded", issuer["id"])
    assert payload["data"] == {"assertion": award["id"], "badge_class": badge_class["id"],
                               "recipient_type": "email", "urls": award["urls"],
                               "issued_on": payload["data"]["issued_on"]}
    assert payload["data"]["issued_on"].endswith("Z")

    response = api.post(f"/api/v1/assertions/{award['id']}/revoke",
                        json={"reason": "Awarded by mistake"})
    assert response.status_code == 200
    wait_for_deliveries(2)
    revoked = receiver.received[1]
    assert_signed(revoked, webhook["secret"])
    assert revoked.headers["X-Cairn-Event"] == "assertion.revoked"
    data = revoked.json["data"]
    assert (data["assertion"], data["reason"]) == (award["id"], "Awarded by mistake")
    assert data["urls"] == award["urls"] and data["revoked_at"].endswith("Z")


def test_a_rolled_back_award_sends_nothing(api, app, issuer, badge_class, make_user, receiver):
    create_webhook(api, issuer, receiver.url)
    user, _ = make_user("trainer@example.org", admin=True)
    actor = actor_for_user(user)
    with pytest.raises(RuntimeError), transaction():
        award_badge(actor, badge_class["id"], Recipient(IdentityType.email, "ada@example.org"))
        raise RuntimeError("something after the award failed")
    kept = award_badge(actor, badge_class["id"], Recipient(IdentityType.email, "bob@example.org"))
    wait_for_deliveries()
    assert [request.json["data"]["assertion"] for request in receiver.received] == [
        kept.public_id]


def test_a_repeated_award_request_sends_one_event(api, issuer, make_award, receiver):
    create_webhook(api, issuer, receiver.url)
    first = make_award(headers={"Idempotency-Key": "award-1"})
    again = make_award(headers={"Idempotency-Key": "award-1"})
    assert first["id"] == again["id"]
    assert len(wait_for_deliveries()) == 1


def test_only_subscribed_events_of_active_webhooks_of_the_issuer_are_sent(
        api, issuer, make_issuer, make_badge_class, make_award, receiver):
    revocations = create_webhook(api, issuer, receiver.url, ["assertion.revoked"])
    disabled = create_webhook(api, issuer, receiver.url, ["assertion.awarded"])
    api.patch(f"/api/v1/issuers/{issuer['id']}/webhooks/{disabled['id']}",
              json={"active": False})
    other = make_issuer(name="Elsewhere")
    make_award(badge_class_id=make_badge_class(issuer_id=other["id"])["id"])
    award = make_award()
    assert deliveries() == []
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Mistake"})
    [delivery] = wait_for_deliveries()
    assert delivery.event == "assertion.revoked"
    assert_signed(receiver.received[0], revocations["secret"])


def test_a_bulk_award_sends_one_event_per_award(api, issuer, badge_class, make_award, receiver):
    create_webhook(api, issuer, receiver.url, ["assertion.awarded"])
    make_award(recipient={"identity": "held@example.org"})
    response = api.post(bulk_path(badge_class), json={"rows": [
        row(f"person{number}@example.org") for number in range(5)] + [row("held@example.org")]})
    job = wait_done(api, response.json["id"])
    assert job["result"]["awarded"] == 5
    wait_for_deliveries(6)
    listed = api.get(f"/api/v1/badge-classes/{badge_class['id']}/assertions").json["items"]
    sent = sorted(request.json["data"]["assertion"] for request in receiver.received)
    assert len(sent) == 6 and sorted(item["id"] for item in listed) == sent


def test_with_a_broker_a_celery_worker_sends_the_event(api, issuer, make_award, receiver,
                                                       celery_queue, tmp_path):
    create_webhook(api, issuer, receiver.url)
    with celery_queue(tmp_path / "worker.log", WEBHOOK_SWEEP_SECONDS=0, MAIL_SWEEP_SECONDS=0,
                      WEBHOOK_ALLOW_PRIVATE="true"):
        award = make_award()
        [delivery] = wait_for_deliveries(seconds=60)
    assert delivery.status == "delivered"
    assert receiver.received[0].json["data"]["assertion"] == award["id"]
    assert b"cairn.deliver_webhooks" in (tmp_path / "worker.log").read_bytes()


def test_each_change_to_the_webhooks_reaches_the_next_award(api, issuer, make_award, receiver):
    """Awards find the subscribers once per process while the issuer is unchanged; every
    change to the webhooks (added, disabled, enabled, deleted) must show at once."""
    def award(name: str) -> None:
        make_award(recipient={"identity": f"{name}@example.org"})

    award("before")  # nobody listens: kept as such
    webhook = create_webhook(api, issuer, receiver.url)
    award("added")
    assert len(wait_for_deliveries(1)) == 1
    path = f"/api/v1/issuers/{issuer['id']}/webhooks/{webhook['id']}"
    assert api.patch(path, json={"active": False}).status_code == 200
    award("disabled")
    assert api.patch(path, json={"active": True}).status_code == 200
    award("enabled")
    assert len(wait_for_deliveries(2)) == 2
    assert api.delete(path).status_code == 204
    award("deleted")
    assert deliveries() == []  # the log went with the webhook, and nothing new came
    assert [request.json["data"]["recipient_type"] for request in receiver.received] == [
        "email", "email"]
