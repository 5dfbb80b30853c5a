"""A program with a dashboard's worth of data, made through the API (no tests here): two
key results over a period that is half gone, awards and actions spread over it, and a
two-step pathway for the funnel. Shared by the page tests and the browser test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db, transaction
from recipients.models import Person, RecipientIdentity
from tests.pathways.test_pathways_helpers import settle
from tests.reporting.report_helpers import (
    action,
    award,
    define_action_type,
    person_with,
    post_actions,
)

KIND, CLOSED = "contribution.merged", "partnership.closed"
#: The holder who shows her award on her public profile: her name may appear to staff.
SHOWN = ("ada@example.org", "Ada Lovelace")
#: A holder who never made anything public.
HIDDEN = ("grace@example.org", "Grace Hopper")


@dataclass(frozen=True)
class Seeded:
    program: dict
    objective: dict
    holders_kr: dict
    actions_kr: dict
    pathway: dict


def _ok(response, status=201) -> dict:
    assert response.status_code == status, response.json
    return response.json


def seed_program(api, issuer: dict, make_badge_class, *, public: bool,
                 slug: str = "partners", now: datetime | None = None) -> Seeded:
    """Six mentors (awarded by hand over the last fifty days, Ada and Grace last), 26
    merged contributions over the last 55 days, and a ladder reached by four partners
    (two of them also its second step) through the rule engine."""
    now = now or datetime.now(UTC)
    start, end = (now - timedelta(days=60)).date(), (now + timedelta(days=30)).date()
    mentor = make_badge_class(name="Open Source Mentor")
    certified = make_badge_class(name="Partnership Certified")
    closer = make_badge_class(name="Partnership Closer")
    define_action_type(api, KIND)
    define_action_type(api, CLOSED)
    pathway = _ok(api.post("/api/v1/pathways", json={
        "issuer": issuer["id"], "name": "Partnership ladder", "milestones": [
            {"key": "certified", "name": "Partnership Certified",
             "badge_class": certified["id"], "rule": {"action": CLOSED, "at_least": 1}},
            {"key": "closer", "name": "Partnership Closer",
             "badge_class": closer["id"], "rule": {"action": CLOSED, "at_least": 3}}]}))
    program = _ok(api.post("/api/v1/programs", json={
        "name": "Open Source Partnerships", "slug": slug, "issuers": [issuer["id"]],
        "public": public, "description": "How the partnership program is doing."}))
    objective = _ok(api.post("/api/v1/objectives", json={
        "program": program["id"], "title": "Grow the partnership network",
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "key_results": [
            {"title": "10 mentors", "target": 10,
             "metric": {"kind": "holders", "badge_classes": [mentor["id"]]}},
            {"title": "40 merged contributions", "target": 40,
             "metric": {"kind": "actions", "action_types": [KIND]}}]}))
    holders_kr, actions_kr = objective["key_results"]
    people = [f"partner{i}@example.org" for i in range(4)] + [HIDDEN[0], SHOWN[0]]
    post_actions(api, [action(f"m{n}", KIND, people[n % len(people)],
                              now - timedelta(days=55 - n * 2)) for n in range(26)])
    for n, email in enumerate(people):
        award(api, mentor["id"], email, issued_on=now - timedelta(days=50 - n * 8))
    closers = [people[0]] * 3 + [people[1]] * 3 + [people[2], people[3]]
    post_actions(api, [action(f"p{n}", CLOSED, email, now - timedelta(hours=n + 1))
                       for n, email in enumerate(closers)])
    settle()
    _show_on_profile(SHOWN)
    _name_recipient(HIDDEN)
    return Seeded(program, objective, holders_kr, actions_kr, pathway)


def _show_on_profile(holder: tuple[str, str]) -> None:
    """The holder claims her awards, keeps a public profile and shows them on it."""
    email, name = holder
    person_id = person_with(email)
    with transaction():
        db.session.execute(sa.update(Person).where(Person.id == person_id)
                           .values(display_name=name, profile_public=True))
        _update_awards(email, shown_on_profile=True)


def _name_recipient(holder: tuple[str, str]) -> None:
    """The issuer knows the holder's name (as staff typed it in); nothing is public."""
    email, name = holder
    with transaction():
        _update_awards(email, recipient_name=name)


def _update_awards(email: str, **values) -> None:
    identities = sa.select(RecipientIdentity.id).where(RecipientIdentity.value == email)
    db.session.execute(sa.update(Assertion).where(
        Assertion.recipient_identity_id.in_(identities)).values(**values))
