"""Every figure of the holders, contributors and actions reports agrees exactly with the
rows it counts, recomputed in plain Python (tests/reporting/reference.py), in time zones
with daylight saving time and odd offsets, by week, month and quarter: with people holding
several identities, revoked and expiring awards, retracted actions and properties of the
wrong JSON kind."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from issuers.models import Issuer
from pathways.action_models import ActionType
from tests.reporting import reference
from tests.reporting.report_helpers import (
    action,
    award,
    define_action_type,
    person_with,
    post_actions,
    retract,
    revoke,
)

FIRST, LAST = date(2025, 9, 1), date(2026, 11, 30)
ZONES = ("Pacific/Chatham", "America/Los_Angeles")
GROUPS = ("week", "month", "quarter")
TYPES = ("partnership.closed", "mentoring.session", "event.attended")
EMAILS = [f"p{n}@example.org" for n in range(16)]


@pytest.fixture
def rows(api, make_issuer, make_badge_class):
    """Awards of two issuers and actions of three types, spread over 18 months (some on
    the local midnights that bound a bucket), a few revoked, expiring or retracted."""
    rng = random.Random(20261123)
    first, second = make_issuer(name="First"), make_issuer(name="Second")
    classes = [make_badge_class(issuer_id=first["id"], name=f"A{n}") for n in range(3)]
    classes.append(make_badge_class(issuer_id=second["id"], name="B"))
    start, end = datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 11, 22, tzinfo=UTC)
    moments = [start + (end - start) * rng.random() for _ in range(30)]
    moments += [datetime(2026, 2, 28, 11, 0, tzinfo=UTC),  # 1 March, 00:00 in Chatham
                datetime(2026, 3, 1, 8, 0, tzinfo=UTC),  # 1 March, 00:00 in Los Angeles
                datetime(2026, 3, 8, 10, 0, tzinfo=UTC)]  # the hour after LA's clocks jump
    made = []
    for n, moment in enumerate(moments):
        expires = moment + timedelta(days=rng.choice((20, 75, 150))) if n % 3 == 0 else None
        made.append(award(api, rng.choice(classes)["id"], rng.choice(EMAILS),
                          issued_on=moment, expires=expires))
    for assertion_id in made[:3]:
        revoke(api, assertion_id)
    person_with(*EMAILS[0:2])
    person_with(*EMAILS[2:5])
    person_with(*EMAILS[5:7], verified=False)
    for key in TYPES:
        define_action_type(api, key)
    values = [0, 50, 100, 250, 99.5, 100.5, "100", True, None]
    actions = []
    for n in range(160):
        properties = {"kr": rng.choice(("O1", "O2"))}
        if n % 7:
            properties["value"] = rng.choice(values)
        actions.append(action(f"a{n}", rng.choice(TYPES), rng.choice(EMAILS),
                              start + (end - start) * rng.random(), properties))
    post_actions(api, actions)
    for n in range(0, 160, 16):
        retract(api, f"a{n}")
    return {"first": first, "classes": classes}


def ids(model, column, values) -> dict:
    return dict(db.session.execute(sa.select(column, model.id).where(column.in_(values))).all())


def report(api, path: str, zone: str, group_by: str, **params) -> tuple[dict, list]:
    query = {"from": FIRST.isoformat(), "to": LAST.isoformat(), "time_zone": zone,
             "group_by": group_by, **params}
    response = api.get(f"/api/v1/reports/{path}", query_string=query)
    assert response.status_code == 200, response.json
    body = response.json
    now = datetime.fromisoformat(body["as_of"].replace("Z", "+00:00"))
    spans = reference.spans(zone, FIRST, LAST, group_by, now)
    assert [(p["start"], p["end"]) for p in body["series"]] == [
        (s.start.isoformat(), s.end.isoformat()) for s in spans]
    assert body["total"] == (body["series"][-1]["cumulative"] if body["series"] else 0)
    return body, spans


def figures(body: dict) -> list[tuple]:
    return [(point["value"], point["cumulative"]) for point in body["series"]]


@pytest.mark.parametrize("zone", ZONES)
def test_holders_agree_with_the_awards(api, rows, zone):
    awards = reference.awards()
    some_class = rows["classes"][0]["id"]
    class_id = ids(BadgeClass, BadgeClass.public_id, [some_class])[some_class]
    first_issuer = ids(Issuer, Issuer.public_id, [rows["first"]["id"]])[rows["first"]["id"]]
    standing = [a for a in awards if not a.withdrawn]
    for group_by in GROUPS:
        body, spans = report(api, "holders", zone, group_by)
        assert figures(body) == reference.holders(spans, standing)
        body, spans = report(api, "holders", zone, group_by, badge_class=some_class,
                             include_revoked="true")
        assert figures(body) == reference.holders(
            spans, [a for a in awards if a.badge_class_id == class_id])
        body, spans = report(api, "holders", zone, group_by, issuer=rows["first"]["id"],
                             new="true")
        assert figures(body) == reference.newcomers(spans, [
            (a.person, a.issued_on) for a in standing if a.issuer_id == first_issuer])


@pytest.mark.parametrize("zone", ZONES)
def test_contributors_agree_with_the_awards_and_actions(api, rows, zone):
    awards, acts = reference.awards(), reference.acts()
    contributions = [(a.person, a.issued_on) for a in awards if not a.withdrawn]
    contributions += [(act.person, act.occurred_at) for act in acts]
    mentoring = ids(ActionType, ActionType.key, [TYPES[1]])[TYPES[1]]
    for group_by in GROUPS:
        body, spans = report(api, "contributors", zone, group_by)
        assert figures(body) == reference.distinct_people(spans, contributions)
        body, spans = report(api, "contributors", zone, group_by, new="true",
                             action_type=TYPES[1])
        assert figures(body) == reference.newcomers(spans, [
            (act.person, act.occurred_at) for act in acts if act.type_id == mentoring])


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize("zone", ZONES)
def test_action_counts_and_sums_agree_with_the_actions(api, rows, zone):
    acts = reference.acts()
    chosen = ids(ActionType, ActionType.key, TYPES[:2])
    for group_by in GROUPS:
        body, spans = report(api, "actions", zone, group_by,
                             action_type=",".join(TYPES[:2]), where="kr:O1")
        kept = [act.occurred_at for act in acts
                if act.type_id in chosen.values() and act.properties.get("kr") == "O1"]
        assert figures(body) == reference.count_events(spans, kept)
        body, spans = report(api, "actions", zone, group_by, sum="value",
                             where="value>=100")
        summed = [act for act in acts if _is_number(act.properties.get("value"))
                  and act.properties["value"] >= 100]
        assert figures(body) == reference.count_events(
            spans, [act.occurred_at for act in summed],
            [act.properties["value"] for act in summed])
        assert body["total"] == sum(act.properties["value"] for act in summed
                                    if spans[0].lo <= act.occurred_at < spans[-1].hi)
