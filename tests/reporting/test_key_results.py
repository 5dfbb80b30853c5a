"""A key result's progress: value to date against the target, the series, and a
least-squares trend projected to the period's end; manual values recorded by hand."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta

from tests.reporting.report_helpers import award, revoke


def key_result(api, issuer, metric, *, target=10, period=None, time_zone="UTC"):
    body = {"issuer": issuer["id"], "title": "Grow", "time_zone": time_zone,
            "period": period or {"start": "2026-01-01", "end": "2026-03-31"},
            "key_results": [{"title": "Result", "target": target, "metric": metric}]}
    response = api.post("/api/v1/objectives", json=body)
    assert response.status_code == 201, response.json
    return response.json["key_results"][0]["id"]


def progress(api, key_result_id, **params):
    response = api.get(f"/api/v1/reports/key-results/{key_result_id}", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_a_finished_period_reports_its_final_figure(api, issuer, badge_class):
    for day, email in ((5, "a"), (20, "b"), (40, "c"), (70, "d"), (95, "e")):
        award(api, badge_class["id"], f"{email}@example.org",
              issued_on=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day))
    revoke(api, award(api, badge_class["id"], "f@example.org",
                      issued_on=datetime(2026, 2, 1, tzinfo=UTC)))
    kr = key_result(api, issuer, {"kind": "new_holders", "badge_classes": [badge_class["id"]]},
                    target=4)
    report = progress(api, kr)
    assert (report["value"], report["target"], report["progress"]) == (4, 4, 1.0)
    assert report["group_by"] == "week" and report["unit"] == "people"
    assert report["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    monthly = progress(api, kr, group_by="month")
    assert [(p["start"], p["value"], p["cumulative"]) for p in monthly["series"]] == [
        ("2026-01-01", 2, 2), ("2026-02-01", 1, 3), ("2026-03-01", 1, 4)]
    assert monthly["trend"]["projected"] == 4 and monthly["trend"]["on_track"] is True
    assert len(monthly["trend"]["points"]) == 3


def test_a_running_period_projects_its_trend_to_the_end(api, issuer, badge_class):
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=56), today + timedelta(days=28)
    for n in range(8):  # one new holder a week
        award(api, badge_class["id"], f"p{n}@example.org",
              issued_on=datetime.combine(start + timedelta(days=7 * n + 1), time(12), UTC))
    kr = key_result(api, issuer, {"kind": "new_holders"}, target=12,
                    period={"start": start.isoformat(), "end": end.isoformat()})
    report = progress(api, kr, group_by="week")
    assert report["value"] == 8 and report["progress"] == round(8 / 12, 4)
    as_of = datetime.fromisoformat(report["as_of"].replace("Z", "+00:00"))
    lo = datetime.combine(start, time(), UTC)

    def days_to(moment: datetime) -> float:
        return (moment - lo).total_seconds() / 86400

    xs, ys = [0.0], [0.0]
    for point in report["series"]:
        bucket_end = datetime.combine(date.fromisoformat(point["end"]) + timedelta(days=1),
                                      time(), UTC)
        xs.append(days_to(min(bucket_end, as_of)))
        ys.append(point["cumulative"])
    slope, intercept = statistics.linear_regression(xs, ys)
    expected = intercept + slope * days_to(datetime.combine(end + timedelta(days=1), time(), UTC))
    trend = report["trend"]
    assert abs(trend["projected"] - round(expected, 2)) < 0.011
    assert trend["on_track"] is (expected >= 12)
    assert 11 < trend["projected"] < 13  # about one a week, four weeks to go
    assert trend["points"][-1]["end"] == end.isoformat()
    assert len(trend["points"]) > len(report["series"])


def test_a_period_not_begun_has_no_trend(api, issuer):
    today = datetime.now(UTC).date()
    kr = key_result(api, issuer, {"kind": "contributors"}, period={
        "start": (today + timedelta(days=10)).isoformat(),
        "end": (today + timedelta(days=100)).isoformat()})
    report = progress(api, kr)
    assert report["series"] == [] and report["value"] == 0
    assert report["trend"] == {"projected": None, "on_track": False, "slope_per_day": None,
                               "points": []}


def test_manual_values_are_recorded_by_hand_and_the_latest_counts(api, issuer):
    kr = key_result(api, issuer, {"kind": "manual"}, target=40)
    for day, value, note in (("2025-12-15", 20, "Q4 survey"), ("2026-01-20", 31, "January"),
                             ("2026-03-02", 45.5, "March")):
        recorded = api.post(f"/api/v1/key-results/{kr}/values",
                            json={"date": day, "value": value, "note": note})
        assert recorded.status_code == 201, recorded.json
    report = progress(api, kr, group_by="month")
    assert [(p["value"], p["cumulative"]) for p in report["series"]] == [
        (31, 31), (None, 31), (45.5, 45.5)]
    assert report["value"] == 45.5 and report["trend"]["on_track"] is True
    listed = api.get(f"/api/v1/key-results/{kr}/values").json["items"]
    assert [item["note"] for item in listed] == ["Q4 survey", "January", "March"]
    assert api.delete(f"/api/v1/key-results/{kr}/values/{listed[2]['id']}").status_code == 204
    assert progress(api, kr)["value"] == 31
    future = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    refused = api.post(f"/api/v1/key-results/{kr}/values", json={"date": future, "value": 1})
    assert refused.status_code == 422 and "date" in refused.json["errors"]


def test_manual_values_can_be_summed(api, issuer):
    kr = key_result(api, issuer, {"kind": "manual", "aggregate": "sum"}, target=100)
    for day, value in (("2025-12-30", 500), ("2026-01-03", 30), ("2026-01-30", 20),
                       ("2026-02-10", 25)):
        api.post(f"/api/v1/key-results/{kr}/values", json={"date": day, "value": value})
    report = progress(api, kr, group_by="month")
    assert [(p["value"], p["cumulative"]) for p in report["series"]] == [
        (50, 50), (25, 75), (0, 75)]
    assert report["value"] == 75 and report["progress"] == 0.75


def test_only_a_manual_key_result_takes_values(api, issuer):
    kr = key_result(api, issuer, {"kind": "holders"})
    refused = api.post(f"/api/v1/key-results/{kr}/values", json={"date": "2026-01-02",
                                                                 "value": 3})
    assert refused.status_code == 409 and refused.json["code"] == "not_manual"
