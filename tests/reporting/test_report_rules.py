"""What the counts mean, case by case: one person with several identities is counted once,
revoked awards and retracted actions are left out, expired awards stop counting as held,
and buckets follow the program's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.reporting.report_helpers import (
    action,
    award,
    define_action_type,
    person_with,
    post_actions,
    retract,
    revoke,
)

SPRING = {"from": "2026-01-01", "to": "2026-06-30", "group_by": "month"}


def figures(response, name="value") -> list:
    assert response.status_code == 200, response.json
    return [point[name] for point in response.json["series"]]


def test_a_person_with_several_verified_identities_is_counted_once(api, badge_class):
    award(api, badge_class["id"], "ada@example.org", issued_on=datetime(2026, 1, 5, tzinfo=UTC))
    award(api, badge_class["id"], "ada@work.example", issued_on=datetime(2026, 2, 5, tzinfo=UTC))
    award(api, badge_class["id"], "bob@example.org", issued_on=datetime(2026, 2, 9, tzinfo=UTC))
    award(api, badge_class["id"], "bob@work.example", issued_on=datetime(2026, 3, 9, tzinfo=UTC))
    person_with("ada@example.org", "ada@work.example")
    person_with("bob@example.org", "bob@work.example", verified=False)  # proves nothing
    holders = api.get("/api/v1/reports/holders", query_string=SPRING)
    assert figures(holders)[:3] == [1, 1, 1] and holders.json["total"] == 3
    contributors = api.get("/api/v1/reports/contributors", query_string=SPRING)
    assert figures(contributors)[:3] == [1, 2, 1]
    assert figures(contributors, "cumulative")[:3] == [1, 2, 3]


def test_revoked_awards_are_left_out_unless_asked_for(api, badge_class):
    kept = award(api, badge_class["id"], "ada@example.org",
                 issued_on=datetime(2026, 1, 5, tzinfo=UTC))
    withdrawn = award(api, badge_class["id"], "bob@example.org",
                      issued_on=datetime(2026, 1, 6, tzinfo=UTC))
    revoke(api, withdrawn)
    assert kept != withdrawn
    assert api.get("/api/v1/reports/holders", query_string=SPRING).json["total"] == 1
    both = api.get("/api/v1/reports/holders",
                   query_string={**SPRING, "include_revoked": "true"})
    assert both.json["total"] == 2 and both.json["filters"] == {"include_revoked": True}


def test_an_expired_award_stops_counting_as_held_but_made_a_new_holder(api, badge_class):
    award(api, badge_class["id"], "ada@example.org", issued_on=datetime(2026, 1, 5, tzinfo=UTC),
          expires=datetime(2026, 3, 10, tzinfo=UTC))
    award(api, badge_class["id"], "bob@example.org", issued_on=datetime(2026, 2, 5, tzinfo=UTC))
    holders = api.get("/api/v1/reports/holders", query_string=SPRING)
    assert figures(holders, "cumulative") == [1, 2, 1, 1, 1, 1]
    assert figures(holders) == [1, 1, -1, 0, 0, 0]  # the net change in each month
    new = api.get("/api/v1/reports/holders", query_string={**SPRING, "new": "true"})
    assert figures(new) == [1, 1, 0, 0, 0, 0] and new.json["total"] == 2
    renewed = award(api, badge_class["id"], "ada@example.org",
                    issued_on=datetime(2026, 4, 1, tzinfo=UTC))
    assert renewed
    again = api.get("/api/v1/reports/holders", query_string=SPRING)
    assert figures(again, "cumulative") == [1, 2, 1, 2, 2, 2]


def test_retracted_actions_and_retractions_are_not_counted(api):
    define_action_type(api, "partnership.closed")
    post_actions(api, [action(f"crm-{n}", "partnership.closed", "ada@example.org",
                              datetime(2026, 1, 10 + n, tzinfo=UTC), {"value": 100})
                       for n in range(3)])
    retract(api, "crm-1")
    counted = api.get("/api/v1/reports/actions", query_string=SPRING)
    assert figures(counted)[0] == 2 and counted.json["total"] == 2
    summed = api.get("/api/v1/reports/actions", query_string={**SPRING, "sum": "value"})
    assert summed.json["total"] == 200


def test_buckets_follow_the_time_zone(api, badge_class):
    # 07:30 UTC on 1 March is still 28 February in Los Angeles, and 1 March in Berlin.
    award(api, badge_class["id"], "ada@example.org",
          issued_on=datetime(2026, 3, 1, 7, 30, tzinfo=UTC))
    for zone, february, march in (("America/Los_Angeles", 1, 0), ("Europe/Berlin", 0, 1),
                                  ("UTC", 0, 1)):
        response = api.get("/api/v1/reports/holders",
                           query_string={**SPRING, "time_zone": zone, "new": "true"})
        assert figures(response)[1:3] == [february, march], zone


def test_the_first_and_last_buckets_are_cut_to_the_window(api, badge_class):
    award(api, badge_class["id"], "ada@example.org", issued_on=datetime(2026, 1, 1, tzinfo=UTC))
    award(api, badge_class["id"], "bob@example.org", issued_on=datetime(2026, 1, 8, tzinfo=UTC))
    response = api.get("/api/v1/reports/holders", query_string={
        "from": "2026-01-03", "to": "2026-01-20", "group_by": "week", "new": "true"})
    assert [(p["start"], p["end"], p["value"]) for p in response.json["series"]] == [
        ("2026-01-03", "2026-01-04", 0), ("2026-01-05", "2026-01-11", 1),
        ("2026-01-12", "2026-01-18", 0), ("2026-01-19", "2026-01-20", 0)]


def test_cumulative_puts_the_running_figure_in_value(api, badge_class):
    award(api, badge_class["id"], "ada@example.org", issued_on=datetime(2026, 1, 5, tzinfo=UTC))
    award(api, badge_class["id"], "bob@example.org", issued_on=datetime(2026, 3, 5, tzinfo=UTC))
    response = api.get("/api/v1/reports/holders",
                       query_string={**SPRING, "cumulative": "true"})
    assert figures(response) == [1, 1, 2, 2, 2, 2] and response.json["cumulative"] is True


def test_contributors_by_action_type_count_only_those_actions(api, badge_class):
    define_action_type(api, "mentoring.session")
    define_action_type(api, "event.attended")
    award(api, badge_class["id"], "ada@example.org", issued_on=datetime(2026, 1, 5, tzinfo=UTC))
    post_actions(api, [
        action("m1", "mentoring.session", "bob@example.org", datetime(2026, 1, 6, tzinfo=UTC)),
        action("e1", "event.attended", "cy@example.org", datetime(2026, 1, 7, tzinfo=UTC))])
    everyone = api.get("/api/v1/reports/contributors", query_string=SPRING)
    assert everyone.json["total"] == 3
    mentors = api.get("/api/v1/reports/contributors",
                      query_string={**SPRING, "action_type": "mentoring.session"})
    assert mentors.json["total"] == 1
    holders = api.get("/api/v1/reports/contributors",
                      query_string={**SPRING, "badge_class": badge_class["id"]})
    assert holders.json["total"] == 1
