"""The key result line chart, read back as a person reads it: each point, the target and the
trend must sit where the chart's own axis labels say their values and dates are."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml import ElementTree

from reporting.charts import LINE_CHART, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
START, END = date(2026, 1, 1), date(2026, 3, 31)
WEEKS = [(date(2026, 1, 1), 3), (date(2026, 1, 8), 10), (date(2026, 1, 15), 22),
         (date(2026, 2, 2), 42)]


def parse(svg: str):
    return ElementTree.fromstring(svg)


def by_class(root, name: str) -> list:
    return [element for element in root.iter()
            if name in (element.get("class") or "").split()]


def value_at(root, y: float) -> float:
    """The value a reader gets for height `y` from the y axis' tick labels."""
    ticks = sorted((float(tick.get("data-value")), float(tick.get("y")))
                   for tick in by_class(root, "tick") if tick.get("data-value"))
    (low, low_y), (high, high_y) = ticks[0], ticks[-1]
    return low + (y - low_y) / (high_y - low_y) * (high - low)


def day_at(root, x: float) -> float:
    """The date (as an ordinal) a reader gets for `x` from the x axis' date labels."""
    ticks = sorted((date.fromisoformat(tick.get("data-date")).toordinal(), float(tick.get("x")))
                   for tick in by_class(root, "tick") if tick.get("data-date"))
    (low, low_x), (high, high_x) = ticks[0], ticks[-1]
    return low + (x - low_x) / (high_x - low_x) * (high - low)


def test_chart_is_a_named_image_that_scales_to_its_container():
    root = parse(line_chart(WEEKS, start=START, end=END, target=100, projected=96.5,
                            title="100 new contributors", chart_id="kr-1"))
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {LINE_CHART.width} {LINE_CHART.height}"
    assert root.get("width") == "100%" and root.get("height") is None
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "100 new contributors"
    assert "42 as of 2026-02-02" in desc.text and "Target 100" in desc.text
    assert "96.5 by 2026-03-31" in desc.text
    assert not [e for e in root.iter() if e.tag.split("}")[1] in ("script", "image", "style")]


def test_points_sit_at_their_dates_and_values_on_the_axes():
    root = parse(line_chart(WEEKS, start=START, end=END, target=100, projected=96.5,
                            title="KR", chart_id="kr"))
    points = by_class(root, "point")
    assert len(points) == len(WEEKS)
    for circle, (day, value) in zip(points, WEEKS, strict=True):
        assert day_at(root, float(circle.get("cx"))) == pytest.approx(day.toordinal(), abs=0.3)
        assert value_at(root, float(circle.get("cy"))) == pytest.approx(value, abs=0.3)
    first, last = points[0], points[-1]
    assert float(first.get("cx")) == LINE_CHART.left  # the period's first day
    assert float(first.get("cy")) < LINE_CHART.bottom  # 3 is above the zero line
    assert float(last.get("cx")) < LINE_CHART.right  # the period goes on to March 31
    (line,) = by_class(root, "series")
    assert line.get("points").split() == [f"{c.get('cx')},{c.get('cy')}" for c in points]


def test_target_is_a_horizontal_line_across_the_plot_at_its_value():
    root = parse(line_chart(WEEKS, start=START, end=END, target=100, projected=96.5,
                            title="KR", chart_id="kr"))
    (target,) = by_class(root, "target")
    assert target.get("y1") == target.get("y2")
    assert value_at(root, float(target.get("y1"))) == pytest.approx(100, abs=0.3)
    assert (float(target.get("x1")), float(target.get("x2"))) == (LINE_CHART.left,
                                                                 LINE_CHART.right)


def test_trend_is_dashed_from_the_last_point_to_the_projection_at_the_periods_end():
    root = parse(line_chart(WEEKS, start=START, end=END, target=100, projected=96.5,
                            title="KR", chart_id="kr"))
    (trend,) = by_class(root, "trend")
    last = by_class(root, "point")[-1]
    assert trend.get("stroke-dasharray")
    assert (trend.get("x1"), trend.get("y1")) == (last.get("cx"), last.get("cy"))
    assert day_at(root, float(trend.get("x2"))) == pytest.approx(END.toordinal(), abs=0.3)
    assert value_at(root, float(trend.get("y2"))) == pytest.approx(96.5, abs=0.3)


def test_axis_covers_values_above_the_target():
    points = [(date(2026, 1, 1), 40), (date(2026, 2, 1), 250)]
    root = parse(line_chart(points, start=START, end=END, target=100, projected=420,
                            title="KR", chart_id="kr"))
    labels = [float(t.get("data-value")) for t in by_class(root, "tick") if t.get("data-value")]
    assert labels[0] == 0 and labels[-1] >= 420
    (trend,) = by_class(root, "trend")
    assert float(trend.get("y2")) >= LINE_CHART.top  # the projection stays inside the plot
    assert value_at(root, float(trend.get("y2"))) == pytest.approx(420, abs=0.5)


def test_empty_series_shows_axes_target_and_says_there_is_no_data():
    root = parse(line_chart([], start=START, end=END, target=50, projected=None,
                            title="KR", chart_id="kr"))
    assert not by_class(root, "series") and not by_class(root, "point")
    assert not by_class(root, "trend")
    (empty,) = by_class(root, "empty")
    assert empty.text == "No data in this period yet"
    (target,) = by_class(root, "target")
    assert value_at(root, float(target.get("y1"))) == pytest.approx(50, abs=0.3)
    assert "No values yet" in root.find("svg:desc", NS).text


def test_single_point_is_a_marker_with_its_trend():
    root = parse(line_chart([(date(2026, 1, 12), 7)], start=START, end=END, target=30,
                            projected=25, title="KR", chart_id="kr"))
    assert not by_class(root, "series")  # a line needs two points
    (point,) = by_class(root, "point")
    assert value_at(root, float(point.get("cy"))) == pytest.approx(7, abs=0.3)
    assert day_at(root, float(point.get("cx"))) == pytest.approx(
        date(2026, 1, 12).toordinal(), abs=0.3)
    (trend,) = by_class(root, "trend")
    assert (trend.get("x1"), trend.get("y1")) == (point.get("cx"), point.get("cy"))


def test_no_trend_once_the_period_is_over():
    points = [(date(2026, 1, 1), 10), (date(2026, 3, 31), 80)]
    root = parse(line_chart(points, start=START, end=END, target=100, projected=80,
                            title="KR", chart_id="kr"))
    assert not by_class(root, "trend")
    assert float(by_class(root, "point")[-1].get("cx")) == LINE_CHART.right


def test_zero_values_and_no_target_still_draw_a_readable_axis():
    points = [(date(2026, 1, 1), 0), (date(2026, 1, 8), 0)]
    root = parse(line_chart(points, start=START, end=END, title="KR", chart_id="kr"))
    labels = [t.text for t in by_class(root, "tick") if t.get("data-value")]
    assert labels[0] == "0" and len(labels) >= 2
    assert all(float(p.get("cy")) == LINE_CHART.bottom for p in by_class(root, "point"))
    assert not by_class(root, "target")


def test_text_is_escaped():
    title = 'Partners <script>alert("x")</script> & co'
    svg = line_chart(WEEKS, start=START, end=END, target=100, title=title,
                     chart_id='kr"><script>', description="a < b & c")
    root = parse(svg)
    assert root.find("svg:title", NS).text == title
    assert root.find("svg:desc", NS).text == "a < b & c"
    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]


def test_output_is_deterministic():
    def draw():
        return line_chart(WEEKS, start=START, end=END, target=100, projected=96.5,
                          title="KR", chart_id="kr")
    assert draw() == draw()


def test_long_periods_label_months_with_the_year_at_each_january():
    points = [(date(2025, 1, 6), 10), (date(2026, 12, 28), 5000)]
    root = parse(line_chart(points, start=date(2025, 1, 1), end=date(2026, 12, 31),
                            target=6000, title="KR", chart_id="kr"))
    labels = [t.text for t in by_class(root, "tick") if t.get("data-date")]
    assert 3 <= len(labels) <= 6
    assert labels[0] == "Jan 2025" and "Jan 2026" in labels
    values = [t.text for t in by_class(root, "tick") if t.get("data-value")]
    assert values == ["0", "2k", "4k", "6k"]


def test_short_periods_label_days():
    points = [(date(2026, 3, 2), 1), (date(2026, 3, 9), 4)]
    root = parse(line_chart(points, start=date(2026, 3, 2), end=date(2026, 3, 15),
                            title="KR", chart_id="kr"))
    labels = [t.text for t in by_class(root, "tick") if t.get("data-date")]
    assert labels[0] == "2 Mar" and labels[-1] == "15 Mar"
