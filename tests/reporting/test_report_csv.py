"""Every report as CSV (Accept: text/csv, or ?format=csv for tools that cannot set
headers): the same figures as the JSON, one row per bucket, text cells that a spreadsheet
would run as formulas neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.reporting.report_helpers import award

CSV = {"Accept": "text/csv"}
SPRING = "from=2026-01-01&to=2026-06-30&group_by=month"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_series_report_as_csv_has_the_json_figures(api, badge_class):
    for n, month in enumerate((1, 1, 3)):
        award(api, badge_class["id"], f"p{n}@example.org",
              issued_on=datetime(2026, month, 5, tzinfo=UTC))
    as_json = api.get(f"/api/v1/reports/holders?{SPRING}").json
    for response in (api.get(f"/api/v1/reports/holders?{SPRING}", headers=CSV),
                     api.get(f"/api/v1/reports/holders?{SPRING}&format=csv")):
        table = rows(response)
        assert list(table[0]) == ["metric", "time_zone", "group_by", "start", "end", "value",
                                  "cumulative"]
        assert [(r["start"], r["end"], int(r["value"]), int(r["cumulative"])) for r in table] \
            == [(p["start"], p["end"], p["value"], p["cumulative"]) for p in as_json["series"]]
        assert table[0]["metric"] == "holders" and table[0]["time_zone"] == "UTC"
    json_anyway = api.get(f"/api/v1/reports/holders?{SPRING}&format=json", headers=CSV)
    assert json_anyway.mimetype == "application/json"


def test_a_key_result_as_csv_names_it_safely_and_shows_the_trend(api, issuer):
    made = api.post("/api/v1/objectives", json={
        "issuer": issuer["id"], "title": "Grow",
        "period": {"start": "2026-01-01", "end": "2026-03-31"}, "key_results": [
            {"title": "=HYPERLINK(\"https://evil.example\")", "target": 5, "unit": "@people",
             "metric": {"kind": "contributors"}}]}).json
    kr = made["key_results"][0]["id"]
    table = rows(api.get(f"/api/v1/reports/key-results/{kr}?group_by=month", headers=CSV))
    assert list(table[0]) == ["key_result", "title", "unit", "target", "start", "end", "value",
                              "cumulative", "trend"]
    assert table[0]["title"] == "'=HYPERLINK(\"https://evil.example\")"
    assert table[0]["unit"] == "'@people"
    assert [r["start"] for r in table] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert all(r["value"] == "0" and r["trend"] == "0" for r in table)


def test_csv_errors_stay_json(api):
    refused = api.get("/api/v1/reports/holders?group_by=day", headers=CSV)
    assert refused.status_code == 422 and refused.json["code"] == "validation_failed"
