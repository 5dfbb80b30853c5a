"""Public badge documents and pages: badge classes, hosted and signed assertions, baked
images and the issuer's revocation list. No authentication; content-negotiated."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from badges import awards, services
from badges.baked import badge_class_image, baked_image
from badges.documents import (
    assertion_url,
    assertion_urls,
    badge_class_ob2,
    hosted_assertion_ob2,
    revoked_assertion_ob2,
)
from cairn.http import json_document, wants_html
from credentials import ob2
from issuers.documents import issuer_url, revocation_list_url
from issuers.services import get_public_issuer

bp = Blueprint("badges_public", __name__)


@bp.route("/badge-classes/<badge_class_id>")
def badge_class_document(badge_class_id: str):
    badge_class = services.get_public_badge_class(badge_class_id)
    if wants_html():
        return render_template("badges/badge_class.html", badge_class=badge_class)
    return json_document(badge_class_ob2(badge_class), max_age=300)


@bp.route("/badge-classes/<badge_class_id>/image.<suffix>")
def badge_class_image_file(badge_class_id: str, suffix: str):
    data, mimetype = badge_class_image(services.get_public_badge_class(badge_class_id), suffix)
    return _image_response(data, mimetype)


@bp.route("/assertions/<assertion_id>")
def assertion_document(assertion_id: str):
    """The OB 2.0 hosted assertion; 410 Gone with revoked: true once revoked."""
    assertion = awards.get_public_assertion(assertion_id)
    status = 410 if assertion.revoked else 200
    if wants_html():
        return render_template("badges/assertion.html", assertion=assertion,
                               urls=assertion_urls(assertion)), status
    if assertion.revoked:
        return json_document(revoked_assertion_ob2(assertion), status=410)
    return json_document(hosted_assertion_ob2(assertion))


@bp.route("/assertions/<assertion_id>/signed")
def signed_assertion(assertion_id: str):
    assertion = awards.get_public_assertion(assertion_id)
    response = Response(assertion.signed_jws, mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/assertions/<assertion_id>/image.<suffix>")
def assertion_image(assertion_id: str, suffix: str):
    assertion = awards.get_public_assertion(assertion_id)
    signed = request.args.get("form") == "signed"
    data, mimetype = baked_image(assertion, suffix, signed=signed)
    return _image_response(data, mimetype)


@bp.route("/issuers/<issuer_id>/revocations")
def revocation_list(issuer_id: str):
    """OB 2.0 RevocationList: both the hosted and the signed id of each revoked award."""
    issuer = get_public_issuer(issuer_id)
    revoked = []
    for public_id, signed_id, reason in awards.revoked_for_issuer(issuer):
        revoked += [(signed_id, reason), (assertion_url(public_id), reason)]
    document = ob2.revocation_list_document(id=revocation_list_url(issuer_id),
                                            issuer=issuer_url(issuer_id), revoked=revoked)
    return json_document(document, max_age=60)


def _image_response(data: bytes, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
