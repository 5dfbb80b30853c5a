"""The OB 3.0 credential of an award: built from the models, signed once at award time
with Data Integrity (eddsa-rdfc-2022) and the issuer's Ed25519 key. The same credential as
VC-JWT (RS256, EdDSA) is made from the stored one on first request (badges/signed_forms.py).

Credentials of one badge class differ only in a few strings (id, dates, recipient,
evidence, status entry), so the document is built once per shape with placeholders and
canonicalised by substitution (credentials/templates.py, checked byte-identical to a
full canonicalisation when the template is built).
"""

from __future__ import annotations

from typing import Any

from badges.documents import badge_class_image_url, badge_class_ob3_url, credential_url
from badges.models import Assertion, BadgeClass
from badges.status import status_entry
from cairn.db import utcnow
from cairn.kept import Kept
from credentials import dataintegrity, ob3
from credentials.ob3 import iso
from credentials.templates import CanonicalTemplate
from issuers.documents import profile_ob3, verification_method_id
from issuers.models import SigningKey
from issuers.services import private_key
from issuers.signers import Signer
from recipients.models import IdentityType

_TEMPLATES: Kept[CanonicalTemplate] = Kept(256)


def achievement_ob3(badge_class: BadgeClass) -> dict[str, Any]:
    return ob3.achievement(
        id=badge_class_ob3_url(badge_class.public_id), name=badge_class.name,
        description=badge_class.description, image=badge_class_image_url(badge_class),
        criteria_narrative=badge_class.criteria_narrative, criteria_url=badge_class.criteria_url,
        tags=badge_class.tags, alignments=badge_class.alignments)


def _values(assertion: Assertion) -> dict[str, str]:
    """The strings that differ between awards of one shape, by name."""
    values = {"id": credential_url(assertion.public_id), "valid_from": iso(assertion.issued_on)}
    if assertion.expires_at:
        values["valid_until"] = iso(assertion.expires_at)
    if assertion.recipient_type in (IdentityType.url, IdentityType.did):
        values["subject"] = assertion.recipient.value
    else:
        values["identity_hash"] = assertion.recipient_hash
        values["salt"] = assertion.recipient_salt
    for position, item in enumerate(assertion.evidence):
        for field in ("url", "name", "narrative"):
            if item.get(field):
                values[f"evidence.{position}.{field}"] = item[field]
    entry = status_entry(assertion)
    for field in ("id", "statusListIndex", "statusListCredential"):
        if field in entry:
            values[f"status.{field}"] = entry[field]
    return values


def _placeholder(name: str) -> str:
    """Sentinels; IRIs must look absolute or JSON-LD would resolve or drop them."""
    iri = name in ("id", "subject", "status.id", "status.statusListCredential") \
        or name.endswith(".url")
    return f"urn:cairn:placeholder:{name}" if iri else f"cairn:placeholder:{name}"


def _document(assertion: Assertion, values: dict[str, str]) -> dict[str, Any]:
    """The unsigned credential with `values` in place (real ones, or placeholders)."""
    achievement = achievement_ob3(assertion.badge_class)
    if "subject" in values:
        subject = ob3.subject_by_id(values["subject"], achievement)
    else:
        subject = ob3.subject_by_identifier(
            identity_type=assertion.recipient_type.value, identity_hash=values["identity_hash"],
            salt=values["salt"], achievement_document=achievement)
    document = ob3.credential(
        id=values["id"], issuer=profile_ob3(assertion.issuer), subject=subject,
        name=assertion.badge_class.name, description=assertion.badge_class.description,
        valid_from=values["valid_from"], valid_until=values.get("valid_until"), evidence=[
            {field: values[f"evidence.{n}.{field}"] for field in ("url", "name", "narrative")
             if f"evidence.{n}.{field}" in values} for n in range(len(assertion.evidence))],
        status={**status_entry(assertion), **{
            field: values[f"status.{field}"] for field in
            ("id", "statusListIndex", "statusListCredential") if f"status.{field}" in values}})
    return document


def unsigned_credential(assertion: Assertion) -> dict[str, Any]:
    return _document(assertion, _values(assertion))


def _template(assertion: Assertion, names: list[str]) -> CanonicalTemplate:
    """One template per badge class and issuer version, recipient kind and value set."""
    badge_class, issuer = assertion.badge_class, assertion.issuer
    key = (badge_class.id, badge_class.updated_at, issuer.id, issuer.updated_at,
           assertion.recipient_type.value, assertion.credential_status, tuple(names))

    def make() -> CanonicalTemplate:
        placeholders = {name: _placeholder(name) for name in names}
        return CanonicalTemplate(_document(assertion, placeholders),
                                 list(placeholders.values()))

    return _TEMPLATES.get_or_make(key, make)


def issue_credential(assertion: Assertion, ed_key: SigningKey | Signer) -> None:
    """Sign the award's OB 3.0 credential and store it; it never changes afterwards."""
    values = _values(assertion)
    template = _template(assertion, sorted(values))
    by_placeholder = {_placeholder(name): value for name, value in values.items()}
    ed_method = verification_method_id(assertion.issuer, ed_key)
    assertion.credential = dataintegrity.sign_with_template_text(
        template, by_placeholder, private_key(ed_key), verification_method=ed_method,
        created=utcnow())
