"""Open Badges 3.0 documents (W3C Verifiable Credentials 2.0), built as plain dicts.

https://www.imsglobal.org/spec/ob/v3p0/ ; the 1EdTech JSON Schemas decide shapes (types
are arrays where the schema says so). Callers pass plain values; nothing here signs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CID_V1 = "https://www.w3.org/ns/cid/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
#: Every OpenBadgeCredential carries these; the extensions context defines
#: 1EdTechJsonSchemaValidator2019 and 1EdTechRevocationList.
CREDENTIAL_CONTEXT = [VC_V2, OB_V3, OB_EXTENSIONS]
ACHIEVEMENT_SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                      "ob_v3p0_achievementcredential_schema.json")
#: OB 2.0 identity types, as OB 3.0 IdentityObject.identityType values.
IDENTITY_TYPES = {"email": "emailAddress", "telephone": "ext:telephone"}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _datetime(value: datetime | str) -> str:
    """A datetime, or a string already in place (a template's placeholder)."""
    return value if isinstance(value, str) else iso(value)


def _present(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if value not in (None, [], "", {})}


def profile(*, id: str, name: str, url: str | None = None, email: str | None = None,
            description: str | None = None, image: str | None = None) -> dict[str, Any]:
    """The issuer `Profile` as it is embedded in credentials."""
    return _present({"id": id, "type": ["Profile"], "name": name, "url": url, "email": email,
                     "description": description,
                     "image": {"id": image, "type": "Image"} if image else None})


def issuer_document(profile_fields: dict[str, Any], *, verification_methods: Sequence[dict],
                    ) -> dict[str, Any]:
    """The issuer's OB 3.0 Profile, which is also the controller document of its keys:
    `verificationMethod` and `assertionMethod` come from W3C Controlled Identifiers."""
    return {"@context": [VC_V2, OB_V3, CID_V1, MULTIKEY_V1], **profile_fields,
            "verificationMethod": list(verification_methods),
            "assertionMethod": [method["id"] for method in verification_methods]}


def multikey(*, id: str, controller: str, public_key_multibase: str) -> dict[str, Any]:
    return {"id": id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": public_key_multibase}


def json_web_key(*, id: str, controller: str, jwk: dict[str, Any]) -> dict[str, Any]:
    return {"id": id, "type": "JsonWebKey", "controller": controller, "publicKeyJwk": jwk}


def achievement(*, id: str, name: str, description: str, image: str | None,
                criteria_narrative: str | None = None, criteria_url: str | None = None,
                tags: Sequence[str] = (), alignments: Sequence[dict] = (),
                creator: dict[str, Any] | None = None) -> dict[str, Any]:
    return _present({
        "id": id, "type": ["Achievement"], "name": name, "description": description,
        "criteria": _present({"id": criteria_url, "narrative": criteria_narrative}),
        "image": {"id": image, "type": "Image"} if image else None,
        "tag": list(tags), "creator": creator,
        "alignment": [_alignment(a) for a in alignments],
    })


def _alignment(alignment: dict[str, Any]) -> dict[str, Any]:
    return _present({"type": ["Alignment"], "targetName": alignment.get("target_name"),
                     "targetUrl": alignment.get("target_url"),
                     "targetDescription": alignment.get("target_description"),
                     "targetFramework": alignment.get("target_framework"),
                     "targetCode": alignment.get("target_code")})


def subject_by_id(subject_id: str, achievement_document: dict[str, Any]) -> dict[str, Any]:
    """A recipient known by a DID or URL they gave."""
    return {"id": subject_id, "type": ["AchievementSubject"],
            "achievement": achievement_document}


def subject_by_identifier(*, identity_type: str, identity_hash: str, salt: str,
                          achievement_document: dict[str, Any]) -> dict[str, Any]:
    """A recipient known by a hashed email or telephone (an IdentityObject)."""
    identifier = {"type": "IdentityObject", "identityHash": identity_hash,
                  "identityType": IDENTITY_TYPES[identity_type], "hashed": True, "salt": salt}
    return {"type": ["AchievementSubject"], "identifier": [identifier],
            "achievement": achievement_document}


def evidence_item(item: dict[str, Any]) -> dict[str, Any]:
    """Evidence with a URL uses it as its id, so it is not a blank node in RDF."""
    return _present({"id": item.get("url"), "type": ["Evidence"], "name": item.get("name"),
                     "narrative": item.get("narrative")})


def bitstring_status_entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": purpose, "statusListIndex": str(index),
            "statusListCredential": list_url}


def revocation_list_status_entry(list_url: str) -> dict[str, Any]:
    return {"id": list_url, "type": "1EdTechRevocationList"}


def credential(*, id: str, issuer: dict[str, Any], subject: dict[str, Any], name: str,
               valid_from: datetime | str, valid_until: datetime | str | None = None,
               evidence: Sequence[dict] = (), status: dict[str, Any] | None = None,
               description: str | None = None) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential (OB 3.0 §B.1.1 AchievementCredential)."""
    return _present({
        "@context": list(CREDENTIAL_CONTEXT), "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": name,
        "description": description, "issuer": issuer, "validFrom": _datetime(valid_from),
        "validUntil": _datetime(valid_until) if valid_until else None,
        "credentialSubject": subject, "evidence": [evidence_item(e) for e in evidence],
        "credentialSchema": [{"id": ACHIEVEMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": status,
    })


def status_list_credential(*, id: str, issuer: str, purpose: str, encoded_list: str,
                           valid_from: datetime) -> dict[str, Any]:
    """A BitstringStatusListCredential (W3C Bitstring Status List v1.0 §2.2)."""
    return {"@context": [VC_V2], "id": id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer, "validFrom": iso(valid_from),
            "credentialSubject": {"id": f"{id}#list", "type": "BitstringStatusList",
                                  "statusPurpose": purpose, "encodedList": encoded_list}}


def revocation_list(*, id: str, issuer: str,
                    revoked: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    """The 1EdTech Revocation List: the credential ids an issuer revoked."""
    return {"id": id, "issuer": issuer,
            "revokedCredentials": [_present({"id": credential_id, "revoked": True,
                                             "revocationReason": reason})
                                   for credential_id, reason in revoked]}
