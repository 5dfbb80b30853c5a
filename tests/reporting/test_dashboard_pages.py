"""A program's dashboard as pages: public only when the program is marked public, and
then without anything personal; the staff dashboard for programs one may read; the
embeddable key result widget."""

from __future__ import annotations

import re

from defusedxml import ElementTree

from tests.issuers.test_staff_pages import sign_in, words
from tests.reporting.dashboard_seed import HIDDEN, SHOWN, seed_program

NS = {"svg": "http://www.w3.org/2000/svg"}


def charts(html: str) -> list:
    """Every chart on the page, parsed as SVG (so each is well-formed)."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S)]


def chart_titles(html: str) -> list[str]:
    return [chart.find("svg:title", NS).text for chart in charts(html)]


def test_private_program_has_no_public_dashboard(client, api, issuer, make_badge_class):
    seed_program(api, issuer, make_badge_class, public=False)
    assert client.get("/dashboards/partners").status_code == 404
    assert client.get("/dashboards/no-such-program").status_code == 404


def test_public_dashboard_shows_key_results_with_charts_and_tables(
        client, api, issuer, make_badge_class):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    response = client.get("/dashboards/partners")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    html, text = response.get_data(as_text=True), words(response)
    assert "Open Source Partnerships" in text and "Grow the partnership network" in text
    assert "6 people of 10 by" in text  # six mentors so far
    assert "26 actions of 40 by" in text  # 26 merged contributions
    titles = chart_titles(html)
    for kr in ("10 mentors", "40 merged contributions"):
        assert f"Progress of {kr}" in titles
        assert any(title.startswith(f"{kr}: running figure") for title in titles)
    assert "Contributors per month" in titles
    assert "Partnership ladder: people who reached each milestone" in titles
    for chart in charts(html):
        assert chart.get("role") == "img" and chart.find("svg:desc", NS).text
    tables = re.findall(r"<caption>(.*?)</caption>", html)
    assert "10 mentors by week" in tables
    assert "Contributors per month" in tables
    assert f'id="kr-{seeded.holders_kr["id"]}"' in html
    assert "On track" in text or "Behind" in text
    assert "<script" not in html


def test_public_dashboard_shows_no_personal_data(client, api, issuer, make_badge_class):
    seed_program(api, issuer, make_badge_class, public=True)
    text = words(client.get("/dashboards/partners"))
    assert "Recent awards" in text and "Partnership Closer" in text
    for email, name in (SHOWN, HIDDEN):
        assert email not in text and name not in text
    assert "@example.org" not in text and "/people/" not in text
    assert "Sign out" not in text and "Recipient" not in text


def test_staff_see_private_dashboard_with_recipients_who_show_their_badges(
        app, client, api, issuer, make_badge_class, make_user):
    seed_program(api, issuer, make_badge_class, public=False)
    staff = sign_in(app, make_user, admin=True)
    listing = staff.get("/manage/dashboards")
    assert "Open Source Partnerships" in words(listing)
    assert 'href="/manage/dashboards/partners"' in listing.get_data(as_text=True)
    response = staff.get("/manage/dashboards/partners")
    assert response.status_code == 200
    text = words(response)
    assert "Private" in text and "Only staff of its issuers" in text
    assert "10 mentors" in text
    assert SHOWN[1] in text  # she shows the award on her public profile
    assert HIDDEN[1] not in text and HIDDEN[0] not in text  # nothing of hers is public
    assert "Embed this key result" not in text  # nothing to embed while private


def test_staff_dashboard_of_a_public_program_offers_the_embed_code(
        app, api, issuer, make_badge_class, make_user, base_url):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    staff = sign_in(app, make_user, admin=True)
    html = staff.get("/manage/dashboards/partners").get_data(as_text=True)
    assert "Public" in html and 'href="/dashboards/partners"' in html
    widget = f"{base_url}/dashboards/partners/key-results/{seeded.holders_kr['id']}"
    assert f"&lt;iframe src=&#34;{widget}&#34;" in html or f'iframe src="{widget}"' in html
    assert f'value="{widget}.svg"' in html


def test_dashboards_need_sign_in_and_a_role_at_every_issuer_of_the_program(
        app, client, api, issuer, make_badge_class, make_user):
    seed_program(api, issuer, make_badge_class, public=False)
    response = client.get("/manage/dashboards/partners")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    outsider = sign_in(app, make_user, "outsider@example.org")
    assert outsider.get("/manage/dashboards/partners").status_code == 404
    assert "Open Source Partnerships" not in words(outsider.get("/manage/dashboards"))
    assert "No dashboards yet" in words(outsider.get("/manage/dashboards"))
    viewer = sign_in(app, make_user, "viewer@example.org")
    assert viewer.get("/manage/dashboards/partners").status_code == 404
    response = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                        json={"email": "viewer@example.org", "role": "viewer"})
    assert response.status_code in (200, 201), response.json
    assert viewer.get("/manage/dashboards/partners").status_code == 200


def test_key_result_widget_is_an_svg_of_its_figure(client, api, issuer, make_badge_class):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    kr = seeded.actions_kr["id"]
    response = client.get(f"/dashboards/partners/key-results/{kr}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    svg = ElementTree.fromstring(response.get_data())
    assert svg.find("svg:title", NS).text == "40 merged contributions"
    texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "26 / 40" in texts
    assert any(t in texts for t in ("On track", "Behind"))


def test_key_result_widget_page_can_sit_in_an_iframe(client, api, issuer, make_badge_class):
    seeded = seed_program(api, issuer, make_badge_class, public=True)
    kr = seeded.holders_kr["id"]
    response = client.get(f"/dashboards/partners/key-results/{kr}")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert chart_titles(html) == ["10 mentors"]
    assert f'/dashboards/partners#kr-{kr}"' in html and 'target="_blank"' in html


def test_widgets_of_private_programs_and_other_programs_key_results_are_not_found(
        client, api, issuer, make_badge_class, make_issuer):
    seeded = seed_program(api, issuer, make_badge_class, public=False)
    kr = seeded.holders_kr["id"]
    assert client.get(f"/dashboards/partners/key-results/{kr}.svg").status_code == 404
    assert client.get(f"/dashboards/partners/key-results/{kr}").status_code == 404
    other = make_issuer(name="Other program")
    program = api.post("/api/v1/programs", json={"name": "Other", "slug": "other",
                                                 "issuers": [other["id"]], "public": True})
    assert program.status_code == 201, program.json
    assert client.get(f"/dashboards/other/key-results/{kr}.svg").status_code == 404
    assert client.get("/dashboards/other/key-results/nope.svg").status_code == 404


def test_program_without_objectives_still_has_a_dashboard(client, api, issuer):
    response = api.post("/api/v1/programs", json={"name": "New program", "slug": "fresh",
                                                  "issuers": [issuer["id"]], "public": True})
    assert response.status_code == 201, response.json
    page = client.get("/dashboards/fresh")
    assert page.status_code == 200
    text = words(page)
    assert "No objectives yet." in text and "No awards yet." in text
    assert "0 people contributed in the last twelve months" in text
