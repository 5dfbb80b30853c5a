"""API views for badge classes and assertions: parse, call one service, render."""

from __future__ import annotations

from flask import request

from badges import awards, services
from badges.images import parse_data_uri
from badges.schemas import (
    AssertionListArgs,
    AssertionOut,
    AssertionPage,
    AwardIn,
    BadgeClassIn,
    BadgeClassOut,
    BadgeClassPage,
    BadgeClassPatch,
    ImageFile,
    RevokeIn,
)
from cairn.auth import current_actor
from cairn.errors import ValidationFailed
from cairn.http import Blueprint, PageArgs, decode_cursor, page, page_limit

bp = Blueprint("badges", __name__, url_prefix="/api/v1",
               description="Badge classes and their assertions (awards).")


def _image_bytes(definition: dict, files: dict, *, required: bool) -> bytes | None:
    """The uploaded image: a multipart file `image`, or a data: URI in the `image` field."""
    upload, data_uri = files.get("image"), definition.pop("image", None)
    if upload is not None:
        return upload.read()
    if data_uri:
        return parse_data_uri(data_uri)[0]
    if required:
        raise ValidationFailed("Badge class is not valid.",
                               {"image": ["Missing data for required field."]})
    return None


@bp.route("/issuers/<issuer_id>/badge-classes", methods=["POST"])
@bp.arguments(BadgeClassIn, location="json_or_form")
@bp.arguments(ImageFile, location="files")
@bp.response(201, BadgeClassOut)
def create_badge_class(definition, files, issuer_id):
    image = _image_bytes(definition, files, required=True)
    return services.create_badge_class(current_actor(), issuer_id, definition, image)


@bp.route("/issuers/<issuer_id>/badge-classes", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, BadgeClassPage)
def list_badge_classes(args, issuer_id):
    limit = page_limit(args["limit"])
    after = (decode_cursor(args["cursor"]) or {}).get("after")
    found = services.list_badge_classes(current_actor(), issuer_id, limit=limit, after=after)
    return page(found, limit, lambda badge_class: {"after": badge_class.id})


@bp.route("/badge-classes/<badge_class_id>", methods=["GET"])
@bp.response(200, BadgeClassOut)
def get_badge_class(badge_class_id):
    return services.get_badge_class(current_actor(), badge_class_id)


@bp.route("/badge-classes/<badge_class_id>", methods=["PATCH"])
@bp.arguments(BadgeClassPatch(partial=True), location="json_or_form")
@bp.arguments(ImageFile, location="files")
@bp.response(200, BadgeClassOut)
def update_badge_class(changes, files, badge_class_id):
    image = _image_bytes(changes, files, required=False)
    return services.update_badge_class(current_actor(), badge_class_id, changes, image)


@bp.route("/badge-classes/<badge_class_id>/assertions", methods=["POST"])
@bp.arguments(AwardIn)
@bp.response(201, AssertionOut)
def award(args, badge_class_id):
    return awards.award_badge(current_actor(), badge_class_id, args["recipient"],
                              args["details"],
                              idempotency_key=request.headers.get("Idempotency-Key"))


@bp.route("/assertions", methods=["GET"])
@bp.arguments(AssertionListArgs, location="query")
@bp.response(200, AssertionPage)
def list_assertions(args):
    limit = page_limit(args["page"]["limit"])
    before = (decode_cursor(args["page"]["cursor"]) or {}).get("before")
    found = awards.list_assertions(current_actor(), args["filters"], limit=limit, before=before)
    return page(found, limit, lambda assertion: {"before": assertion.id})


@bp.route("/assertions/<assertion_id>", methods=["GET"])
@bp.response(200, AssertionOut)
def get_assertion(assertion_id):
    return awards.get_assertion(current_actor(), assertion_id)


@bp.route("/assertions/<assertion_id>/revoke", methods=["POST"])
@bp.arguments(RevokeIn)
@bp.response(200, AssertionOut)
def revoke(args, assertion_id):
    return awards.revoke_assertion(current_actor(), assertion_id, reason=args["reason"])


@bp.route("/assertions/<assertion_id>/suspend", methods=["POST"])
@bp.arguments(RevokeIn)
@bp.response(200, AssertionOut)
def suspend(args, assertion_id):
    return awards.suspend_assertion(current_actor(), assertion_id, reason=args["reason"])


@bp.route("/assertions/<assertion_id>/unsuspend", methods=["POST"])
@bp.response(200, AssertionOut)
def unsuspend(assertion_id):
    return awards.unsuspend_assertion(current_actor(), assertion_id)
