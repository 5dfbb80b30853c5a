"""A pathway's funnel and milestones reached, nominations counted, and what a program's
dashboard reads (reporting/reports.py): contributors, and recent awards that name nobody
unless they chose to show the award on their public profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from badges.backpack import show_on_profile
from badges.models import Assertion, BadgeClass
from cairn.db import db, transaction
from pathways.nomination_models import Nomination
from recipients.models import IdentityType, Person
from recipients.people import update_profile
from recipients.services import resolve_identity
from reporting.reports import contributors_report, recent_awards
from reporting.services import find_program
from tests.pathways.test_pathways_helpers import awards_of, settle
from tests.reporting.report_helpers import (
    action,
    define_action_type,
    person_with,
    post_actions,
    revoke,
)

CLOSED = "partnership.closed"


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    """Certified (1 partnership), Closer (3), Builder (6): ada reaches all three, bob two,
    cy and dee (one person with two identities) the first."""
    define_action_type(api, CLOSED)
    badges = [make_badge_class(name=name) for name in ("Certified", "Closer", "Builder")]
    milestones = [{"key": key, "name": name, "badge_class": badge["id"],
                   "rule": {"action": CLOSED, "at_least": needed}}
                  for (key, name, needed), badge in zip(
                      (("certified", "Certified", 1), ("closer", "=Closer", 3),
                       ("builder", "Builder", 6)), badges, strict=True)]
    pathway = api.post("/api/v1/pathways", json={"issuer": issuer["id"], "name": "Ladder",
                                                 "milestones": milestones})
    assert pathway.status_code == 201, pathway.json
    person_with("cy@example.org", "dee@example.org")
    when = datetime.now(UTC) - timedelta(days=1)
    actions = [action(f"{who}-{n}", CLOSED, f"{who}@example.org", when)
               for who, count in (("ada", 6), ("bob", 3), ("cy", 1), ("dee", 1))
               for n in range(count)]
    post_actions(api, actions)
    settle()
    return pathway.json


def test_the_funnel_counts_people_at_each_milestone(api, ladder):
    before = datetime.now(UTC)
    funnel = api.get(f"/api/v1/reports/funnel?pathway={ladder['id']}")
    assert funnel.status_code == 200, funnel.json
    as_of = datetime.fromisoformat(funnel.json["as_of"].replace("Z", "+00:00"))
    assert before <= as_of <= datetime.now(UTC)  # when the counts were made, like any report
    steps = funnel.json["steps"]
    assert [(s["key"], s["people"], s["conversion"], s["share"]) for s in steps] == [
        ("certified", 3, None, 1.0), ("closer", 2, 0.6667, 0.6667),
        ("builder", 1, 0.5, 0.3333)]
    closer = next(a for a in awards_of("bob@example.org")
                  if a.badge_class.name == "Closer")
    revoke(api, closer.public_id)
    after = api.get(f"/api/v1/reports/funnel?pathway={ladder['id']}").json["steps"]
    assert [s["people"] for s in after] == [3, 1, 1]
    counted = api.get(f"/api/v1/reports/funnel?pathway={ladder['id']}&include_revoked=true")
    assert [s["people"] for s in counted.json["steps"]] == [3, 2, 1]
    later = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    none_yet = api.get(f"/api/v1/reports/funnel?pathway={ladder['id']}&from={later}"
                       f"&to={later}")
    assert [s["people"] for s in none_yet.json["steps"]] == [0, 0, 0]
    csv = api.get(f"/api/v1/reports/funnel?pathway={ladder['id']}",
                  headers={"Accept": "text/csv"}).get_data(as_text=True)
    assert csv.splitlines()[2].split(",")[3] == "'=Closer"  # never a formula


def test_milestones_reached_are_a_key_result(api, issuer, ladder):
    today = datetime.now(UTC).date()
    period = {"start": (today - timedelta(days=20)).isoformat(),
              "end": (today + timedelta(days=20)).isoformat()}
    made = api.post("/api/v1/objectives", json={
        "issuer": issuer["id"], "title": "Ladder", "period": period, "key_results": [
            {"title": "Closers", "target": 2,
             "metric": {"kind": "milestones", "pathway": ladder["id"], "milestone": "closer"}},
            {"title": "Steps", "target": 10,
             "metric": {"kind": "milestones", "pathway": ladder["id"]}}]})
    assert made.status_code == 201, made.json
    closers, steps = (api.get(f"/api/v1/reports/key-results/{kr['id']}").json
                      for kr in made.json["key_results"])
    assert closers["value"] == 2 and closers["progress"] == 1.0
    assert steps["value"] == 6 and closers["unit"] == "milestones"


def test_nominations_received_and_decided_are_counted(api, issuer, badge_class):
    identity = resolve_identity(IdentityType.email, "ada@example.org")
    class_id = db.session.scalar(sa.select(BadgeClass.id).where(
        BadgeClass.public_id == badge_class["id"]))
    start = datetime(2026, 1, 10, tzinfo=UTC)
    with transaction():
        for n, status in enumerate(("open", "approved", "rejected", "withdrawn", "approved")):
            decided = start + timedelta(days=40) if status in ("approved", "rejected") else None
            db.session.add(Nomination(badge_class_id=class_id, identity_id=identity.id,
                                      statement="Great work.", status=status,
                                      created_at=start + timedelta(days=n), decided_at=decided))
    made = api.post("/api/v1/objectives", json={
        "issuer": issuer["id"], "title": "Nominations",
        "period": {"start": "2026-01-01", "end": "2026-03-31"}, "key_results": [
            {"title": status, "target": 3, "metric": {"kind": "nominations", "status": status}}
            for status in ("received", "decided", "approved", "rejected")]}).json
    values = [api.get(f"/api/v1/reports/key-results/{kr['id']}?group_by=month").json
              for kr in made["key_results"]]
    assert [report["value"] for report in values] == [5, 3, 2, 1]
    assert [p["value"] for p in values[1]["series"]] == [0, 3, 0]


def test_a_dashboard_reads_contributors_and_recent_awards(api, issuer, badge_class,
                                                          make_award):
    shown = make_award()
    make_award(recipient={"type": "email", "identity": "bob@example.org", "name": "Bob"})
    revoke(api, make_award(recipient={"type": "email", "identity": "cy@example.org"})["id"])
    ada = person_with("ada@example.org")
    update_profile(ada, display_name="Ada L.", profile_public=True)
    show_on_profile(ada, shown["id"], True)
    program = find_program(api.post("/api/v1/objectives", json={
        "issuer": issuer["id"], "title": "Grow"}).json["program"])
    listed = recent_awards(program)
    assert [(item["recipient"], item["badge_class"]) for item in listed] == [
        (None, badge_class["id"]), ("Ada L.", badge_class["id"])]
    assert listed[1]["profile_url"].endswith("/people/" + _slug(ada))
    assert listed[0]["profile_url"] is None  # Bob's name is on his award, never shown
    update_profile(ada, display_name="Ada L.", profile_public=False)
    assert [item["recipient"] for item in recent_awards(program)] == [None, None]
    today = datetime.now(UTC).date()
    report = contributors_report(program, group_by="month", start=today.replace(day=1),
                                 end=today)
    assert report["total"] == 2 and report["new"] == 2
    assert report["series"][-1]["value"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assertion)) == 3


def _slug(person_id: int) -> str:
    return db.session.get(Person, person_id).slug
