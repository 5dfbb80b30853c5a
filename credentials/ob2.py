"""Open Badges 2.0 documents, built as plain dicts in the specification's terms.

https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
Callers pass plain values; nothing here touches a database or a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

CONTEXT = "https://w3id.org/openbadges/v2"


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the spec's examples write DateTime values."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _present(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if value not in (None, [], "")}


def issuer_document(*, id: str, name: str, url: str, email: str | None = None,
                    description: str | None = None, image: str | None = None,
                    public_keys: Sequence[str] = (), revocation_list: str | None = None,
                    ) -> dict[str, Any]:
    return _present({
        "@context": CONTEXT, "type": "Issuer", "id": id, "name": name, "url": url,
        "email": email, "description": description, "image": image,
        "publicKey": list(public_keys) if len(public_keys) != 1 else public_keys[0],
        "revocationList": revocation_list,
    })


def badge_class_document(*, id: str, issuer: str, name: str, description: str, image: str,
                         criteria_narrative: str | None = None, criteria_url: str | None = None,
                         tags: Sequence[str] = (), alignments: Sequence[dict] = ()
                         ) -> dict[str, Any]:
    return _present({
        "@context": CONTEXT, "type": "BadgeClass", "id": id, "issuer": issuer, "name": name,
        "description": description, "image": image,
        "criteria": _present({"id": criteria_url, "narrative": criteria_narrative}),
        "tags": list(tags), "alignment": [_alignment(a) for a in alignments],
    })


def _alignment(alignment: dict[str, Any]) -> dict[str, Any]:
    return _present({"targetName": alignment.get("target_name"),
                     "targetUrl": alignment.get("target_url"),
                     "targetDescription": alignment.get("target_description"),
                     "targetFramework": alignment.get("target_framework"),
                     "targetCode": alignment.get("target_code")})


def identity_object(*, type: str, identity_hash: str, salt: str) -> dict[str, Any]:
    return {"type": type, "hashed": True, "salt": salt, "identity": identity_hash}


def assertion_document(*, id: str, badge: str, recipient: dict[str, Any], issued_on: datetime,
                       verification: dict[str, Any], expires: datetime | None = None,
                       evidence: Sequence[dict] = (), narrative: str | None = None,
                       image: str | None = None) -> dict[str, Any]:
    """An Assertion; `verification` is hosted_verification() or signed_verification(key)."""
    return _present({
        "@context": CONTEXT, "type": "Assertion", "id": id, "recipient": recipient,
        "badge": badge, "verification": verification, "issuedOn": iso(issued_on),
        "expires": iso(expires) if expires else None, "image": image, "narrative": narrative,
        "evidence": [_present({"id": e.get("url"), "narrative": e.get("narrative"),
                               "name": e.get("name"), "type": "Evidence"}) for e in evidence],
    })


def hosted_verification() -> dict[str, str]:
    return {"type": "hosted"}


def signed_verification(creator: str) -> dict[str, str]:
    return {"type": "SignedBadge", "creator": creator}


def revoked_assertion_document(*, id: str, reason: str | None) -> dict[str, Any]:
    """The body of a revoked hosted assertion's 410 answer (spec §Hosted Verification)."""
    return _present({"@context": CONTEXT, "id": id, "revoked": True, "revocationReason": reason})


def cryptographic_key_document(*, id: str, owner: str, public_pem: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "CryptographicKey", "id": id, "owner": owner,
            "publicKeyPem": public_pem}


def revocation_list_document(*, id: str, issuer: str,
                             revoked: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "RevocationList", "id": id, "issuer": issuer,
            "revokedAssertions": [_present({"id": assertion_id, "revocationReason": reason})
                                  for assertion_id, reason in revoked]}
