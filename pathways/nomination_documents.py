"""Public URLs and documents of nominations: the nomination's page (the `id` that each
EndorsementCredential endorses), and each endorsement's signed credential.

The public forms never carry the nominee's identity or name, the statement or any
objection: an open nomination may still be rejected, and a person should not be publicly
known as nominated for a badge they did not get. What they show is the badge class, the
issuer, the state and the published endorsements; an approval adds the award, which is
public anyway.
"""

from __future__ import annotations

import json
from typing import Any

from badges.documents import assertion_url, badge_class_ob3_url
from cairn.urls import public_url
from cairn.webhooks import rfc3339
from credentials import dataintegrity
from credentials.endorsement import endorsement_credential, endorsement_subject
from issuers.documents import issuer_ob3_id, profile_ob3, verification_method_id
from issuers.models import KeyType
from issuers.services import private_key, signing_keys
from pathways.nomination_models import Nomination, NominationEndorsement


def nomination_url(public_id: str) -> str:
    return public_url(f"/nominations/{public_id}")


def endorsement_url(nomination_public_id: str, endorsement_public_id: str) -> str:
    """The credential's `id`, where it is served."""
    return public_url(f"/nominations/{nomination_public_id}/endorsements/"
                      f"{endorsement_public_id}")


def credential_url(endorsement: NominationEndorsement) -> str | None:
    if endorsement.kind != "endorse":
        return None
    return endorsement_url(endorsement.nomination.public_id, endorsement.public_id)


def endorsement_comment(endorsement: NominationEndorsement) -> str:
    """The validator's words and name, as the credential publishes them (Markdown)."""
    words = endorsement.comment or "I endorse this nomination."
    return f"{words}\n\n— {endorsement.endorser_name}"


def sign_endorsement(endorsement: NominationEndorsement, validator_badge: str) -> None:
    """Issue the endorsement's EndorsementCredential: issued and signed by the nominated
    badge class's issuer on the validator's behalf (a person has no keys), its subject the
    nomination's public URL. Signed once; stored as signed."""
    nomination = endorsement.nomination
    badge_class = nomination.badge_class
    issuer = badge_class.issuer
    key = signing_keys(issuer)[KeyType.ed25519]
    document = endorsement_credential(
        id=endorsement_url(nomination.public_id, endorsement.public_id),
        issuer=profile_ob3(issuer),
        subject=endorsement_subject(id=nomination_url(nomination.public_id),
                                    comment=endorsement_comment(endorsement)),
        name=f"Endorsement of a nomination for “{badge_class.name}”",
        description=(f"{endorsement.endorser_name}, a holder of “{validator_badge}”, endorses "
                     f"the nomination of a person for “{badge_class.name}”. {issuer.name} "
                     "issues this credential on the validator's behalf."),
        valid_from=endorsement.created_at)
    signed = dataintegrity.sign(document, private_key(key),
                                verification_method=verification_method_id(issuer, key),
                                created=endorsement.created_at)
    endorsement.credential = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


def public_nomination(nomination: Nomination) -> dict[str, Any]:
    """The nomination as plain JSON for machines (no JSON-LD type exists for it)."""
    issuer = nomination.badge_class.issuer
    document: dict[str, Any] = {
        "id": nomination_url(nomination.public_id), "type": "Nomination",
        "achievement": badge_class_ob3_url(nomination.badge_class.public_id),
        "issuer": issuer_ob3_id(issuer), "status": nomination.status,
        "created": rfc3339(nomination.created_at),
        "endorsements": [credential_url(item) for item in nomination.endorsements
                         if item.kind == "endorse"]}
    if nomination.decided_at is not None:
        document["decided"] = rfc3339(nomination.decided_at)
    if nomination.assertion is not None and nomination.status == "approved":
        document["assertion"] = assertion_url(nomination.assertion.public_id)
    return document
