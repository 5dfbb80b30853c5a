"""What the report memo tests count (no tests here): two issuers, a suspendable and an
expiring badge class, three action types and a pathway, people holding several
identities; every metric kind over windows in three time zones; the figures worked out
both through the memo and from scratch; and the API's figures against the plain-Python
ones (tests/reporting/reference.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from badges.models import Assertion, BadgeClass
from cairn.db import db, transaction, utcnow
from issuers.models import Issuer
from pathways.action_models import ActionType
from pathways.models import Milestone, Pathway
from pathways.nomination_models import Nomination
from recipients.models import IdentityType
from recipients.services import resolve_identity
from reporting.computations import Computation, for_metric, series_of
from reporting.funnel import _reached
from reporting.metric_specs import Resolved
from reporting.metrics import metric_series
from reporting.periods import Window
from reporting.series import Series
from reporting.slices import EVERY
from reporting.sources import ActionScope, AwardScope
from tests.pathways.test_pathways_helpers import settle
from tests.reporting import reference
from tests.reporting.report_helpers import (
    action,
    award,
    define_action_type,
    person_with,
    post_actions,
)
from tests.reporting.test_report_numbers import figures, report

TYPES = ("partnership.closed", "mentoring.session", "event.attended")
#: p0 and p1 are one person, p2..p4 another; p5 and p6 are linked but never verified.
EMAILS = [f"p{n}@example.org" for n in range(10)]
START = datetime(2025, 10, 1, tzinfo=UTC)
ZONES = ("Pacific/Chatham", "America/Los_Angeles")


@dataclass
class World:
    issuers: list[dict]
    classes: list[dict]  # [plain, expiring, suspendable, other issuer's]
    pathway: dict
    counter: int = 0
    awards: list[str] = field(default_factory=list)  # public ids
    actions: list[str] = field(default_factory=list)  # external ids

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def make_world(api, make_issuer, make_badge_class) -> World:
    first, second = make_issuer(name="First"), make_issuer(name="Second")
    classes = [make_badge_class(issuer_id=first["id"], name="Plain"),
               make_badge_class(issuer_id=first["id"], name="Expiring"),
               make_badge_class(issuer_id=first["id"], name="Pausable", suspendable=True),
               make_badge_class(issuer_id=second["id"], name="Other")]
    for key in TYPES:
        define_action_type(api, key)
    steps = [make_badge_class(issuer_id=first["id"], name=name) for name in ("One", "Two")]
    pathway = api.post("/api/v1/pathways", json={
        "issuer": first["id"], "name": "Ladder", "milestones": [
            {"key": key, "name": key, "badge_class": badge["id"],
             "rule": {"action": TYPES[0], "at_least": needed}}
            for key, badge, needed in (("one", steps[0], 1), ("two", steps[1], 3))]})
    assert pathway.status_code == 201, pathway.json
    person_with(*EMAILS[0:2])
    person_with(*EMAILS[2:5])
    person_with(*EMAILS[5:7], verified=False)
    return World([first, second], classes, pathway.json)


def add_awards(api, world: World, people: list[int], *, days_ago: float | None = 30
               ) -> list[str]:
    """An award to each person (cycling through the classes), some expiring soon;
    issued now when `days_ago` is None (moving an award back in time is a correction)."""
    made = []
    for n, who in enumerate(people):
        badge = world.classes[n % 4]
        if days_ago is None:
            made.append(award(api, badge["id"], EMAILS[who]))
            continue
        issued = utcnow() - timedelta(days=days_ago + n)
        expires = issued + timedelta(days=40 + 7 * n) if badge is world.classes[1] else None
        made.append(award(api, badge["id"], EMAILS[who], issued_on=issued, expires=expires))
    return made


def add_actions(api, world: World, people: list[int], *, days_ago: float = 20
                ) -> list[str]:
    """An action of each person, of each type in turn, with a value to sum."""
    made = []
    for n, who in enumerate(people):
        external = world.next_id("a")
        made.append(external)
        post_actions(api, [action(external, TYPES[n % 3], EMAILS[who],
                                  utcnow() - timedelta(days=days_ago, hours=5 * n),
                                  {"value": [50, 100.5, 250, "x"][n % 4]})])
    settle()
    return made


def _ids(model, column, values) -> tuple[int, ...]:
    return tuple(db.session.scalars(sa.select(model.id).where(column.in_(values))
                                    .order_by(model.id)))


def metrics(world: World) -> list[Resolved]:
    """Every counted metric kind, over scopes like the reports use."""
    issuers = _ids(Issuer, Issuer.public_id, [world.issuers[0]["id"]])
    classes = _ids(BadgeClass, BadgeClass.public_id, [c["id"] for c in world.classes])
    types = _ids(ActionType, ActionType.key, TYPES)
    awards = AwardScope(None, issuers)
    actions = ActionScope(None)
    pathway = db.session.scalar(sa.select(Pathway.id).where(
        Pathway.public_id == world.pathway["id"]))
    milestones = _ids(Milestone, Milestone.pathway_id, [pathway])
    return [
        Resolved("holders", awards),
        Resolved("holders", AwardScope(classes[:2], None, include_revoked=True)),
        Resolved("new_holders", awards),
        Resolved("contributors", awards, actions),
        Resolved("contributors", None, ActionScope(types[:2], {"value": {"at_least": 100}})),
        Resolved("new_contributors", AwardScope(classes, None), ActionScope(types[1:])),
        Resolved("actions", actions=ActionScope(types[:2])),
        Resolved("action_sum", actions=actions, amount="value"),
        Resolved("nominations", AwardScope(None, issuers), status="received"),
        Resolved("nominations", AwardScope(None, issuers), status="decided"),
        Resolved("milestones", pathway_id=pathway, milestone_ids=milestones),
    ]


def windows(now: datetime | None = None) -> list[Window]:
    now = now or utcnow()
    today = now.date()
    return [Window("Pacific/Chatham", date(2025, 9, 1), today, "week", now),
            Window("America/Los_Angeles", today - timedelta(days=200), today, "month", now),
            Window("UTC", date(2025, 7, 1), today + timedelta(days=60), "quarter", now)]


def from_scratch(computation: Computation, kind: str, window: Window) -> Series:
    found, _ = computation.count(EVERY)
    return series_of(kind, window, found)


def compare_all(world: World, now: datetime | None = None) -> int:
    """Every metric over every window, through the memo and from scratch: equal. The
    number of figures compared."""
    compared = 0
    for window in windows(now):
        for metric in metrics(world):
            memoised = metric_series(metric, window)
            scratch = from_scratch(for_metric(metric, window), metric.kind, window)
            assert memoised.points == scratch.points, (metric, window.time_zone)
            assert memoised.baseline == scratch.baseline, (metric, window.time_zone)
            compared += 1
    return compared


def funnel_from_scratch(pathway_id: int) -> dict[int, int]:
    return _reached(pathway_id, None, utcnow() + timedelta(days=1), False, EVERY)


def agrees_with_reference(api) -> None:
    """The API's holders, contributors and action sums: the plain-Python figures."""
    awards, acts = reference.awards(), reference.acts()
    standing = [a for a in awards if not a.withdrawn]
    contributions = [(a.person, a.issued_on) for a in standing]
    contributions += [(act.person, act.occurred_at) for act in acts]
    for zone in ZONES:
        body, spans = report(api, "holders", zone, "week")
        assert figures(body) == reference.holders(spans, standing)
        body, spans = report(api, "contributors", zone, "month")
        assert figures(body) == reference.distinct_people(spans, contributions)
        body, spans = report(api, "contributors", zone, "week", new="true")
        assert figures(body) == reference.newcomers(spans, contributions)
        body, spans = report(api, "actions", zone, "month", sum="value")
        summed = [act for act in acts if type(act.properties.get("value")) in (int, float)]
        assert figures(body) == reference.count_events(
            spans, [act.occurred_at for act in summed],
            [act.properties["value"] for act in summed])


def nominate(world: World, email: str, days_ago: float) -> str:
    identity = resolve_identity(IdentityType.email, email)
    class_id = db.session.scalar(sa.select(Assertion.badge_class_id).where(
        Assertion.public_id == world.awards[0]))
    with transaction():
        nomination = Nomination(badge_class_id=class_id, identity_id=identity.id,
                                statement="Great work.", status="open",
                                created_at=utcnow() - timedelta(days=days_ago))
        db.session.add(nomination)
    return nomination.public_id
