"""Dashboard pages: a program's key results, contributors, funnel and recent awards.

Public: /dashboards/<slug> for a program marked public, and one key result as an
embeddable widget (/dashboards/<slug>/key-results/<id>.svg, or the same in a small HTML
page for an iframe). A program not marked public answers 404 there, as if it did not
exist. Staff see every program they may read at /manage/dashboards (reporting/page_staff.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template

from cairn.urls import public_url
from reporting import charts
from reporting.chart_svg import MONTHS, number, percent
from reporting.models import KeyResult, Program
from reporting.page_dashboard import (
    build_dashboard,
    find_key_result,
    key_result_status,
    svg_markup,
)
from reporting.page_reports import key_result_report_kept
from reporting.page_staff import staff
from reporting.periods import local_today
from reporting.services import find_public_program

bp = Blueprint("dashboards", __name__)
bp.register_blueprint(staff)

#: Public dashboards change with every award; a few minutes' staleness is fine.
PUBLIC_MAX_AGE = 300
WIDGET_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def long_date(day: date | str | None) -> str:
    """9 March 2026: day first and the month in words (never 03/09, read two ways)."""
    if day is None:
        return "–"
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def short_date(day: date | str | None) -> str:
    """9 Mar 2026, for table rows."""
    if day is None:
        return "–"
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(day: date | str) -> str:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{MONTHS[day.month - 1]} {day.year}"


@bp.context_processor
def _formatting() -> dict[str, Any]:
    """Number and date formats of the dashboard templates (the staff ones included)."""
    return {"figure": number, "share": percent, "long_date": long_date,
            "short_date": short_date, "month_name": month_name, "public_url": public_url}


def public_program(slug: str) -> Program:
    program = find_public_program(slug)
    if program is None:
        abort(404)
    return program


def program_key_result(program: Program, key_result_id: str) -> KeyResult:
    key_result = find_key_result(program, key_result_id)
    if key_result is None:
        abort(404)
    return key_result


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


@bp.route("/dashboards/<slug>")
def public_dashboard(slug: str):
    dashboard = build_dashboard(public_program(slug), public=True)
    return _cached(Response(render_template("dashboards/dashboard.html",
                                            dashboard=dashboard)))


def widget_svg(program: Program, key_result: KeyResult) -> str:
    report = key_result_report_kept(key_result)
    as_of = datetime.fromisoformat(report["as_of"].replace("Z", "+00:00"))
    status, tone = key_result_status(report, local_today(program.time_zone, as_of))
    return charts.kr_widget(
        title=key_result.title, value=report["value"] or 0, target=report["target"],
        cumulative=[point["cumulative"] for point in report["series"]
                    if point["cumulative"] is not None],
        on_track={"ok": True, "bad": False}.get(tone), status=status,
        chart_id=f"widget-{key_result.public_id}")


@bp.route("/dashboards/<slug>/key-results/<key_result_id>.svg")
def key_result_widget_svg(slug: str, key_result_id: str):
    program = public_program(slug)
    svg = widget_svg(program, program_key_result(program, key_result_id))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = WIDGET_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _cached(response)


@bp.route("/dashboards/<slug>/key-results/<key_result_id>")
def key_result_widget(slug: str, key_result_id: str):
    """The widget in a page of its own, made to sit in another site's iframe."""
    program = public_program(slug)
    key_result = program_key_result(program, key_result_id)
    return _cached(Response(render_template(
        "dashboards/widget.html", program=program, key_result=key_result,
        svg=svg_markup(widget_svg(program, key_result)))))
