"""Sharing an award from its public page: the link preview (OpenGraph and Twitter card),
LinkedIn's add-to-profile link and a QR code of the page's address.

Everything here is public: it shows the recipient's name at most, never an identity.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import segno

from badges.documents import assertion_url
from badges.models import Assertion
from cairn.errors import NotFound
from cairn.urls import public_url

#: LinkedIn's documented add-to-profile address for a certification ("Add to Profile for
#: Certifications"): the member confirms the pre-filled entry in LinkedIn's own form.
LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
QR_MIMETYPES = {"svg": "image/svg+xml", "png": "image/png"}
#: A name typed as an address would publish that address; such names are not shown.
EMAIL_LIKE = re.compile(r"\S+@\S+\.\S+")
DESCRIPTION_MAX = 300


@dataclass(frozen=True)
class ShareCard:
    """What a link preview shows: OpenGraph and Twitter card fields."""

    title: str
    description: str
    url: str
    image: str | None
    image_alt: str | None
    shareable: bool


def public_recipient_name(assertion: Assertion) -> str | None:
    """The recipient's name as the page may show it: never anything that looks like an
    email address (issuers sometimes type the address into the name field)."""
    name = (assertion.recipient_name or "").strip()
    if not name or EMAIL_LIKE.search(name):
        return None
    return name


def is_shareable(assertion: Assertion) -> bool:
    """A revoked or suspended award keeps its page, but the page stops advertising it."""
    return assertion.revoked_at is None and assertion.suspended_at is None


def share_card(assertion: Assertion) -> ShareCard:
    badge_class, issuer = assertion.badge_class, assertion.issuer
    url = assertion_url(assertion.public_id)
    if not is_shareable(assertion):
        state = "Revoked" if assertion.revoked_at else "Suspended"
        return ShareCard(title=f"{state}: {badge_class.name}",
                         description=f"This badge from {issuer.name} is {state.lower()}.",
                         url=url, image=None, image_alt=None, shareable=False)
    name = public_recipient_name(assertion)
    awarded = f"Awarded to {name} by {issuer.name}" if name else f"Awarded by {issuer.name}"
    description = f"{awarded} on {assertion.issued_on:%d %B %Y}. {badge_class.description}"
    return ShareCard(
        title=badge_class.name, description=_shorten(description), url=url,
        image=public_url(f"/badge-classes/{badge_class.public_id}/image.png"),
        image_alt=f"{badge_class.name} badge image", shareable=True)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[:DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"


def linkedin_add_url(assertion: Assertion) -> str:
    """LinkedIn's add-to-profile link for a certification. LinkedIn takes an
    organizationId or, as here, an organizationName (Cairn knows no LinkedIn ids);
    months are 1-12."""
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": assertion.badge_class.name,
        "organizationName": assertion.issuer.name,
        "issueYear": assertion.issued_on.year,
        "issueMonth": assertion.issued_on.month,
    }
    if assertion.expires_at is not None:
        params |= {"expirationYear": assertion.expires_at.year,
                   "expirationMonth": assertion.expires_at.month}
    params |= {"certUrl": assertion_url(assertion.public_id), "certId": assertion.public_id}
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"


def qr_code(url: str, suffix: str) -> tuple[bytes, str]:
    """A QR code of `url` (error correction M, the usual quiet zone of four modules), as
    SVG for the page or as PNG for print."""
    if suffix not in QR_MIMETYPES:
        raise NotFound("QR codes are served as .svg or .png.")
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    if suffix == "svg":
        code.save(buffer, kind="svg", scale=4, border=4, dark="#1d2433", light="#fff",
                  xmldecl=False, title="QR code of the badge page address")
    else:
        code.save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue(), QR_MIMETYPES[suffix]
