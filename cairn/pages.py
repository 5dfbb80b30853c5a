"""Sign in and out of the pages (session cookie, CSRF-protected forms), and what every
staff page shares: sign-in required, errors shown as pages, form errors beside fields.

Staff pages act through `current_actor()` like the API, so an issuer's roles apply in
the services; a page for an issuer out of reach answers 404, as the API does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from cairn.auth import optional_actor
from cairn.db import db
from cairn.errors import CairnError, ValidationFailed
from cairn.users import User, authenticate_password

bp = Blueprint("pages", __name__)

#: Where a person lands after signing in when no page asked for it.
AFTER_SIGN_IN = "issuer_pages.issuers"


@bp.route("/")
def home():
    return render_template("home.html", actor=optional_actor())


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        user = authenticate_password(request.form.get("email", ""),
                                     request.form.get("password", ""))
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            return redirect(target or url_for(AFTER_SIGN_IN))
        error = "That email and password do not match an account."
    status = 401 if error else 200
    # The form posts back to this URL, so `next` in its query string survives.
    return render_template("auth/login.html", error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("pages.home"))


def safe_next(target: str | None) -> str | None:
    """A local path to return to, or None: an absolute or scheme-relative URL
    (`//evil.example`, `/\\evil.example`) would send a person to another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def signed_in_user() -> User | None:
    actor = optional_actor()
    return db.session.get(User, actor.user_id) if actor is not None else None


@bp.app_context_processor
def _staff_context() -> dict[str, Any]:
    return {"signed_in_user": signed_in_user}


# --- what staff pages share ---------------------------------------------------------------

def staff_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of staff pages under /manage: signed-in people only, and errors rendered
    as pages (or JSON for the scripts that ask for it) instead of the API's JSON."""
    staff = Blueprint(name, import_name, url_prefix="/manage")
    staff.before_request(_require_sign_in)
    staff.register_error_handler(CairnError, _error_page)
    staff.register_error_handler(CSRFError, _csrf_page)
    staff.register_error_handler(RequestEntityTooLarge, _too_large_page)
    return staff


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def _require_sign_in():
    if optional_actor() is not None:
        return None
    if _wants_json():
        return jsonify({"code": "unauthorized", "message": "Sign in again."}), 401
    return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))


def _too_large_page(error: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = (f"The file is larger than the {limit} MB an upload may be. Split it into "
               "several files, or remove columns Cairn does not read.")
    if _wants_json():
        return jsonify({"code": "payload_too_large", "message": message, "errors": {}}), 413
    return render_template("staff/error.html", status=413, message=message), 413


def _error_page(error: CairnError):
    if error.status == 401:
        return _require_sign_in()
    if _wants_json():
        return jsonify(error.to_dict()), error.status
    return render_template("staff/error.html", status=error.status,
                           message=error.message), error.status


def _csrf_page(error: CSRFError):
    message = ("This form had expired or did not come from Cairn, so nothing was changed. "
               "Go back, reload the page and try again.")
    return render_template("staff/error.html", status=400, message=message), 400


def load_form(schema: ma.Schema, values: dict[str, Any]) -> dict[str, Any]:
    """Check a form, shaped as the API's JSON, with the API's schema: one set of rules."""
    try:
        return schema.load(values)
    except ma.ValidationError as error:
        raise ValidationFailed("Some fields need fixing.",
                               error.normalized_messages()) from error


def field_errors(error: CairnError, renames: Mapping[str, str] | None = None, *,
                 fields: Iterable[str] = ()) -> dict[str, list[str]]:
    """A service error's per-field messages keyed by form field: nested keys are joined
    with dots (`recipient.identity`), then renamed to the form's names (a rename of
    `tags` covers `tags.3` too). Messages for no field of the form (when `fields` are
    given) or for none at all go under "", which the form shows above its fields."""
    known = set(fields)
    renamed: dict[str, list[str]] = {}
    for key, messages in flatten_errors(error.errors).items():
        name = _rename(key, renames or {})
        renamed.setdefault(name if not known or name in known else "", []).extend(messages)
    if not renamed:
        renamed[""] = [error.message]
    return renamed


def _rename(key: str, renames: Mapping[str, str]) -> str:
    for old, new in renames.items():
        if key == old or key.startswith(old + "."):
            return new
    return key


def flatten_errors(errors: Any) -> dict[str, list[str]]:
    """Nested error messages ({"recipient": {"identity": [...]}}) keyed by dotted path."""
    flat: dict[str, list[str]] = {}
    _flatten(errors, "", flat)
    return flat


def _flatten(errors: Any, prefix: str, into: dict[str, list[str]]) -> None:
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), into)
    elif isinstance(errors, list | tuple):
        for item in errors:
            _flatten(item, prefix, into)
    else:
        into.setdefault(prefix, []).append(str(errors))
