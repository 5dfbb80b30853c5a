"""The OB 3.0 `EndorsementCredential` (Open Badges 3.0 §B.1.4 EndorsementCredential and
§B.2.4 EndorsementSubject), built as a plain dict; nothing here signs.

An endorsement is a claim about an entity, identified by `credentialSubject.id`, with an
optional `endorsementComment` (Markdown). The credential names its JSON Schema through
`credentialSchema` of type `1EdTechJsonSchemaValidator2019`, a term of the extensions
context, so that context is in `@context` (credentials.md: a credential that uses its
terms carries it, since strict verifiers expand each credential on its own).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from credentials.ob3 import OB_EXTENSIONS, OB_V3, VC_V2, iso

ENDORSEMENT_CONTEXT = [VC_V2, OB_V3, OB_EXTENSIONS]
ENDORSEMENT_SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                      "ob_v3p0_endorsementcredential_schema.json")


def endorsement_subject(*, id: str, comment: str | None = None) -> dict[str, Any]:
    """What is endorsed: `id` is the endorsed entity's URI (an issuer, an achievement, a
    credential, or any other resource with a URI)."""
    subject: dict[str, Any] = {"id": id, "type": ["EndorsementSubject"]}
    if comment:
        subject["endorsementComment"] = comment
    return subject


def endorsement_credential(*, id: str, issuer: dict[str, Any], subject: dict[str, Any],
                           name: str, valid_from: datetime,
                           description: str | None = None) -> dict[str, Any]:
    """An unsigned EndorsementCredential; `issuer` is a `Profile` (credentials.ob3.profile)."""
    document: dict[str, Any] = {
        "@context": list(ENDORSEMENT_CONTEXT), "id": id,
        "type": ["VerifiableCredential", "EndorsementCredential"], "name": name,
        "issuer": issuer, "validFrom": iso(valid_from), "credentialSubject": subject,
        "credentialSchema": [{"id": ENDORSEMENT_SCHEMA,
                              "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if description:
        document["description"] = description
    return document
