"""Staff pages to review nominations: the queue per issuer, one nomination with its
endorsements and objections, and the decision; and a badge class's nomination policy.

- `/manage/issuers/<id>/nominations`: the queue, for anyone with a role at the issuer
  (open nominations by default; filters by status and badge class; newest first).
- `/manage/nominations/<id>`: one nomination; editors approve or reject it there
  (`/decide`, CSRF-protected forms calling `nominations.decide`).
- `/manage/badge-classes/<id>/nomination-policy`: the policy; editors set it through
  `nomination_policies.set_policy`.

Viewers and awarders see everything but the forms; their POST is a 403 page. Another
issuer's nomination is a 404, as in the API.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from badges.errors import BadgeClassNotFound
from cairn.auth import current_actor
from cairn.errors import Conflict, ValidationFailed
from cairn.http import decode_cursor, encode_cursor
from cairn.pages import field_errors, load_form, staff_blueprint
from pathways.nomination_models import STATUSES
from pathways.nomination_policies import set_policy
from pathways.nomination_review_queries import (
    nomination_review,
    open_nomination_count,
    policy_view,
    require_editor,
    review_queue,
)
from pathways.nomination_schemas import DecideIn, PolicyIn
from pathways.nominations import decide

bp = staff_blueprint("nomination_review", __name__)

PAGE_SIZE = 25
#: The queue's status filter: a status, or "all"; none given means open.
ANY_STATUS = "all"
#: Each decision's note field on the page (two forms on one page need distinct ids).
NOTE_FIELDS = {"approve": "approve_note", "reject": "reject_note"}
POLICY_FIELDS = ("validator_badge_class", "min_endorsements", "accepting")
#: The policy form's minimum for a badge class without a policy yet.
DEFAULT_MIN_ENDORSEMENTS = 1


@bp.app_context_processor
def _nomination_links() -> dict:
    """The issuer and badge class staff pages (in badges) link here with the open count;
    badges cannot import pathways, so the count reaches their templates this way."""
    return {"open_nomination_count": open_nomination_count}


@bp.route("/issuers/<issuer_id>/nominations")
def queue(issuer_id: str):
    status = request.args.get("status") or "open"
    badge_class = request.args.get("badge_class") or None
    before = (decode_cursor(request.args.get("cursor")) or {}).get("before")
    found = review_queue(current_actor(), issuer_id, badge_class=badge_class,
                         status=status if status in STATUSES else None,
                         limit=PAGE_SIZE, before=before)
    next_cursor = (encode_cursor({"before": found.rows[-1].nomination.id})
                   if found.more else None)
    return render_template("nominations/review/queue.html", queue=found,
                           status=status if status in STATUSES else ANY_STATUS,
                           statuses=STATUSES, next_cursor=next_cursor)


@bp.route("/nominations/<nomination_id>")
def nomination(nomination_id: str):
    return _nomination_page(nomination_id)


def _nomination_page(nomination_id: str, *, decision: str | None = None, form=None,
                     errors=None, status: int = 200):
    review = nomination_review(current_actor(), nomination_id)
    return render_template(
        "nominations/review/nomination.html", review=review, nomination=review.nomination,
        decision=decision, form=form if form is not None else {"notify": "on"},
        errors=errors or {}), status


@bp.route("/nominations/<nomination_id>/decide", methods=["POST"])
def decide_nomination(nomination_id: str):
    actor = current_actor()
    review = nomination_review(actor, nomination_id)  # 404 outside the issuer
    require_editor(actor, review.nomination.badge_class.issuer)
    decision = request.form.get("decision", "")
    note = request.form.get(NOTE_FIELDS.get(decision, ""), "").strip()
    try:
        args = load_form(DecideIn(), {"decision": decision, "note": note or None,
                                      "notify": request.form.get("notify") == "on"})
        decided = decide(actor, nomination_id, approve=args["decision"] == "approve",
                         note=args["note"], notify=args["notify"])
    except ValidationFailed as error:
        errors = field_errors(error, {"note": NOTE_FIELDS.get(decision, "note")},
                              fields=NOTE_FIELDS.values())
        return _nomination_page(nomination_id, decision=decision, form=request.form,
                                errors=errors, status=422)
    except Conflict as error:  # decided already, too few endorsements, held already
        return _nomination_page(nomination_id, decision=decision, form=request.form,
                                errors={"": [error.message]}, status=409)
    who = decided.nominee_name or "the nominee"
    flash(f"Approved: {decided.badge_class.name} is awarded to {who}." if decided.assertion
          else f"Rejected the nomination of {who}.", "success")
    return redirect(url_for(".nomination", nomination_id=nomination_id), code=303)


@bp.route("/badge-classes/<badge_class_id>/nomination-policy", methods=["GET", "POST"])
def policy(badge_class_id: str):
    actor = current_actor()
    view = policy_view(actor, badge_class_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        require_editor(actor, view.badge_class.issuer)
        try:
            saved = set_policy(actor, badge_class_id, **_load_policy_form())
        except ValidationFailed as error:
            errors = field_errors(error, fields=POLICY_FIELDS)
        except BadgeClassNotFound as error:
            if "validator_badge_class" not in error.errors:
                raise
            errors = field_errors(error, fields=POLICY_FIELDS)
        else:
            flash(f"Saved: “{saved.badge_class.name}” "
                  f"{'accepts' if saved.accepting else 'does not accept'} nominations.",
                  "success")
            return redirect(url_for(".policy", badge_class_id=badge_class_id), code=303)
    form = request.form if request.method == "POST" else _policy_values(view.policy)
    return render_template("nominations/review/policy.html", view=view,
                           badge_class=view.badge_class, form=form, errors=errors), \
        422 if errors else 200


def _load_policy_form() -> dict:
    """The form as the API's JSON (an unticked checkbox is not sent), checked by the API's
    schema; an unchosen validator badge class gets a message in the form's words."""
    values = {"validator_badge_class": request.form.get("validator_badge_class", "").strip(),
              "min_endorsements": request.form.get("min_endorsements", "").strip(),
              "accepting": request.form.get("accepting") == "on"}
    if not values["validator_badge_class"]:
        raise ValidationFailed("Some fields need fixing.", {
            "validator_badge_class": ["Choose the badge class whose holders validate."]})
    return load_form(PolicyIn(), values)


def _policy_values(policy) -> dict[str, str]:
    if policy is None:
        return {"min_endorsements": str(DEFAULT_MIN_ENDORSEMENTS), "accepting": "on"}
    return {"validator_badge_class": policy.validator_badge_class.public_id,
            "min_endorsements": str(policy.min_endorsements),
            "accepting": "on" if policy.accepting else ""}
