"""Kept report figures brought up to date in one pass (reporting/changes.py): counts of
rows read only the rows that changed, counts of people only the people concerned, and
every figure stays the one counted from scratch and the one recomputed in plain Python,
through new rows of people with several identities, actions withdrawn in the batch that
brought them, older actions withdrawn, and rows dated ahead of now, in every window's
time zone."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cairn.db import db, utcnow
from pathways.action_models import Action
from reporting import memo
from reporting.computations import EVENTS, for_metric
from reporting.metrics import metric_series
from reporting.models import ReportMemo
from tests.pathways.test_pathways_helpers import settle
from tests.reporting.memo_world import (
    TYPES,
    add_actions,
    agrees_with_reference,
    compare_all,
    from_scratch,
    metrics,
    nominate,
    windows,
)
from tests.reporting.report_helpers import action, post_actions, retract


@pytest.fixture
def people_read(monkeypatch):
    """The tables whose new rows' people a change looked up."""
    read = []
    original = memo.touched_identities

    def spy(tables, *args, **kwargs):
        read.append(tables)
        return original(tables, *args, **kwargs)

    monkeypatch.setattr(memo, "touched_identities", spy)
    return read


def _compare_events(world) -> None:
    for window in windows():
        for metric in metrics(world):
            if metric.kind in EVENTS:
                memoised = metric_series(metric, window)
                scratch = from_scratch(for_metric(metric, window), metric.kind, window)
                assert memoised.points == scratch.points, (metric, window.time_zone)


def test_counts_of_rows_read_only_the_rows_that_changed(api, world, full_counts,
                                                        people_read):
    _compare_events(world)
    agrees_with_reference(api)
    full_counts.clear()
    people_read.clear()
    add_actions(api, world, [0, 1, 4, 8], days_ago=2)
    retract(api, world.actions[1])  # an older action withdrawn
    brought = add_actions(api, world, [3, 9], days_ago=1)
    retract(api, brought[0])  # withdrawn in the batch that brought it
    nominate(world, "p2@example.org", days_ago=1)
    _compare_events(world)
    assert full_counts == []
    assert people_read == []
    agrees_with_reference(api)


def test_an_action_withdrawn_in_the_batch_that_brought_it(api, world, full_counts):
    compare_all(world)
    agrees_with_reference(api)
    full_counts.clear()
    # p0 and p1 are one person, p2 and p3 another: counted once, in every time zone.
    brought = add_actions(api, world, [0, 1, 2, 3, 9, 5], days_ago=1)
    retract(api, brought[4])  # p9's only action of the day
    retract(api, brought[1])
    retract(api, world.actions[2])
    compare_all(world)
    agrees_with_reference(api)
    assert full_counts == []


def test_a_new_row_dated_ahead_of_now_sets_the_horizon(api, world, full_counts):
    compare_all(world)
    agrees_with_reference(api)
    full_counts.clear()
    add_actions(api, world, [6], days_ago=-1 / 24)  # an hour from now
    ahead = db.session.scalar(sa.select(sa.func.max(Action.occurred_at)))
    compare_all(world)
    assert full_counts == []
    horizons = set(db.session.scalars(sa.select(ReportMemo.horizon).where(
        ReportMemo.signature.like('%"kind":"actions"%'))))
    assert ahead in horizons
    compare_all(world, now=ahead + timedelta(minutes=1))
    agrees_with_reference(api)


def test_new_rows_before_their_peoples_first_and_of_new_people(api, world, full_counts):
    compare_all(world)
    agrees_with_reference(api)
    full_counts.clear()
    add_actions(api, world, [7, 8], days_ago=150)  # earlier than anything of theirs
    post_actions(api, [action("newcomer-1", TYPES[1], "newcomer@example.org",
                              utcnow() - timedelta(days=3))])
    settle()
    compare_all(world)
    agrees_with_reference(api)
    assert full_counts == []
