"""Staff pages for awards: award one badge, the award list, and revoking, suspending or
resuming an award after a confirmation page that asks for the reason."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from badges import awards
from badges.errors import IdempotencyConflict
from badges.models import Assertion
from badges.schemas import AwardIn, RevokeIn
from badges.services import get_badge_class
from badges.staff_queries import AWARD_STATUSES, AwardSearch, award_list
from cairn.auth import Actor, current_actor
from cairn.errors import Conflict, ValidationFailed
from cairn.http import decode_cursor, encode_cursor
from cairn.pages import field_errors, load_form, safe_next, staff_blueprint
from recipients.models import IdentityType

bp = staff_blueprint("award_pages", __name__)

PAGE_SIZE = 50
RECIPIENT_TYPES = {IdentityType.email: "Email address", IdentityType.url: "Web address (URL)",
                   IdentityType.did: "DID", IdentityType.telephone: "Telephone number"}
AWARD_FIELDS = ("recipient_type", "identity", "name", "evidence_url", "evidence_narrative",
                "narrative", "expires", "notify")
AWARD_RENAMES = {"recipient.identity": "identity", "recipient.name": "name",
                 "recipient.type": "recipient_type", "recipient": "identity",
                 "evidence.0.narrative": "evidence_narrative", "evidence": "evidence_url"}
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _award_request(form) -> dict[str, Any]:
    """The form as the API's JSON. An expiry date means the end of that day (UTC)."""
    evidence = {key: form.get(f"evidence_{key}", "").strip() for key in ("url", "narrative")}
    expires = form.get("expires", "").strip()
    return {"recipient": {"type": form.get("recipient_type", "email"),
                          "identity": form.get("identity", "").strip(),
                          "name": form.get("name", "").strip() or None},
            "evidence": [{k: v for k, v in evidence.items() if v}] if any(evidence.values())
            else [],
            "narrative": form.get("narrative", "").strip() or None,
            "expires": f"{expires}T23:59:59+00:00" if expires else None,
            "notify": form.get("notify") == "on"}


def _form_key(form) -> str | None:
    """The award form carries a random token used as the Idempotency-Key: a double click
    or a re-sent form returns the first award instead of awarding twice."""
    token = form.get("form_token", "")
    return f"page-award:{token}" if FORM_TOKEN.match(token) else None


@bp.route("/badge-classes/<badge_class_id>/award", methods=["GET", "POST"])
def award(badge_class_id: str):
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            award_in = load_form(AwardIn(), _award_request(request.form))
            assertion = awards.award_badge(actor, badge_class_id, award_in["recipient"],
                                           award_in["details"],
                                           idempotency_key=_form_key(request.form))
        except IdempotencyConflict:
            errors = {"": ["This form was already sent for another award. Check the fields "
                           "and send it again."]}
        except ValidationFailed as error:
            errors = field_errors(error, AWARD_RENAMES, fields=AWARD_FIELDS)
        else:
            flash(f"Awarded {assertion.badge_class.name} to "
                  f"{assertion.recipient_name or assertion.recipient.value}.", "success")
            return redirect(url_for(".awards", issuer_id=assertion.issuer.public_id,
                                    badge_class=badge_class_id))
    badge_class = get_badge_class(actor, badge_class_id, "award")
    form = request.form if request.method == "POST" else {"notify": "on"}
    return render_template("staff/award_form.html", badge_class=badge_class, form=form,
                           errors=errors, recipient_types=RECIPIENT_TYPES,
                           form_token=secrets.token_urlsafe(24)), 422 if errors else 200


@bp.route("/issuers/<issuer_id>/awards", endpoint="awards")
def award_list_page(issuer_id: str):
    status = request.args.get("status", "")
    search = AwardSearch(text=request.args.get("q", "").strip() or None,
                         badge_class=request.args.get("badge_class") or None,
                         status=status if status in AWARD_STATUSES else None)
    before = (decode_cursor(request.args.get("cursor")) or {}).get("before")
    listing = award_list(current_actor(), issuer_id, search, limit=PAGE_SIZE, before=before)
    next_cursor = encode_cursor({"before": listing.awards[-1].id}) if listing.more else None
    return render_template("staff/awards.html", listing=listing, search=search,
                           statuses=AWARD_STATUSES, next_cursor=next_cursor)


#: action -> (service, needs a reason, the flash message's verb)
STATUS_CHANGES = {
    "revoke": (awards.revoke_assertion, True, "Revoked"),
    "suspend": (awards.suspend_assertion, True, "Suspended"),
    "unsuspend": (awards.unsuspend_assertion, False, "Resumed"),
}


def _change_status(actor: Actor, assertion_id: str, action: str, form) -> Assertion:
    service, needs_reason, _ = STATUS_CHANGES[action]
    if not needs_reason:
        return service(actor, assertion_id)
    reason = load_form(RevokeIn(), {"reason": form.get("reason", "").strip()})["reason"]
    return service(actor, assertion_id, reason=reason)


@bp.route("/assertions/<assertion_id>/<any(revoke, suspend, unsuspend):action>",
          methods=["GET", "POST"])
def change_status(assertion_id: str, action: str):
    """GET: what will change, and the reason field; POST: do it."""
    actor = current_actor()
    errors: dict[str, list[str]] = {}
    back = safe_next(request.values.get("next"))
    if request.method == "POST":
        try:
            assertion = _change_status(actor, assertion_id, action, request.form)
        except ValidationFailed as error:
            errors = field_errors(error, fields=("reason",))
        except Conflict as error:  # already revoked, not suspendable, ...
            errors = {"": [error.message]}
        else:
            flash(f"{STATUS_CHANGES[action][2]} {assertion.badge_class.name} of "
                  f"{assertion.recipient_name or assertion.recipient.value}.", "success")
            return redirect(back or url_for(".awards", issuer_id=assertion.issuer.public_id))
    assertion = awards.get_assertion(actor, assertion_id, "revoke")
    back = back or url_for(".awards", issuer_id=assertion.issuer.public_id)
    return render_template("staff/confirm.html", assertion=assertion, action=action,
                           needs_reason=STATUS_CHANGES[action][1], back=back,
                           form=request.form, errors=errors), 422 if errors else 200
