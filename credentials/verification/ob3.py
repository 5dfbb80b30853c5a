"""OB 3.0 credentials secured with a Data Integrity proof (OB 3.0 section 8.3, "Verification
and Validation"): format and schema, proof, key binding, validity, status, recipient."""

from __future__ import annotations

from typing import Any

from credentials.verification import integrity, recipient, schema, status, validity
from credentials.verification.context import Context
from credentials.verification.report import KEY_BINDING, PROOF, Report, id_of, list_of


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def summary(credential: dict[str, Any]) -> dict[str, Any]:
    """Name, description, image and issuer of the badge, for people reading the report."""
    subjects = [s for s in list_of(credential.get("credentialSubject")) if isinstance(s, dict)]
    achievement = next((s["achievement"] for s in subjects
                        if isinstance(s.get("achievement"), dict)), {})
    issuer = credential.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {"id": issuer}
    image = achievement.get("image") or credential.get("image")
    found = {"name": _text(achievement.get("name")) or _text(credential.get("name")),
             "description": _text(achievement.get("description")) or _text(
                 credential.get("description")),
             "image": id_of(image),
             "issuer": {k: v for k, v in (("id", id_of(issuer)), ("name", _text(
                 issuer.get("name"))), ("url", _text(issuer.get("url")))) if v},
             "valid_from": _text(credential.get("validFrom")),
             "valid_until": _text(credential.get("validUntil"))}
    return {k: v for k, v in found.items() if v}


def _endorsements(credential: dict[str, Any]) -> int:
    subjects = [s for s in list_of(credential.get("credentialSubject")) if isinstance(s, dict)]
    achievements = [s["achievement"] for s in subjects if isinstance(s.get("achievement"), dict)]
    issuer = credential.get("issuer")
    holders = [credential, *achievements, *([issuer] if isinstance(issuer, dict) else [])]
    return sum(len(list_of(h.get("endorsement"))) + len(list_of(h.get("endorsementJwt")))
               for h in holders)


def finish(credential: dict[str, Any], report: Report, context: Context) -> None:
    """The checks that follow the proof, for both the Data Integrity and the JWT forms."""
    validity.check_ob3(credential, report, context.now)
    status.check_ob3(credential, report, context)
    if context.recipient is not None:
        recipient.check_ob3(credential, context.recipient, report)
    count = _endorsements(credential)
    if count:
        report.warn(f"{count} embedded endorsement(s) were not verified: they are separate "
                    "credentials about the issuer or achievement; verify each on its own")


def verify_data_integrity(credential: dict[str, Any], report: Report, context: Context) -> None:
    report.credential = credential
    report.badge = summary(credential)
    schema.check_format(credential, report)
    outcome = integrity.check_proofs(credential, context.session)
    for warning in outcome.warnings:
        report.warn(warning)
    report.add(PROOF, outcome.proof_ok, outcome.proof_detail)
    report.add(KEY_BINDING, outcome.binding_ok, outcome.binding_detail)
    finish(credential, report, context)
