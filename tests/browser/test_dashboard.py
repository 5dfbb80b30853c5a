"""A program's dashboard in headless Chromium: the server-drawn charts render (checked on
the screenshot, pixel by pixel, inside each chart's box), their tables open beneath them,
and the public page and the embeddable widget show no one's name."""

from __future__ import annotations

import re

from PIL import Image, ImageStat
from playwright.sync_api import expect

from tests.reporting.dashboard_seed import HIDDEN, SHOWN, seed_program

#: Charts of the seeded dashboard: two key results (a bar and a line chart each), the
#: contributors and the pathway's funnel.
CHARTS = 6


def chart_boxes(page) -> list[dict]:
    """Each chart's box in page coordinates (what a full-page screenshot shows)."""
    return page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
        const r = svg.getBoundingClientRect();
        return {id: svg.id, x: r.left + scrollX, y: r.top + scrollY,
                width: r.width, height: r.height};
    })""")


def drawn(screenshot_path, box: dict) -> tuple[float, float]:
    """(share of pixels that are not background, spread of their brightness) in the
    visible part of a box (a chart wider than a phone scrolls inside its figure)."""
    with Image.open(screenshot_path) as image:
        area = image.convert("L").crop((round(box["x"]), round(box["y"]),
                                        min(round(box["x"] + box["width"]), image.width),
                                        min(round(box["y"] + box["height"]), image.height)))
        background = max(range(256), key=area.histogram().__getitem__)
        marked = sum(count for level, count in enumerate(area.histogram())
                     if abs(level - background) > 24)
        return marked / (area.width * area.height), ImageStat.Stat(area).stddev[0]


def test_public_dashboard_renders_its_charts_and_tables(page, api, issuer, make_badge_class,
                                                        screenshot):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    page.goto("/dashboards/partners")
    expect(page.get_by_role("heading", name="Open Source Partnerships", level=1)).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(CHARTS)
    for index in range(CHARTS):
        expect(charts.nth(index)).to_be_visible()
    line = page.get_by_role("img", name=re.compile(r"^40 merged contributions: running"))
    expect(line).to_be_visible()
    expect(line.locator(".point")).not_to_have_count(0)

    key_result = page.locator(f"#kr-{seeded.actions_kr['id']}")
    key_result.get_by_text("The numbers behind the chart").click()
    table = key_result.get_by_role("table", name="40 merged contributions by week")
    expect(table).to_be_visible()
    expect(table.get_by_role("row").last).to_contain_text("26")
    page.locator("#contributors ~ details summary").click()
    expect(page.get_by_role("table", name="Contributors per month")).to_be_visible()

    path = screenshot(page, "public-dashboard")
    boxes = chart_boxes(page)
    assert len(boxes) == CHARTS
    for box in boxes:
        assert box["width"] > 200 and box["height"] > 30, box
        share, spread = drawn(path, box)
        assert share > 0.01 and spread > 5, (box["id"], share, spread)

    text = page.locator("main").inner_text()
    for email, name in (SHOWN, HIDDEN):
        assert email not in text and name not in text


def test_staff_dashboard_and_widget_at_phone_width(new_page, api, issuer, make_badge_class,
                                                    staff_login, screenshot):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    phone = new_page(viewport={"width": 375, "height": 800})
    staff_login(phone)
    phone.get_by_role("link", name="Dashboards").click()
    phone.get_by_role("link", name="Open Source Partnerships").click()
    expect(phone.get_by_role("heading", name="Recent awards")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(SHOWN[1])
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    path = screenshot(phone, "staff-dashboard-phone")
    for box in chart_boxes(phone):
        share, spread = drawn(path, box)
        assert share > 0.01 and spread > 5, (box["id"], share, spread)

    phone.goto(f"/dashboards/partners/key-results/{seeded.holders_kr['id']}")
    widget = phone.get_by_role("img", name="10 mentors")
    expect(widget).to_be_visible()
    expect(widget).to_contain_text("6 / 10")
    path = screenshot(phone, "key-result-widget")
    (box,) = chart_boxes(phone)
    share, _ = drawn(path, box)
    assert share > 0.02
