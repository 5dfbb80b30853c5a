"""Helpers shared by the reporting tests (no tests here): awards made through the API and
then moved back in time, actions posted in batches, retractions, revocations, and people
holding several identities."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db, transaction, utcnow
from cairn.epochs import bump_corrections
from recipients.models import IdentityType, Person, PersonIdentity
from recipients.people import attach_verified
from recipients.services import resolve_identity


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def award(api, badge_class_id: str, email: str, *, issued_on: datetime | None = None,
          expires: datetime | None = None) -> str:
    """Award through the API, then set the time it was issued (and its expiry): awards
    are always issued now, and reports look at the past. Changing a stored award is a
    correction, as far as kept report figures go (cairn/epochs.py)."""
    response = api.post(f"/api/v1/badge-classes/{badge_class_id}/assertions",
                        json={"recipient": {"type": "email", "identity": email}})
    assert response.status_code == 201, response.json
    if issued_on is not None or expires is not None:
        with transaction():
            db.session.execute(sa.update(Assertion).where(
                Assertion.public_id == response.json["id"]).values(
                issued_on=issued_on or utcnow(), expires_at=expires))
            bump_corrections()
    return response.json["id"]


def revoke(api, assertion_id: str) -> None:
    response = api.post(f"/api/v1/assertions/{assertion_id}/revoke", json={"reason": "Error."})
    assert response.status_code == 200, response.json


def define_action_type(api, key: str) -> None:
    response = api.post("/api/v1/action-types", json={"key": key, "description": key,
                                                      "properties_schema": {}})
    assert response.status_code == 201, response.json


def action(external_id: str, key: str, email: str, occurred_at: datetime,
           properties: dict | None = None) -> dict:
    return {"source": "crm", "id": external_id, "type": key,
            "person": {"type": "email", "identity": email},
            "occurred_at": iso(occurred_at), "properties": properties or {}}


def post_actions(api, actions: list[dict]) -> None:
    for start in range(0, len(actions), 1000):
        response = api.post("/api/v1/actions", json={"actions": actions[start:start + 1000]})
        assert response.status_code == 200, response.json
        assert all(item["status"] == "created" for item in response.json["items"])


def retract(api, external_id: str) -> None:
    response = api.post("/api/v1/actions", json={
        "source": "crm", "id": f"{external_id}-retracted",
        "retracts": {"source": "crm", "id": external_id}})
    assert response.status_code == 201, response.json


def person_with(*emails: str, verified: bool = True) -> int:
    """A person holding these email identities: verified links (they count as one
    person), or links never verified (each identity stays a person of its own)."""
    with transaction():
        person = Person(display_name=None)
        db.session.add(person)
        db.session.flush()
        for email in emails:
            identity = resolve_identity(IdentityType.email, email)
            if verified:
                attach_verified(person.id, identity)
            else:
                db.session.add(PersonIdentity(person_id=person.id, identity=identity))
    return person.id
