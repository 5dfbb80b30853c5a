"""Staff pages: an issuer's page, and defining badge classes with their image."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from badges import services
from badges.images import ImageRejected, ImageTooLarge
from badges.models import BadgeClass
from badges.schemas import BadgeClassIn
from badges.staff_queries import allowed_actions, issuer_overview
from cairn.auth import current_actor
from cairn.errors import ValidationFailed
from cairn.pages import field_errors, load_form, staff_blueprint
from issuers.services import get_issuer

bp = staff_blueprint("badge_pages", __name__)

#: What the person can fix by changing the form (anything else is an error page).
FORM_ERRORS = (ValidationFailed, ImageRejected, ImageTooLarge)
#: API field names -> the form's.
RENAMES = {"criteria.narrative": "criteria_narrative", "criteria.url": "criteria_url",
           "criteria": "criteria_narrative"}


@bp.route("/issuers/<issuer_id>")
def issuer(issuer_id: str):
    return render_template("staff/issuer.html",
                           overview=issuer_overview(current_actor(), issuer_id))


def _definition(form) -> dict[str, Any]:
    """The form as the API's JSON: empty criteria parts are left out (the schema asks for
    at least one), tags are comma-separated."""
    criteria = {key: form.get(f"criteria_{key}", "").strip() for key in ("narrative", "url")}
    return {"name": form.get("name", "").strip(),
            "description": form.get("description", "").strip(),
            "criteria": {key: value for key, value in criteria.items() if value},
            "tags": [tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()],
            "expires_after_days": form.get("expires_after_days", "").strip() or None,
            "suspendable": form.get("suspendable") == "on"}


def _uploaded_image() -> bytes | None:
    upload = request.files.get("image")
    return upload.read() if upload is not None and upload.filename else None


@bp.route("/issuers/<issuer_id>/badge-classes/new", methods=["GET", "POST"])
def new_badge_class(issuer_id: str):
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            badge_class = services.create_badge_class(
                actor, issuer_id, load_form(BadgeClassIn(), _definition(request.form)),
                _uploaded_image() or b"")
        except FORM_ERRORS as error:
            errors = field_errors(error, RENAMES)
        else:
            flash(f"Created the badge class {badge_class.name}.", "success")
            return redirect(url_for(".badge_class", badge_class_id=badge_class.public_id))
    issuer = get_issuer(actor, issuer_id, "edit_badges")
    return render_template("staff/badge_class_form.html", issuer=issuer, badge_class=None,
                           form=request.form, errors=errors), 422 if errors else 200


@bp.route("/badge-classes/<badge_class_id>")
def badge_class(badge_class_id: str):
    actor = current_actor()
    found = services.get_badge_class(actor, badge_class_id)
    return render_template("staff/badge_class.html", badge_class=found,
                           allowed=allowed_actions(actor, found.issuer))


@bp.route("/badge-classes/<badge_class_id>/edit", methods=["GET", "POST"])
def edit_badge_class(badge_class_id: str):
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            changes = load_form(BadgeClassIn(), _definition(request.form))
            changes.pop("alignments")  # not on the form: keep the class's own
            changed = services.update_badge_class(actor, badge_class_id, changes,
                                                  _uploaded_image())
        except FORM_ERRORS as error:
            errors = field_errors(error, RENAMES)
        else:
            flash(f"Saved the badge class {changed.name}.", "success")
            return redirect(url_for(".badge_class", badge_class_id=badge_class_id))
    found = services.get_badge_class(actor, badge_class_id, "edit_badges")
    form = request.form if request.method == "POST" else _definition_values(found)
    return render_template("staff/badge_class_form.html", issuer=found.issuer,
                           badge_class=found, form=form, errors=errors), \
        422 if errors else 200


def _definition_values(badge_class: BadgeClass) -> dict[str, Any]:
    return {"name": badge_class.name, "description": badge_class.description,
            "criteria_narrative": badge_class.criteria_narrative or "",
            "criteria_url": badge_class.criteria_url or "",
            "tags": ", ".join(badge_class.tags or []),
            "expires_after_days": badge_class.expires_after_days or "",
            "suspendable": "on" if badge_class.suspendable else ""}
