"""The same action, or the same batch, posted by two processes at once is recorded once (the
live server, two HTTP sessions in threads, on SQLite and on PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from cairn.db import db
from pathways.action_models import Action


@pytest.fixture(autouse=True)
def action_type(api):
    api.post("/api/v1/action-types", json={"key": "partnership.closed"})


def action(number):
    return {"source": "crm", "id": f"crm-{number}", "type": "partnership.closed",
            "person": {"type": "email", "identity": f"p{number}@example.org"},
            "occurred_at": "2025-11-01T10:00:00Z"}


def race(base_url, token, body, runners=2):
    """Post `body` from `runners` sessions released at the same moment."""
    barrier = threading.Barrier(runners)

    def post(_):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            barrier.wait()
            return session.post(f"{base_url}/api/v1/actions", json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=runners) as pool:
        return list(pool.map(post, range(runners)))


def count_actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Action))


def test_the_same_action_from_two_processes_is_recorded_once(api, base_url):
    for number in range(5):
        answers = race(base_url, api.token, action(number))
        assert sorted(answer.status_code for answer in answers) == [200, 201], \
            [answer.text for answer in answers]
        assert answers[0].json()["id"] == answers[1].json()["id"]
    assert count_actions() == 5


def test_the_same_batch_from_two_processes_is_recorded_once(api, base_url):
    body = {"actions": [action(number) for number in range(300)]}
    answers = race(base_url, api.token, body)
    assert [answer.status_code for answer in answers] == [200, 200], \
        [answer.text[:500] for answer in answers]
    statuses = [[item["status"] for item in answer.json()["items"]] for answer in answers]
    for position in range(300):
        assert sorted(s[position] for s in statuses) == ["created", "duplicate"]
    ids = [[item["id"] for item in answer.json()["items"]] for answer in answers]
    assert ids[0] == ids[1]
    assert count_actions() == 300


def test_overlapping_batches_in_different_orders_do_not_deadlock(api, base_url):
    forward = {"actions": [action(number) for number in range(200)]}
    backward = {"actions": list(reversed(forward["actions"]))}
    barrier = threading.Barrier(2)

    def post(body):
        with requests.Session() as session:
            barrier.wait()
            return session.post(f"{base_url}/api/v1/actions", json=body, timeout=60,
                                headers={"Authorization": f"Bearer {api.token}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(post, (forward, backward)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert count_actions() == 200
