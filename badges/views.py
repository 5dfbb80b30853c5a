"""API views for badge classes and assertions: parse, call one service, render."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flask import request

from badges import awards, export, services
from badges.awards import AssertionFilter
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
from cairn.csvexport import csv_response, wants_csv
from cairn.errors import ValidationFailed
from cairn.http import Blueprint, PageArgs, decode_cursor, page, page_limit
from issuers.services import get_issuer

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


#: The award lists answer CSV to `Accept: text/csv` (README, "Exports").
CSV_ALTERNATIVE = {"schema": {"type": "string"}, "content_type": "text/csv",
                   "description": "JSON: one page. With `Accept: text/csv`: every matching "
                   "award (no pagination), one row each: " + ", ".join(export.COLUMNS)}


def _assertions(args, filters: AssertionFilter, name: str):
    """A JSON page, or with `Accept: text/csv` every matching award as one CSV download."""
    if wants_csv():
        return csv_response(export.COLUMNS, export.assertion_rows(current_actor(), filters),
                            filename=f"assertions-{name}-{datetime.now(UTC):%Y%m%d}.csv")
    limit = page_limit(args["page"]["limit"])
    before = (decode_cursor(args["page"]["cursor"]) or {}).get("before")
    found = awards.list_assertions(current_actor(), filters, limit=limit, before=before)
    return page(found, limit, lambda assertion: {"before": assertion.id})


@bp.route("/assertions", methods=["GET"])
@bp.arguments(AssertionListArgs, location="query")
@bp.response(200, AssertionPage)
@bp.alt_response(200, **CSV_ALTERNATIVE)
def list_assertions(args):
    return _assertions(args, args["filters"], "all")


@bp.route("/badge-classes/<badge_class_id>/assertions", methods=["GET"])
@bp.arguments(AssertionListArgs, location="query")
@bp.response(200, AssertionPage)
@bp.alt_response(200, **CSV_ALTERNATIVE)
def list_badge_class_assertions(args, badge_class_id):
    services.get_badge_class(current_actor(), badge_class_id)  # 404 when out of reach
    return _assertions(args, replace(args["filters"], badge_class=badge_class_id),
                       badge_class_id)


@bp.route("/issuers/<issuer_id>/assertions", methods=["GET"])
@bp.arguments(AssertionListArgs, location="query")
@bp.response(200, AssertionPage)
@bp.alt_response(200, **CSV_ALTERNATIVE)
def list_issuer_assertions(args, issuer_id):
    get_issuer(current_actor(), issuer_id)  # 404 when out of reach
    return _assertions(args, replace(args["filters"], issuer=issuer_id), issuer_id)


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
