"""The OB 3.0 credential of an award: built from the models, signed once at award time.

Data Integrity (eddsa-rdfc-2022) with the issuer's Ed25519 key, and the same
credential as VC-JWT with RS256 (the interoperable minimum) and EdDSA.
"""

from __future__ import annotations

import json
from typing import Any

from badges.documents import badge_class_image_url, badge_class_ob3_url, credential_url
from badges.models import Assertion, BadgeClass
from badges.status import status_entry
from cairn.db import utcnow
from credentials import dataintegrity, ob3, vcjwt
from issuers.documents import profile_ob3, verification_method_id
from issuers.models import KeyType
from issuers.services import private_key, signing_key
from recipients.models import IdentityType


def achievement_ob3(badge_class: BadgeClass) -> dict[str, Any]:
    return ob3.achievement(
        id=badge_class_ob3_url(badge_class.public_id), name=badge_class.name,
        description=badge_class.description, image=badge_class_image_url(badge_class),
        criteria_narrative=badge_class.criteria_narrative, criteria_url=badge_class.criteria_url,
        tags=badge_class.tags, alignments=badge_class.alignments)


def _subject(assertion: Assertion, achievement: dict[str, Any]) -> dict[str, Any]:
    if assertion.recipient_type in (IdentityType.url, IdentityType.did):
        return ob3.subject_by_id(assertion.recipient.value, achievement)
    return ob3.subject_by_identifier(
        identity_type=assertion.recipient_type.value, identity_hash=assertion.recipient_hash,
        salt=assertion.recipient_salt, achievement_document=achievement)


def unsigned_credential(assertion: Assertion) -> dict[str, Any]:
    badge_class = assertion.badge_class
    return ob3.credential(
        id=credential_url(assertion.public_id), issuer=profile_ob3(assertion.issuer),
        subject=_subject(assertion, achievement_ob3(badge_class)), name=badge_class.name,
        description=badge_class.description, valid_from=assertion.issued_on,
        valid_until=assertion.expires_at, evidence=assertion.evidence,
        status=status_entry(assertion))


def issue_credential(assertion: Assertion) -> None:
    """Sign the award's OB 3.0 forms and store them; they never change afterwards."""
    document = unsigned_credential(assertion)
    ed_key = signing_key(assertion.issuer, KeyType.ed25519)
    rsa_key = signing_key(assertion.issuer, KeyType.rsa)
    ed_method = verification_method_id(assertion.issuer, ed_key)
    signed = dataintegrity.sign(document, private_key(ed_key), verification_method=ed_method,
                                created=utcnow())
    assertion.credential = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    assertion.credential_jwt = vcjwt.encode(
        document, private_key(rsa_key), algorithm="RS256",
        kid=verification_method_id(assertion.issuer, rsa_key))
    assertion.credential_jwt_eddsa = vcjwt.encode(
        document, private_key(ed_key), algorithm="EdDSA", kid=ed_method)
