"""The pathway pages' counts: people who reached each milestone and people on the way,
the dry run ("who would qualify now") and the backfill started from the page."""

import re
from datetime import date, timedelta

import pytest

from tests.badges.test_staff_pages import member
from tests.issuers.test_staff_pages import csrf_token, text, words
from tests.pathways.test_pathway_pages_helpers import SESSIONS
from tests.pathways.test_pathways_helpers import (
    create_pathway,
    days_ago,
    define_action_type,
    milestone,
    post_action,
    retract,
    settle,
)


@pytest.fixture
def ladder(api, issuer, make_badge_class):
    define_action_type(api, SESSIONS)
    return [make_badge_class(name=f"Mentor {level}") for level in ("I", "II", "III", "IV")]


@pytest.fixture
def editor(app, api, make_user, issuer):
    return member(app, api, make_user, issuer, "editor")


@pytest.fixture
def recorded(api):
    """Ada: 3 recent sessions; Bob: 1 recent; Cy: 1 400 days ago; Dan: 1 recent, retracted."""
    for number in range(3):
        post_action(api, SESSIONS, "ada@example.org", f"ada-{number}", occurred_at=days_ago(2))
    post_action(api, SESSIONS, "bob@example.org", "bob-0", occurred_at=days_ago(5))
    post_action(api, SESSIONS, "cy@example.org", "cy-0", occurred_at=days_ago(400))
    post_action(api, SESSIONS, "dan@example.org", "dan-0", occurred_at=days_ago(3))
    retract(api, "dan-0-undo", "dan-0")


@pytest.fixture
def mentoring(api, issuer, ladder, recorded):
    """Made after the actions: a pathway awards nobody until it is backfilled."""
    response = create_pathway(api, issuer, [
        milestone("first", ladder[0], {"action": SESSIONS}, "First session"),
        milestone("regular", ladder[1], {"all": [
            {"milestone": "first"}, {"action": SESSIONS, "at_least": 3, "within_days": 180}]},
            "Regular mentor"),
        milestone("badge", ladder[2], {"badge": ladder[0]["id"]}, "Badge holder"),
        milestone("early", ladder[3], {"action": SESSIONS, "between": [
            str(date.today() - timedelta(days=500)), str(date.today() - timedelta(days=300))]},
            "Early mentor")])
    assert response.status_code == 201, response.json
    return response.json


def counts(response) -> list[tuple[str, str, str]]:
    """(milestone, reached, in progress) as the pathway page shows them."""
    html = response.get_data(as_text=True)
    names = re.findall(r'<h3 id="milestone-\d+">([^<]*)</h3>', html)
    reached = re.findall(r'data-count="reached">([^<]*)<', html)
    in_progress = re.findall(r'data-count="in_progress">([^<]*)<', html)
    return list(zip(names, reached, in_progress, strict=True))


def test_counts_dry_run_and_backfill_from_the_pathway_page(editor, mentoring):
    path = f"/manage/pathways/{mentoring['id']}"
    page = editor.get(path)
    assert counts(page) == [("First session", "0", "3"), ("Regular mentor", "0", "2"),
                            ("Badge holder", "0", "—"), ("Early mentor", "0", "1")]

    dry = editor.get(f"{path}/dry-run")
    assert dry.status_code == 200
    html = dry.get_data(as_text=True)
    assert re.findall(r'data-count="(\w+)">(\d+)<', html) == [
        ("first", "3"), ("regular", "1"), ("badge", "3"), ("early", "1")]
    assert "ada@example.org" in html and "dan@example.org" not in html
    assert "4 people have actions or badges" in words(dry)  # Dan's retracted one counts
    assert counts(editor.get(path))[0] == ("First session", "0", "3")  # nothing awarded

    started = editor.post(f"{path}/backfill",
                          data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert started.status_code == 302
    job_path = started.headers["Location"]
    assert job_path.startswith(f"{path}/backfills/")
    settle()
    finished = editor.get(job_path)
    assert "Finished: Mentoring ladder backfilled" in text(finished)
    progress = editor.get(f"{job_path}/progress").json
    assert progress == {"status": "done", "done": 4, "total": 4, "finished": True,
                        "awarded": 8, "already_awarded": 0, "failed": 0}
    assert counts(editor.get(path)) == [("First session", "3", "0"),
                                        ("Regular mentor", "1", "1"),
                                        ("Badge holder", "3", "—"), ("Early mentor", "1", "0")]


def test_the_list_shows_each_milestone_with_the_people_who_reached_it(editor, api, issuer,
                                                                      mentoring, ladder):
    editor.post(f"/manage/pathways/{mentoring['id']}/backfill", data={
        "csrf_token": csrf_token(editor.get("/manage/pathways").get_data(as_text=True))})
    settle()
    create_pathway(api, issuer, [milestone("m", ladder[3], {"action": SESSIONS, "at_least": 9},
                                           "Nine sessions")], name="Long haul")
    listing = words(editor.get(f"/manage/pathways?issuer={issuer['id']}"))
    assert "Pathways of Open Source Partnerships" in listing and "New pathway" in listing
    assert ("Mentoring ladder Open Source Partnerships First session 3 reached "
            "Regular mentor 1 reached Badge holder 3 reached Early mentor 1 reached") in listing
    assert "Long haul Open Source Partnerships Nine sessions 0 reached" in listing
    issuer_page = editor.get(f"/manage/issuers/{issuer['id']}").get_data(as_text=True)
    assert f'href="/manage/pathways?issuer={issuer["id"]}"' in issuer_page


def test_a_backfill_job_is_shown_only_under_its_own_pathway(editor, api, issuer, mentoring,
                                                            ladder, app, make_user):
    page = editor.get(f"/manage/pathways/{mentoring['id']}")
    started = editor.post(f"/manage/pathways/{mentoring['id']}/backfill",
                          data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    other = create_pathway(api, issuer, [milestone("m", ladder[2], {"action": SESSIONS})],
                           name="Other").json
    assert editor.get(f"/manage/pathways/{other['id']}/backfills/{job_id}").status_code == 404
    stranger = member(app, api, make_user,
                      api.post("/api/v1/issuers", json={"name": "Elsewhere",
                                                        "url": "https://x.example"}).json,
                      "owner", "stranger@example.org")
    assert stranger.get(started.headers["Location"]).status_code == 404
    settle()
