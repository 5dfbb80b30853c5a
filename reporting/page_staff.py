"""The dashboards staff see: every program they may read (a role at each of its issuers,
reporting/access.py), public or not, at /manage/dashboards/<slug>.

Nested in the dashboards blueprint (reporting/pages.py), so it needs no registration of
its own; `staff_blueprint` makes it sign-in only, with errors as pages.
"""

from __future__ import annotations

from flask import render_template, request

from cairn.auth import current_actor
from cairn.http import decode_cursor, page
from cairn.pages import staff_blueprint
from reporting.access import authorize_program
from reporting.page_dashboard import build_dashboard
from reporting.services import find_program_by_slug, list_programs

staff = staff_blueprint("staff", __name__)

PAGE_SIZE = 50


@staff.route("/dashboards")
def dashboards():
    after = (decode_cursor(request.args.get("cursor")) or {}).get("after")
    found = list_programs(current_actor(), limit=PAGE_SIZE, after=after)
    listing = page(found, PAGE_SIZE, lambda program: {"after": program.id})
    return render_template("dashboards/list.html", listing=listing)


@staff.route("/dashboards/<slug>")
def dashboard(slug: str):
    program = authorize_program(current_actor(), find_program_by_slug(slug))
    return render_template("dashboards/dashboard.html",
                           dashboard=build_dashboard(program, public=False))
