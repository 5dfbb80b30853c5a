"""OB 2.0 documents of badge classes and assertions, from the models."""

from __future__ import annotations

from typing import Any

from badges.models import Assertion, BadgeClass
from badges.queries import HostedRow
from cairn.urls import public_url
from credentials import ob2
from issuers.documents import issuer_url, key_url
from recipients.models import IdentityType

IMAGE_SUFFIX = {"image/png": "png", "image/svg+xml": "svg"}
#: OB 2.0 knows email, url and telephone identities; a DID is a URL there.
OB2_IDENTITY_TYPES = {IdentityType.email: "email", IdentityType.url: "url",
                      IdentityType.telephone: "telephone", IdentityType.did: "url"}


def badge_class_url(public_id: str) -> str:
    return public_url(f"/badge-classes/{public_id}")


def badge_class_image_url(badge_class: BadgeClass) -> str:
    suffix = IMAGE_SUFFIX[badge_class.image_type]
    return public_url(f"/badge-classes/{badge_class.public_id}/image.{suffix}")


def badge_class_ob3_url(public_id: str) -> str:
    """The OB 3.0 Achievement id (the OB 2.0 BadgeClass keeps the plain URL)."""
    return public_url(f"/badge-classes/{public_id}/ob3")


def assertion_url(public_id: str) -> str:
    return public_url(f"/assertions/{public_id}")


def credential_url(public_id: str) -> str:
    """The OB 3.0 credential's id, where its Data Integrity form is served."""
    return public_url(f"/assertions/{public_id}/credential")


def assertion_urls(assertion: Assertion) -> dict[str, str]:
    """Every public form of an award (api.md: the fixed contract of an award's `urls`)."""
    base = assertion_url(assertion.public_id)
    return {
        "page": base,
        "ob2": base,
        "ob2_jws": f"{base}/signed",
        "png": f"{base}/image.png",
        "svg": f"{base}/image.svg",
        "png_signed": f"{base}/image.png?form=signed",
        "svg_signed": f"{base}/image.svg?form=signed",
        "ob3": f"{base}/credential",
        "ob3_jwt": f"{base}/credential.jwt",
        "png_ob3": f"{base}/image.png?v=3",
        "svg_ob3": f"{base}/image.svg?v=3",
    }


def badge_class_ob2(badge_class: BadgeClass) -> dict[str, Any]:
    return ob2.badge_class_document(
        id=badge_class_url(badge_class.public_id),
        issuer=issuer_url(badge_class.issuer.public_id), name=badge_class.name,
        description=badge_class.description, image=badge_class_image_url(badge_class),
        criteria_narrative=badge_class.criteria_narrative, criteria_url=badge_class.criteria_url,
        tags=badge_class.tags, alignments=badge_class.alignments)


def _assertion_ob2(assertion: Assertion | HostedRow, *, id: str, verification: dict
                   ) -> dict[str, Any]:
    return ob2.assertion_document(
        id=id, badge=badge_class_url(assertion.badge_class_public_id),
        recipient=ob2.identity_object(type=OB2_IDENTITY_TYPES[assertion.recipient_type],
                                      identity_hash=assertion.recipient_hash,
                                      salt=assertion.recipient_salt),
        issued_on=assertion.issued_on, expires=assertion.expires_at,
        evidence=assertion.evidence, narrative=assertion.narrative, verification=verification)


def hosted_assertion_ob2(assertion: Assertion | HostedRow) -> dict[str, Any]:
    return _assertion_ob2(assertion, id=assertion_url(assertion.public_id),
                          verification=ob2.hosted_verification())


def signed_assertion_ob2(assertion: Assertion, *, key_public_id: str, uuid_urn: str
                         ) -> dict[str, Any]:
    """The payload of the signed form: its id is a urn:uuid (OB 2.0 §SignedBadge)."""
    creator = key_url(assertion.issuer.public_id, key_public_id)
    return _assertion_ob2(assertion, id=uuid_urn,
                          verification=ob2.signed_verification(creator))


def revoked_assertion_ob2(assertion: Assertion | HostedRow) -> dict[str, Any]:
    return ob2.revoked_assertion_document(id=assertion_url(assertion.public_id),
                                          reason=assertion.revocation_reason)
