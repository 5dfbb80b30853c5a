"""The progress bar, the funnel and the embeddable key result widget."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from reporting.chart_shapes import PROGRESS, SPARK, funnel_chart, kr_widget, progress_bar
from tests.reporting.test_charts import NS, by_class


def test_progress_bar_fills_the_share_of_the_target_reached():
    root = ElementTree.fromstring(progress_bar(42, 100, title="New contributors",
                                               chart_id="p"))
    (track,), (fill,) = by_class(root, "track"), by_class(root, "fill")
    assert float(fill.get("width")) == pytest.approx(0.42 * float(track.get("width")))
    assert by_class(root, "label")[0].text == "42 of 100 (42%)"
    assert root.get("role") == "img" and root.get("viewBox") == f"0 0 {PROGRESS[0]} {PROGRESS[1]}"


def test_progress_bar_past_the_target_is_full_and_says_by_how_much():
    root = ElementTree.fromstring(progress_bar(130, 100, title="KR", chart_id="p"))
    assert by_class(root, "fill")[0].get("width") == by_class(root, "track")[0].get("width")
    assert by_class(root, "label")[0].text == "130 of 100 (130%)"


def test_progress_bar_without_a_target_shows_only_the_value():
    root = ElementTree.fromstring(progress_bar(7, None, title="KR", chart_id="p"))
    assert float(by_class(root, "fill")[0].get("width")) == 0
    assert by_class(root, "label")[0].text == "7 (no target)"


def test_funnel_bars_are_proportional_with_counts_and_conversion():
    steps = [("Certified", 1000), ("Closed a partnership", 420), ("Distinguished", 21)]
    root = ElementTree.fromstring(funnel_chart(steps, title="Partnership ladder",
                                               chart_id="f"))
    bars = [float(bar.get("width")) for bar in by_class(root, "bar")]
    assert bars[1] / bars[0] == pytest.approx(0.42, abs=0.001)
    assert bars[2] / bars[0] == pytest.approx(0.021, abs=0.001)
    counts = [count.text for count in by_class(root, "count")]
    assert counts == ["1,000", "420 · 42%", "21 · 5%"]
    desc = root.find("svg:desc", NS).text
    assert "Closed a partnership: 420 (42% of the step before)" in desc


def test_funnel_after_an_empty_step_has_no_conversion_and_no_steps_says_so():
    root = ElementTree.fromstring(funnel_chart([("A", 0), ("B", 0)], title="F", chart_id="f"))
    assert [count.text for count in by_class(root, "count")] == ["0", "0 · –"]
    assert all(float(bar.get("width")) == 0 for bar in by_class(root, "bar"))
    empty = ElementTree.fromstring(funnel_chart([], title="F", chart_id="f"))
    assert by_class(empty, "empty")[0].text == "No steps"


def test_funnel_shortens_long_labels_but_keeps_them_whole_in_the_description():
    label = "Closed a partnership with a foundation in the first quarter"
    root = ElementTree.fromstring(funnel_chart([(label, 3)], title="F", chart_id="f"))
    shown = by_class(root, "step")[0].find("svg:text", NS).text
    assert shown.endswith("…") and len(shown) <= 22
    assert label in root.find("svg:desc", NS).text


def test_widget_shows_title_value_against_target_and_on_track_mark():
    svg = kr_widget(title="100 new <contributors>", value=42, target=100,
                    cumulative=[3, 10, 22, 42], on_track=False, chart_id="w")
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert by_class(root, "title")[0].text == "100 new <contributors>"
    assert by_class(root, "value")[0].text == "42 / 100"
    (status,) = by_class(root, "status")
    assert status.get("data-on-track") == "false"
    assert status.find("svg:text", NS).text == "Behind"
    assert root.find("svg:desc", NS).text == "100 new <contributors>: 42 / 100. Behind."
    assert "<contributors>" not in svg


def test_widget_sparkline_rises_with_the_series_under_the_target():
    root = ElementTree.fromstring(kr_widget(title="KR", value=42, target=100,
                                            cumulative=[3, 10, 22, 42], on_track=True,
                                            chart_id="w"))
    (line,) = by_class(root, "sparkline")
    points = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    left, top, right, bottom = SPARK
    assert points[0][0] == left and points[-1][0] == right
    assert [y for _, y in points] == sorted((y for _, y in points), reverse=True)
    (target,) = by_class(root, "target")
    assert float(target.get("y1")) == pytest.approx(top)  # 100 is the top of the scale
    assert points[-1][1] == pytest.approx(bottom - 0.42 * (bottom - top), abs=0.1)
    assert by_class(root, "status")[0].find("svg:text", NS).text == "On track"


def test_widget_with_one_value_or_none():
    one = ElementTree.fromstring(kr_widget(title="KR", value=5, target=None, cumulative=[5],
                                           on_track=None, chart_id="w"))
    assert len(by_class(one, "spark-point")) == 1 and not by_class(one, "sparkline")
    assert by_class(one, "value")[0].text == "5"
    assert by_class(one, "status")[0].find("svg:text", NS).text == "No trend yet"
    none = ElementTree.fromstring(kr_widget(title="KR", value=0, target=10, cumulative=[],
                                            on_track=None, chart_id="w"))
    assert not by_class(none, "sparkline") and not by_class(none, "spark-point")


def test_widget_shrinks_a_long_figure():
    root = ElementTree.fromstring(kr_widget(title="KR", value=1_234_567, target=2_000_000,
                                            cumulative=[1, 2], on_track=True, chart_id="w"))
    assert int(by_class(root, "value")[0].get("font-size")) < 24
