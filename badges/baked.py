"""Baked badge images: the badge class's image carrying an award (OB 2.0 §Baking).

A PNG image is baked as PNG directly and wrapped in an SVG for `.svg`; an SVG image is
baked as SVG directly and baked into its rasterised PNG (made once, on upload) for `.png`.
"""

from __future__ import annotations

import json

from badges.documents import assertion_url, hosted_assertion_ob2
from badges.models import Assertion, BadgeClass
from badges.signed_forms import credential_jwt, signed_jws
from cairn.errors import NotFound
from credentials.baking import bake_png, bake_svg_ob2, bake_svg_ob3, png_in_svg

MIMETYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _check_suffix(suffix: str) -> str:
    if suffix not in MIMETYPES:
        raise NotFound("Images are served as .png or .svg.")
    return MIMETYPES[suffix]


def badge_class_image(badge_class: BadgeClass, suffix: str) -> tuple[bytes, str]:
    return _plain_image(badge_class, suffix), _check_suffix(suffix)


def _plain_image(badge_class: BadgeClass, suffix: str) -> bytes:
    _check_suffix(suffix)
    if suffix == "png":
        return badge_class.image_png
    if badge_class.image_type == "image/svg+xml":
        return badge_class.image
    return png_in_svg(badge_class.image_png, badge_class.image_width or 256,
                      badge_class.image_height or 256)


def baked_image(assertion: Assertion, suffix: str, *, signed: bool) -> tuple[bytes, str]:
    """The image with the hosted assertion (JSON) or the signed one (JWS) baked in."""
    mimetype = _check_suffix(suffix)
    image = _plain_image(assertion.badge_class, suffix)
    if signed:
        if suffix == "png":
            return bake_png(image, "openbadges", signed_jws(assertion)), mimetype
        return bake_svg_ob2(image, verify=signed_jws(assertion)), mimetype
    hosted = json.dumps(hosted_assertion_ob2(assertion), separators=(",", ":"))
    if suffix == "png":
        return bake_png(image, "openbadges", hosted), mimetype
    return bake_svg_ob2(image, verify=assertion_url(assertion.public_id),
                        assertion_json=hosted), mimetype


def baked_credential_image(assertion: Assertion, suffix: str, *, jwt: bool) -> tuple[bytes, str]:
    """The image with the OB 3.0 credential baked in (OB 3.0 §5.3): the signed JSON, or
    with `jwt` the RS256 VC-JWT."""
    mimetype = _check_suffix(suffix)
    image = _plain_image(assertion.badge_class, suffix)
    carried = credential_jwt(assertion) if jwt else assertion.credential
    if suffix == "png":
        return bake_png(image, "openbadgecredential", carried), mimetype
    if jwt:
        return bake_svg_ob3(image, jwt=carried), mimetype
    return bake_svg_ob3(image, credential_json=carried), mimetype
