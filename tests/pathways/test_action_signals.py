"""`actions_recorded` tells listeners (the pathway engine) of each new action once, after
the commit that stored it, and never of a duplicate."""

import pytest
import sqlalchemy as sa

from cairn.db import db
from pathways.action_models import Action
from pathways.signals import actions_recorded


@pytest.fixture(autouse=True)
def action_type(api):
    api.post("/api/v1/action-types", json={"key": "partnership.closed"})


@pytest.fixture
def heard(app):
    """Each call: the tuples sent, and whether their rows were visible to another
    connection at that moment (that is, committed)."""
    calls = []

    def listener(sender, actions):
        with db.engine.connect() as connection:
            ids = [action_id for action_id, *_ in actions]
            committed = connection.scalar(sa.select(sa.func.count()).select_from(Action)
                                          .where(Action.id.in_(ids)))
        calls.append((actions, committed == len(ids)))

    with actions_recorded.connected_to(listener):
        yield calls


def action(number, **overrides):
    body = {"source": "crm", "id": f"crm-{number}", "type": "partnership.closed",
            "person": {"type": "email", "identity": "ada@example.org"},
            "occurred_at": "2025-11-01T10:00:00Z"}
    body.update(overrides)
    return body


def test_new_actions_are_announced_once_after_the_commit(api, heard):
    api.post("/api/v1/actions", json=action(1))
    api.post("/api/v1/actions", json={"actions": [action(1), action(2), action(3),
                                                  action(3)]})
    api.post("/api/v1/actions", json={"actions": [action(1), action(2)]})
    assert [committed for _, committed in heard] == [True, True]
    rows = {row.external_id: row for row in db.session.scalars(sa.select(Action))}
    identity = rows["crm-1"].identity_id
    assert heard[0][0] == [(rows["crm-1"].id, identity, "partnership.closed", None)]
    assert sorted(heard[1][0]) == [(rows["crm-2"].id, identity, "partnership.closed", None),
                                   (rows["crm-3"].id, identity, "partnership.closed", None)]


def test_a_retraction_is_announced_with_the_type_it_withdraws(api, heard):
    api.post("/api/v1/actions", json=action(1))
    api.post("/api/v1/actions", json={"source": "crm", "id": "r-1",
                                      "retracts": {"source": "crm", "id": "crm-1"}})
    original, withdrawn = db.session.scalars(sa.select(Action).order_by(Action.id)).all()
    assert heard[1][0] == [(withdrawn.id, original.identity_id, "partnership.closed",
                            original.id)]


def test_nothing_is_announced_for_an_invalid_batch(api, heard):
    refused = api.post("/api/v1/actions", json={"actions": [action(1), action(2, type="x")]})
    assert refused.status_code == 422
    assert heard == []
