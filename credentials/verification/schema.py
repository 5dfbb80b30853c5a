"""The `format` check of an OB 3.0 credential: VC 2.0 basics, then the 1EdTech JSON Schema
of its type (draft 2019-09), bundled in credentials/schemas/ byte for byte from the spec.

One deliberate leniency: VC 2.0 allows `proof` to be a single object, which the formal
1EdTech schema rejects (it wants an array, as does Cairn when signing); such a credential is
checked as if its proof were wrapped in an array, with a warning.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema

from credentials.verification.report import FORMAT, Report, id_of, list_of

SINGLE_PROOF_WARNING = ("proof is a single object; the Open Badges 3.0 JSON Schema requires "
                        "an array")
_SCHEMA_FILES = {"AchievementCredential": "achievementcredential.json",
                 "OpenBadgeCredential": "achievementcredential.json",
                 "EndorsementCredential": "endorsementcredential.json"}
_MAX_ERRORS = 3


@functools.cache
def validator(file_name: str) -> jsonschema.Draft201909Validator:
    path = resources.files("credentials").joinpath("schemas", file_name)
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def _where(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return path or "(the credential)"


def schema_errors(document: dict[str, Any], file_name: str) -> list[str]:
    found = sorted(validator(file_name).iter_errors(document), key=jsonschema.exceptions.relevance)
    return [f"{_where(e)}: {e.message[:200]}" for e in found]


def _vc_problems(document: dict[str, Any]) -> list[str]:
    """What VC Data Model 2.0 section 4 requires of any credential (the OB schemas say more)."""
    problems = []
    if id_of(document.get("issuer")) is None:
        problems.append("issuer must be an id or an object with an id")
    subjects = list_of(document.get("credentialSubject"))
    if not subjects or not all(isinstance(s, dict) for s in subjects):
        problems.append("credentialSubject must be one or more objects")
    return problems


def check_format(document: dict[str, Any], report: Report, *, jwt_payload: bool = False
                 ) -> None:
    """Add the `format` check of a credential (from a JWT payload: without `proof`)."""
    types = list_of(document.get("type"))
    problems = []
    if "VerifiableCredential" not in types:
        problems.append("type does not include VerifiableCredential")
    contexts = list_of(document.get("@context"))
    if not contexts or contexts[0] != "https://www.w3.org/ns/credentials/v2":
        if contexts and contexts[0] == "https://www.w3.org/2018/credentials/v1":
            report.warn("a VC Data Model 1.1 credential; Open Badges 3.0 uses VC 2.0")
        else:
            problems.append("@context must start with https://www.w3.org/ns/credentials/v2")
    schema_file = next((_SCHEMA_FILES[t] for t in types if t in _SCHEMA_FILES), None)
    if schema_file is None:
        report.warn(f"type {types} is not an Open Badges credential type; it was checked as "
                    "a Verifiable Credential only")
        problems += _vc_problems(document)
    else:
        checked = document
        if isinstance(document.get("proof"), dict) and not jwt_payload:
            report.warn(SINGLE_PROOF_WARNING)
            checked = {**document, "proof": [document["proof"]]}
        problems += schema_errors(checked, schema_file)
    if problems:
        more = len(problems) - _MAX_ERRORS
        detail = "; ".join(problems[:_MAX_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        report.add(FORMAT, False, f"not a valid credential: {detail}")
    elif schema_file:
        report.add(FORMAT, True, f"valid against the 1EdTech {schema_file.split('.')[0]} "
                                 "JSON Schema")
    else:
        report.add(FORMAT, True, "a Verifiable Credential 2.0")
