"""Public badge documents and pages: badge classes, hosted and signed assertions, baked
images and the issuer's revocation list. No authentication; content-negotiated."""

from __future__ import annotations

import json

from blinker import ANY
from flask import Blueprint, Response, current_app, render_template, request

from badges import awards, services, sharing, signed_forms
from badges.baked import badge_class_image, baked_credential_image, baked_image
from badges.credentials import achievement_ob3
from badges.documents import (
    assertion_url,
    assertion_urls,
    badge_class_ob2,
    hosted_assertion_ob2,
    revoked_assertion_ob2,
)
from badges.errors import AssertionNotFound
from badges.hosted_cache import hosted_documents
from badges.queries import find_hosted
from badges.signals import assertion_revoked
from badges.status import PURPOSES, revocation_list_document, status_list_credential
from cairn.errors import NotFound
from cairn.http import json_document, json_document_bytes, wants_html
from credentials import ob2, ob3
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
    if wants_html():
        assertion = awards.get_public_assertion(assertion_id)
        return render_template("badges/assertion.html", assertion=assertion,
                               urls=assertion_urls(assertion), card=sharing.share_card(assertion),
                               recipient_name=sharing.public_recipient_name(assertion),
                               linkedin_url=sharing.linkedin_add_url(assertion)
                               ), 410 if assertion.revoked else 200
    cached = hosted_documents.get(assertion_id, current_app.config["HOSTED_CACHE_SECONDS"])
    if cached is None:
        row = find_hosted(assertion_id)
        if row is None:
            raise AssertionNotFound("No such assertion.")
        document = revoked_assertion_ob2(row) if row.revoked_at else hosted_assertion_ob2(row)
        cached = (json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
                  410 if row.revoked_at else 200)
        hosted_documents.put(assertion_id, *cached)
    return json_document_bytes(cached[0], status=cached[1])


@bp.route("/assertions/<assertion_id>/qr.<suffix>")
def assertion_qr_code(assertion_id: str, suffix: str):
    """A QR code of the badge page's public address (on CAIRN_BASE_URL)."""
    assertion = awards.get_public_assertion(assertion_id)
    data, mimetype = sharing.qr_code(assertion_url(assertion.public_id), suffix)
    response = _image_response(data, mimetype)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@assertion_revoked.connect_via(ANY, weak=False)
def _forget_revoked(assertion, **extra) -> None:
    hosted_documents.drop(assertion.public_id)


@bp.route("/badge-classes/<badge_class_id>/ob3")
def achievement_document(badge_class_id: str):
    """The OB 3.0 Achievement, as embedded in the credentials that award it."""
    achievement = achievement_ob3(services.get_public_badge_class(badge_class_id))
    return json_document({"@context": [ob3.VC_V2, ob3.OB_V3], **achievement}, max_age=300)


@bp.route("/assertions/<assertion_id>/credential")
def credential_document(assertion_id: str):
    """The OB 3.0 credential with its Data Integrity proof, exactly as signed (JSON for
    browsers too: people download it; the badge page is the assertion URL)."""
    assertion = awards.get_public_assertion(assertion_id)
    response = Response(assertion.credential, mimetype="application/vc+ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


@bp.route("/assertions/<assertion_id>/credential.jwt")
def credential_jwt(assertion_id: str):
    """The credential as a VC-JWT: RS256 by default, `?alg=EdDSA` for Ed25519."""
    assertion = awards.get_public_assertion(assertion_id)
    token = signed_forms.credential_jwt(
        assertion, algorithm="EdDSA" if request.args.get("alg") == "EdDSA" else "RS256")
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/issuers/<issuer_id>/status/1edtech-revocations")
def revocation_list_1edtech(issuer_id: str):
    return json_document(revocation_list_document(get_public_issuer(issuer_id)), max_age=0)


@bp.route("/issuers/<issuer_id>/status/<purpose>-<int:group>")
def status_list(issuer_id: str, purpose: str, group: int):
    if purpose not in PURPOSES:
        raise NotFound("No such status list.")
    document = status_list_credential(get_public_issuer(issuer_id), purpose, group)
    response = json_document(document, max_age=0)
    response.mimetype = "application/vc+ld+json"
    return response


@bp.route("/assertions/<assertion_id>/signed")
def signed_assertion(assertion_id: str):
    assertion = awards.get_public_assertion(assertion_id)
    response = Response(signed_forms.signed_jws(assertion), mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/assertions/<assertion_id>/image.<suffix>")
def assertion_image(assertion_id: str, suffix: str):
    assertion = awards.get_public_assertion(assertion_id)
    signed = request.args.get("form") == "signed"
    if request.args.get("v") == "3":
        data, mimetype = baked_credential_image(assertion, suffix, jwt=signed)
    else:
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
