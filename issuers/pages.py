"""Staff pages for issuers themselves: the list, the profile form and the members.

The issuer's own page (its badge classes and awards) lives in badges/staff_pages.py,
since issuers must not know about badges.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from cairn.auth import Actor, current_actor
from cairn.errors import ValidationFailed
from cairn.http import decode_cursor, page
from cairn.pages import field_errors, load_form, staff_blueprint
from issuers import services
from issuers.models import Issuer, Role
from issuers.permissions import PERMISSIONS, may_access
from issuers.schemas import IssuerIn, MemberIn

bp = staff_blueprint("issuer_pages", __name__)

PAGE_SIZE = 50
PROFILE_FORM = ("name", "url", "email", "description")
ROLE_HINTS = {
    Role.viewer: "sees the issuer, its badges and awards",
    Role.awarder: "also awards, revokes and suspends badges",
    Role.editor: "also edits the profile and badge classes",
    Role.owner: "also manages members and keys",
}


@bp.route("/")
def start():
    return redirect(url_for(".issuers"))


@bp.route("/issuers")
def issuers():
    after = (decode_cursor(request.args.get("cursor")) or {}).get("after")
    found = services.list_issuers(current_actor(), limit=PAGE_SIZE, after=after)
    listing = page(found, PAGE_SIZE, lambda issuer: {"after": issuer.id})
    return render_template("staff/issuers.html", listing=listing)


def _profile(form) -> dict[str, Any]:
    """The profile as the API takes it: empty optional fields are left out."""
    values = {name: form.get(name, "").strip() for name in PROFILE_FORM}
    return {name: value for name, value in values.items()
            if value or name in ("name", "url")}


@bp.route("/issuers/new", methods=["GET", "POST"])
def new_issuer():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            issuer = services.create_issuer(current_actor(),
                                            load_form(IssuerIn(), _profile(request.form)))
        except ValidationFailed as error:
            errors = field_errors(error)
        else:
            flash(f"Created the issuer {issuer.name}.", "success")
            return redirect(url_for("badge_pages.issuer", issuer_id=issuer.public_id))
    return render_template("staff/issuer_form.html", issuer=None, form=request.form,
                           errors=errors), 422 if errors else 200


@bp.route("/issuers/<issuer_id>/edit", methods=["GET", "POST"])
def edit_issuer(issuer_id: str):
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        changes = _profile(request.form)
        for name in ("email", "description"):  # a cleared field clears the profile's
            changes.setdefault(name, None)
        try:
            issuer = services.update_issuer(actor, issuer_id,
                                            load_form(IssuerIn(), changes))
        except ValidationFailed as error:
            errors = field_errors(error)
        else:
            flash(f"Saved the profile of {issuer.name}.", "success")
            return redirect(url_for("badge_pages.issuer", issuer_id=issuer.public_id))
    issuer = services.get_issuer(actor, issuer_id, "edit_issuer")
    form = request.form if request.method == "POST" else _profile_values(issuer)
    return render_template("staff/issuer_form.html", issuer=issuer, form=form,
                           errors=errors), 422 if errors else 200


def _profile_values(issuer: Issuer) -> dict[str, str]:
    return {name: getattr(issuer, name) or "" for name in PROFILE_FORM}


@bp.route("/issuers/<issuer_id>/members", methods=["GET", "POST"])
def members(issuer_id: str):
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            member = load_form(MemberIn(), {"email": request.form.get("email", "").strip(),
                                            "role": request.form.get("role", "")})
            membership = services.set_member(actor, issuer_id, **member)
        except ValidationFailed as error:
            errors = field_errors(error)
        else:
            flash(f"{membership.user.email} is now {membership.role} of "
                  f"{membership.issuer.name}.", "success")
            return redirect(url_for(".members", issuer_id=issuer_id))
    issuer = services.get_issuer(actor, issuer_id)
    return render_template(
        "staff/members.html", issuer=issuer, members=services.list_members(actor, issuer_id),
        may_manage=_may_manage_members(actor, issuer), roles=ROLE_HINTS, form=request.form,
        errors=errors), 422 if errors else 200


def _may_manage_members(actor: Actor, issuer: Issuer) -> bool:
    """Whether to offer the form; set_member checks the same rule when it is sent."""
    return may_access(actor, issuer, *PERMISSIONS["manage_members"])
