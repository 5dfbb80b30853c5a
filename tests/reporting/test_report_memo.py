"""Kept report figures (reporting/memo.py) are exact: after new actions and awards (of
people seen before, new ones, people with several verified identities), retractions,
revocations, suspensions, identities verified, nominations received and decided, and as
time passes, every figure equals the one counted from scratch and the one recomputed in
plain Python from the raw rows; new rows are counted for their people only, corrections
start again from scratch; rows committed late with a lower id are not lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cairn.db import db, new_public_id, transaction, utcnow
from pathways.action_models import Action, ActionType
from recipients.models import IdentityType
from recipients.services import resolve_identity
from reporting import memo
from reporting.computations import for_metric
from reporting.metric_specs import Resolved
from reporting.metrics import metric_series
from reporting.models import ReportMemo
from reporting.periods import Window
from reporting.sources import ActionScope, AwardScope
from tests.reporting.memo_world import (
    EMAILS,
    ZONES,
    add_actions,
    add_awards,
    agrees_with_reference,
    compare_all,
    from_scratch,
    nominate,
)
from tests.reporting.report_helpers import award, person_with, retract, revoke
from tests.reporting.test_report_numbers import report


def test_new_rows_are_counted_for_their_people_only(api, world, full_counts):
    assert compare_all(world) == 33
    agrees_with_reference(api)
    full_counts.clear()
    add_actions(api, world, [0, 1, 4, 8, 9, 9], days_ago=2)  # seen before, and new
    add_awards(api, world, [1, 3, 9, 4], days_ago=None)  # p1 and p4 hold several identities
    compare_all(world)
    agrees_with_reference(api)
    retract(api, world.actions[0])
    retract(api, world.actions[3])
    nominate(world, EMAILS[2], days_ago=1)
    compare_all(world)
    agrees_with_reference(api)
    assert full_counts == []


def test_corrections_are_counted_again_from_scratch(api, world, full_counts):
    compare_all(world)
    agrees_with_reference(api)
    full_counts.clear()
    revoke(api, world.awards[1])
    compare_all(world)
    agrees_with_reference(api)
    assert "holders" in full_counts
    pausable = award(api, world.classes[2]["id"], EMAILS[8])
    compare_all(world)
    for step in ("suspend", "unsuspend", "suspend"):
        response = api.post(f"/api/v1/assertions/{pausable}/{step}", json={"reason": "x"})
        assert response.status_code == 200, response.json
        compare_all(world)
        agrees_with_reference(api)


def test_an_identity_verified_for_a_person_is_counted_again(api, world):
    compare_all(world)
    person_with(EMAILS[7], EMAILS[8], EMAILS[9])  # three people become one
    compare_all(world)
    agrees_with_reference(api)
    person_with(EMAILS[5], EMAILS[6])  # linked before, verified now
    compare_all(world)
    agrees_with_reference(api)


def test_nominations_decided_are_counted_again(api, world, full_counts):
    nominations = [nominate(world, EMAILS[n], days_ago=n + 1) for n in range(3)]
    compare_all(world)
    full_counts.clear()
    decided = api.post(f"/api/v1/nominations/{nominations[1]}/decide",
                       json={"decision": "reject", "note": "Not yet."})
    assert decided.status_code == 200, decided.json
    compare_all(world)
    assert "nominations" in full_counts


def test_figures_kept_are_not_used_once_now_passes_their_horizon(api, world):
    soon = utcnow() + timedelta(hours=1)
    award(api, world.classes[1]["id"], EMAILS[9], issued_on=utcnow() - timedelta(days=1),
          expires=soon)
    compare_all(world)
    kept = db.session.scalars(sa.select(ReportMemo).where(
        ReportMemo.signature.like('%"kind":"holders"%'))).all()
    # p9's award of the expiring class ends soon; where p9 holds a lasting award too
    # (a ladder badge, in the issuer's scope) its end changes nothing: no horizon there.
    assert soon in {row.horizon for row in kept}
    compare_all(world, now=soon + timedelta(minutes=1))
    compare_all(world, now=soon + timedelta(days=45))


def _contributors_by_action() -> tuple[Resolved, Window]:
    types = tuple(db.session.scalars(sa.select(ActionType.id).order_by(ActionType.id)))
    now = utcnow()
    return (Resolved("contributors", None, ActionScope(types)),
            Window("UTC", date(2025, 9, 1), now.date(), "month", now))


def _late_action(connection, identity_id: int, type_id: int) -> None:
    connection.execute(sa.insert(Action).values(
        public_id=new_public_id(), action_type_id=type_id, identity_id=identity_id,
        occurred_at=utcnow() - timedelta(days=1), properties={}, source="late",
        external_id=new_public_id(), recorded_at=utcnow()))


def _exact(metric: Resolved, window: Window):
    series = metric_series(metric, window)
    assert series.points == from_scratch(for_metric(metric, window), metric.kind,
                                         window).points
    return series


def test_a_row_committed_late_with_a_lower_id_is_not_lost(api, world, monkeypatch):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row commits out of order")
    monkeypatch.setattr("reporting.watermarks.SETTLE_SECONDS", 0.05)
    metric, window = _contributors_by_action()
    before = _exact(metric, window).total
    newcomer = resolve_identity(IdentityType.email, "late@example.org")
    db.session.commit()
    with db.engine.connect() as late:
        _late_action(late, newcomer.id, metric.actions.action_type_ids[0])  # uncommitted
        add_actions(api, world, [9], days_ago=1)  # a higher id, committed first
        assert _exact(metric, window).total == before
        late.commit()
    assert _exact(metric, window).total == before + 1


def test_a_memo_that_cannot_be_written_does_not_fail_the_report(api, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no room")

    monkeypatch.setattr(memo, "_upsert", broken)
    body, spans = report(api, "contributors", ZONES[0], "week")
    assert body["total"] > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportMemo)) == 0


def test_memos_unused_for_a_week_are_dropped(api, world):
    with transaction():
        db.session.add(ReportMemo(key="old", signature="{}", figures={}, marks={},
                                  corrections=0, used_at=utcnow() - timedelta(days=8)))
    report(api, "holders", ZONES[0], "month")
    assert db.session.get(ReportMemo, "old") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportMemo)) == 1


def test_sums_stay_exact_through_the_memo(api, world):
    window = Window("UTC", date(2025, 9, 1), utcnow().date(), "month", utcnow())
    metric = Resolved("action_sum", actions=ActionScope(None), amount="value")
    metric_series(metric, window)
    add_actions(api, world, [1, 2, 3], days_ago=1)  # 50 + 100.5 + 250
    memoised = metric_series(metric, window)
    scratch = from_scratch(for_metric(metric, window), metric.kind, window)
    assert memoised.points == scratch.points
    assert memoised.total == scratch.total


def test_awards_to_people_with_several_identities_count_them_once(api, world):
    now = utcnow()
    window = Window("UTC", date(2025, 9, 1), now.date(), "week", now)
    for kind in ("holders", "new_holders", "contributors"):
        metric_series(Resolved(kind, AwardScope(None, None)), window)
    add_awards(api, world, [2, 3, 4, 0, 1], days_ago=None)
    for kind in ("holders", "new_holders", "contributors"):
        _exact(Resolved(kind, AwardScope(None, None)), window)
