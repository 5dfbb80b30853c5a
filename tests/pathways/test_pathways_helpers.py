"""Helpers shared by the pathway tests (no tests here): action types, actions and
pathways made through the public API, and waiting for the jobs the engine queues."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.jobs import UNFINISHED, Job
from pathways.models import MilestoneAward
from recipients.models import RecipientIdentity


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def days_ago(days: float) -> str:
    return iso(datetime.now(UTC) - timedelta(days=days))


def define_action_type(api, key: str, schema: dict | None = None) -> None:
    response = api.post("/api/v1/action-types", json={
        "key": key, "description": f"{key} happened.", "properties_schema": schema or {}})
    assert response.status_code == 201, response.json


def post_action(api, key: str, email: str, external_id: str, *, source: str = "crm",
                occurred_at: str | None = None, properties: dict | None = None):
    response = api.post("/api/v1/actions", json={
        "source": source, "id": external_id, "type": key,
        "person": {"type": "email", "identity": email},
        "occurred_at": occurred_at or days_ago(1), "properties": properties or {}})
    assert response.status_code in (200, 201), response.json
    return response


def retract(api, external_id: str, retracted_id: str, *, source: str = "crm"):
    response = api.post("/api/v1/actions", json={
        "source": source, "id": external_id,
        "retracts": {"source": source, "id": retracted_id}})
    assert response.status_code in (200, 201), response.json
    return response


def milestone(key: str, badge_class: dict, rule: dict, name: str | None = None) -> dict:
    return {"key": key, "name": name or key.title(), "badge_class": badge_class["id"],
            "rule": rule}


def create_pathway(api, issuer: dict, milestones: list[dict], **extra):
    return api.post("/api/v1/pathways", json={
        "issuer": issuer["id"], "name": "Mentoring ladder", "milestones": milestones, **extra})


def settle(seconds: float = 60) -> None:
    """Wait until every job (the engine's included) is done or failed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(
                Job.status.in_(UNFINISHED))):
            return
        time.sleep(0.05)
    raise AssertionError("jobs still unfinished")


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def awards_of(email: str) -> list[Assertion]:
    """The assertions of an email identity, oldest first."""
    db.session.rollback()
    return list(db.session.scalars(sa.select(Assertion).join(
        RecipientIdentity, RecipientIdentity.id == Assertion.recipient_identity_id).where(
        RecipientIdentity.value == email).order_by(Assertion.id)))


def badge_classes_of(email: str) -> list[str]:
    return [assertion.badge_class.public_id for assertion in awards_of(email)]


def milestone_awards() -> list[MilestoneAward]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(MilestoneAward).order_by(MilestoneAward.id)))


def identity_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(RecipientIdentity.id).where(
        RecipientIdentity.value == email))
