"""How fresh a dashboard's figures are: kept for a while and refreshed in the background
after that, a changed key result shown at once, and nothing kept when switched off."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.issuers.test_staff_pages import words
from tests.reporting.dashboard_seed import seed_program
from tests.reporting.report_helpers import award


@pytest.fixture
def keep_for(app):
    """Sets how long figures stay fresh (seconds) for one test."""
    before = {name: app.config.get(name)
              for name in ("DASHBOARD_FRESH_SECONDS", "DASHBOARD_STALE_SECONDS")}

    def keep(fresh: float, stale: float = 900) -> None:
        app.config.update(DASHBOARD_FRESH_SECONDS=fresh, DASHBOARD_STALE_SECONDS=stale)

    yield keep
    for name, value in before.items():
        if value is None:
            app.config.pop(name, None)
        else:
            app.config[name] = value


def mentors(client) -> str:
    text = words(client.get("/dashboards/partners"))
    return text[text.index("10 mentors"):][:80]


def award_mentor(api, seeded, email: str) -> None:
    mentor = seeded.holders_kr["metric"]["badge_classes"][0]
    award(api, mentor, email, issued_on=datetime.now(UTC) - timedelta(hours=1))


def test_new_awards_show_once_the_kept_figures_are_refreshed(
        client, api, issuer, make_badge_class, keep_for):
    keep_for(1.0)
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    assert "6 people of 10" in mentors(client)
    award_mentor(api, seeded, "new-mentor@example.org")
    assert "6 people of 10" in mentors(client)  # kept: the figures are under a second old
    time.sleep(1.1)
    assert "6 people of 10" in mentors(client)  # stale: shown while it is worked out again
    deadline = time.monotonic() + 10
    while "7 people of 10" not in mentors(client):
        assert time.monotonic() < deadline, "the figures were never refreshed"
        time.sleep(0.1)


def test_a_changed_key_result_shows_at_once(client, api, issuer, make_badge_class, keep_for):
    keep_for(600)
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    assert "6 people of 10" in mentors(client)
    response = api.patch(f"/api/v1/key-results/{seeded.holders_kr['id']}", json={"target": 8})
    assert response.status_code == 200, response.json
    assert "6 people of 8" in mentors(client)


def test_figures_too_old_are_not_shown_and_none_are_kept_when_switched_off(
        client, api, issuer, make_badge_class, keep_for):
    keep_for(0.2, stale=0.2)  # past 0.2 s the kept figures are no use
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    assert "6 people of 10" in mentors(client)
    award_mentor(api, seeded, "new-mentor@example.org")
    time.sleep(0.3)
    assert "7 people of 10" in mentors(client)
    keep_for(0)
    award_mentor(api, seeded, "another-mentor@example.org")
    assert "8 people of 10" in mentors(client)
