"""Verify any Open Badges 2.0 or 3.0 badge, from any issuer, for anyone: `POST /api/v1/verify`
(no token) and the public page `/verify` (credentials.md, "Verification").

Both run `credentials.verification.verify_badge` with the network policy of the app
(`VERIFY_ALLOW_PRIVATE`) and share one in-process token bucket per client address
(`VERIFY_RATE_PER_MINUTE`; 0 turns the limit off): verifying makes Cairn fetch documents
from anywhere, so nobody may make it do so without bound.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask import Blueprint as PageBlueprint
from flask import current_app, render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import TooManyRequests

from cairn.errors import CairnError, PayloadTooLarge, ValidationFailed
from cairn.http import Blueprint, ErrorSchema
from cairn.ratelimit import throttle_wait
from credentials.fetch import FetchPolicy
from credentials.verification import HttpFetcher, Recipient, Report, verify_badge
from credentials.verification.detect import MAX_TEXT

#: Largest baked image accepted: badge images are at most IMAGE_MAX_BYTES, plus the badge.
MAX_IMAGE_BYTES = 4 * 1024 * 1024
RECIPIENT_TYPES = ("email", "url", "telephone", "did", "id")

bp = Blueprint("verify", __name__, url_prefix="/api/v1",
               description="Verify any Open Badges 2.0 or 3.0 badge; no token needed.")
pages = PageBlueprint("verify_page", __name__)


class VerifyRecipientIn(ma.Schema):
    type = ma.fields.String(load_default="email", validate=ma.validate.OneOf(RECIPIENT_TYPES))
    identity = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class VerifyIn(ma.Schema):
    """JSON, or multipart/form-data with a `file` (and `recipient` as JSON text)."""

    credential = ma.fields.Raw(load_default=None, metadata={
        "description": "An OB 2.0 assertion or OB 3.0 credential (JSON object), or a compact "
                       "JWS / VC-JWT string."})
    url = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=2048),
                           metadata={"description": "Where the badge is published."})
    recipient = ma.fields.Nested(VerifyRecipientIn, load_default=None, metadata={
        "description": "An identity to compare with the badge's recipient."})

    @ma.pre_load
    def _from_form(self, data, **kwargs):
        if hasattr(data, "getlist"):
            data = {key: data[key] for key in data}
            if isinstance(data.get("recipient"), str):
                try:
                    data["recipient"] = json.loads(data["recipient"])
                except ValueError as error:
                    raise ma.ValidationError("Not valid JSON.", "recipient") from error
        return data


class VerifyFile(ma.Schema):
    file = ma.fields.Raw(load_default=None, metadata={
        "type": "string", "format": "binary", "description": "A baked PNG or SVG."})


class CheckOut(ma.Schema):
    name = ma.fields.String(metadata={"description": "fetch, image, format, proof, "
                                                     "jwt_claims, key_binding, validity, "
                                                     "status or recipient"})
    ok = ma.fields.Boolean()
    detail = ma.fields.String()


class VerifyOut(ma.Schema):
    valid = ma.fields.Boolean(metadata={"description": "True when every check passed."})
    format = ma.fields.String(allow_none=True, metadata={
        "description": "ob2-hosted, ob2-signed, ob3-di or ob3-jwt; null when the badge "
                       "could not be fetched."})
    checks = ma.fields.List(ma.fields.Nested(CheckOut))
    credential = ma.fields.Dict(allow_none=True, metadata={
        "description": "The assertion or credential checked (a JWT's payload)."})
    warnings = ma.fields.List(ma.fields.String())
    badge = ma.fields.Dict(metadata={"description": "Name, description, image and issuer, "
                                                    "when known."})


def _throttle_wait() -> float:
    return throttle_wait("verify", int(current_app.config.get("VERIFY_RATE_PER_MINUTE", 60) or 0))


@bp.before_request
def _throttle() -> None:
    wait = _throttle_wait()
    if wait:
        raise TooManyRequests("Too many verifications from this address; try again soon.",
                              retry_after=math.ceil(wait))


def _image(upload: FileStorage | None) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    content = upload.stream.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"The image is larger than {MAX_IMAGE_BYTES // 1024} KiB.",
                              {"file": ["Too large."]})
    return content


def _run(*, credential: Any, url: str | None, image: bytes | None,
         recipient: Recipient | None) -> Report:
    if isinstance(credential, dict | list) and len(json.dumps(credential)) > MAX_TEXT:
        raise PayloadTooLarge("The credential is too large to be a badge.",
                              {"credential": ["Too large."]})
    allow_private = bool(current_app.config.get("VERIFY_ALLOW_PRIVATE", False))
    own = urlsplit(current_app.config["BASE_URL"])
    return verify_badge(credential=credential, url=url, image=image, recipient=recipient,
                        fetcher=HttpFetcher(FetchPolicy(
                            allow_private=allow_private,
                            trusted_origins=frozenset({f"{own.scheme}://{own.netloc}"}))))


@bp.route("/verify", methods=["POST"])
@bp.arguments(VerifyIn, location="json_or_form")
@bp.arguments(VerifyFile, location="files")
@bp.response(200, VerifyOut)
@bp.alt_response(422, schema=ErrorSchema, description="`unreadable_badge`: the input is no "
                 "badge in any known form; `validation_failed`: not one of credential, url, "
                 "file.")
@bp.alt_response(413, schema=ErrorSchema, description="`payload_too_large`")
@bp.alt_response(429, schema=ErrorSchema, description="`too_many_requests` (rate limit per "
                 "client address; see Retry-After)")
def verify(args, files):
    """200 whenever a verification ran, whatever its outcome."""
    image = _image(files.get("file"))
    given = [name for name, value in (("credential", args["credential"]), ("url", args["url"]),
                                      ("file", image)) if value is not None]
    if len(given) != 1:
        message = "Give exactly one of credential, url or file."
        raise ValidationFailed(message, {name: [message] for name in given or ["credential"]})
    recipient = Recipient(**args["recipient"]) if args["recipient"] else None
    return _run(credential=args["credential"], url=args["url"], image=image,
                recipient=recipient).to_dict()


@pages.route("/verify", methods=["GET", "POST"])
def verify_page():
    """GET `/verify?url=...` checks that address at once: badge pages link here."""
    if request.method == "GET" and not request.args.get("url"):
        return render_template("verify/verify.html", report=None, error=None, form={})
    form = request.form if request.method == "POST" else request.args
    wait = _throttle_wait()
    if wait:
        return _page(f"Too many verifications from your address; try again in "
                     f"{math.ceil(wait)} seconds.", 429, form)
    upload = request.files.get("file")
    text, url = form.get("credential", "").strip(), form.get("url", "").strip()
    chosen = [bool(text), bool(url), bool(upload and upload.filename)]
    if sum(chosen) != 1:
        return _page("Give one badge: paste it, give its URL, or upload its image.", 400, form)
    email = form.get("recipient", "").strip()
    try:
        report = _run(credential=text or None, url=url or None, image=_image(upload),
                      recipient=Recipient("email", email) if email else None)
    except CairnError as error:
        return _page(error.message, error.status, form)
    return render_template("verify/verify.html", report=report.to_dict(), error=None,
                           form=form)


def _page(error: str, status: int, form):
    return render_template("verify/verify.html", report=None, error=error, form=form), status
