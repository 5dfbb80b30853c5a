"""Fixtures of the report memo tests: the world they count (tests/reporting/memo_world.py)
and a spy on the computations counted in full."""

from __future__ import annotations

import pytest

from reporting import memo
from tests.reporting.memo_world import add_actions, add_awards, make_world


@pytest.fixture
def full_counts(monkeypatch):
    """The computations counted over every row (not only new people's), as they happen."""
    counted = []
    original = memo._count

    def spy(computation, snapshot, marks):
        counted.append(computation.signature["kind"])
        return original(computation, snapshot, marks)

    monkeypatch.setattr(memo, "_count", spy)
    return counted


@pytest.fixture
def world(api, make_issuer, make_badge_class):
    made = make_world(api, make_issuer, make_badge_class)
    made.awards = add_awards(api, made, [0, 1, 2, 5, 7, 3, 8, 2])
    made.actions = add_actions(api, made, [0, 2, 3, 4, 6, 7, 9, 1, 5, 0, 0])
    return made
