"""Reports as CSV rows (cairn/csvexport.py writes them formula-safe): one row per bucket,
or per funnel step, with the report's context in the first columns so that a sheet that
appends several reports can still tell them apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

SERIES_COLUMNS = ("metric", "time_zone", "group_by", "start", "end", "value", "cumulative")
KEY_RESULT_COLUMNS = ("key_result", "title", "unit", "target", "start", "end", "value",
                      "cumulative", "trend")
FUNNEL_COLUMNS = ("pathway", "position", "key", "name", "badge_class", "people",
                  "conversion", "share")


def series_rows(report: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    for point in report["series"]:
        yield (report["metric"], report["time_zone"], report["group_by"], point["start"],
               point["end"], point["value"], point["cumulative"])


def key_result_rows(report: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Every bucket of the period: those to come have no value yet, only the trend."""
    actual = {point["start"]: point for point in report["series"]}
    line = report["trend"]["points"] or [
        {"start": point["start"], "end": point["end"], "value": None}
        for point in report["series"]]
    for bucket in line:
        point = actual.get(bucket["start"], {})
        yield (report["key_result"], report["title"], report["unit"], report["target"],
               bucket["start"], bucket["end"], point.get("value"), point.get("cumulative"),
               bucket["value"])


def funnel_rows(report: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    for step in report["steps"]:
        yield (report["pathway"], step["position"], step["key"], step["name"],
               step["badge_class"], step["people"], step["conversion"], step["share"])
