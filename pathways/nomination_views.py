"""API views for nominations: parse, call one service, render."""

from __future__ import annotations

from cairn.auth import current_actor
from cairn.http import Blueprint, decode_cursor, page, page_limit
from pathways import (
    nomination_endorsements,
    nomination_pages,
    nomination_policies,
    nominations,
)
from pathways.nomination_schemas import (
    DecideIn,
    EndorseIn,
    EndorsementOut,
    NominationIn,
    NominationListArgs,
    NominationOut,
    NominationPage,
    PolicyIn,
    PolicyOut,
    ValidatableList,
)

bp = Blueprint("nominations", __name__, url_prefix="/api/v1",
               description="Nominations: proposals that a person receive a badge.")
#: The public and validators' pages, registered with the other pages in cairn/app.py.
pages = nomination_pages.bp


@bp.route("/nominations", methods=["POST"])
@bp.arguments(NominationIn)
@bp.response(201, NominationOut)
def nominate(args):
    return nominations.nominate(current_actor(), args["badge_class"], args["nominee"],
                                args["statement"])


@bp.route("/nominations", methods=["GET"])
@bp.arguments(NominationListArgs, location="query")
@bp.response(200, NominationPage)
def list_nominations(args):
    limit = page_limit(args["page"]["limit"])
    before = (decode_cursor(args["page"]["cursor"]) or {}).get("before")
    found = nominations.list_nominations(current_actor(), args["filters"], limit=limit,
                                         before=before)
    return page(found, limit, lambda nomination: {"before": nomination.id})


@bp.route("/nominations/validatable", methods=["GET"])
@bp.response(200, ValidatableList)
def validatable():
    """The open nominations the token's user may endorse or object to (as the person who
    verified the user's email address), newest first, at most 200."""
    return {"items": nomination_endorsements.validatable_for_user(current_actor())}


@bp.route("/nominations/<nomination_id>", methods=["GET"])
@bp.response(200, NominationOut)
def get_nomination(nomination_id):
    return nominations.get_nomination(current_actor(), nomination_id)


@bp.route("/nominations/<nomination_id>/endorse", methods=["POST"])
@bp.arguments(EndorseIn)
@bp.response(201, EndorsementOut)
def endorse(stance, nomination_id):
    return nomination_endorsements.endorse_as_user(current_actor(), nomination_id, stance)


@bp.route("/nominations/<nomination_id>/decide", methods=["POST"])
@bp.arguments(DecideIn)
@bp.response(200, NominationOut)
def decide(args, nomination_id):
    return nominations.decide(current_actor(), nomination_id,
                              approve=args["decision"] == "approve", note=args["note"],
                              notify=args["notify"])


@bp.route("/nominations/<nomination_id>/withdraw", methods=["POST"])
@bp.response(200, NominationOut)
def withdraw(nomination_id):
    return nominations.withdraw(current_actor(), nomination_id)


@bp.route("/badge-classes/<badge_class_id>/nomination-policy", methods=["GET"])
@bp.response(200, PolicyOut)
def get_policy(badge_class_id):
    return nomination_policies.get_policy(current_actor(), badge_class_id)


@bp.route("/badge-classes/<badge_class_id>/nomination-policy", methods=["PUT"])
@bp.arguments(PolicyIn)
@bp.response(200, PolicyOut)
def set_policy(args, badge_class_id):
    return nomination_policies.set_policy(current_actor(), badge_class_id, **args)
