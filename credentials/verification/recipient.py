"""The optional `recipient` check: was this badge awarded to the identity given?

OB 2.0 IdentityObject (`identity`, `hashed`, `salt`) and OB 3.0 IdentityObject
(`identityHash`, `identityType`, `hashed`, `salt`) hash as `sha256$` + hex(SHA-256(identity +
salt)) (OB 2.0 also allows `md5$`). Plain email addresses compare case-insensitively; an email
is also tried lower-cased when hashing, since issuers commonly normalise before hashing.

The hash is computed here rather than through recipients.hashing: credentials sits below
recipients in the layers contract (pyproject.toml), and the rule is the spec's, not Cairn's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from credentials.verification.report import RECIPIENT, Recipient, Report, list_of

#: Recipient types as the caller names them -> OB 2.0 IdentityObject types.
OB2_TYPES = {"email": ("email",), "url": ("url", "id"), "telephone": ("telephone",),
             "did": ("id", "url"), "id": ("id", "url")}
#: -> OB 3.0 IdentityObject identityType values.
OB3_TYPES = {"email": ("emailAddress",), "telephone": ("phoneNumber", "ext:telephone"),
             "url": ("url",), "did": ("did",), "id": ("sourcedId",)}


def _candidates(recipient: Recipient) -> list[str]:
    values = [recipient.identity, recipient.identity.strip()]
    if recipient.type == "email":
        values.append(recipient.identity.strip().lower())
    return list(dict.fromkeys(values))


def _hash_matches(identity_hash: str, candidates: list[str], salt: str) -> bool:
    algorithm, _, digest = identity_hash.partition("$")
    if algorithm.lower() not in ("sha256", "md5") or not digest:
        return False
    for value in candidates:
        computed = hashlib.new(algorithm.lower(), (value + salt).encode("utf-8"),
                               usedforsecurity=False).hexdigest()
        if computed == digest.lower():
            return True
    return False


def _plain_matches(value: str, candidates: list[str], kind: str) -> bool:
    if kind == "email":
        return value.strip().lower() in {c.lower() for c in candidates}
    return value in candidates


def _matches(value: Any, hashed: Any, salt: Any, recipient: Recipient) -> bool:
    if not isinstance(value, str):
        return False
    candidates = _candidates(recipient)
    if hashed is True or (hashed is None and value.startswith(("sha256$", "md5$"))):
        return _hash_matches(value, candidates, salt if isinstance(salt, str) else "")
    return _plain_matches(value, candidates, recipient.type)


def check_ob2(assertion: dict[str, Any], recipient: Recipient, report: Report) -> None:
    identity = assertion.get("recipient")
    if not isinstance(identity, dict):
        report.add(RECIPIENT, False, "the assertion has no recipient to compare")
        return
    kind = identity.get("type")
    if kind not in OB2_TYPES.get(recipient.type, (recipient.type,)):
        report.add(RECIPIENT, False, f"the badge was awarded to a {kind} identity, not to "
                                     f"a {recipient.type}")
        return
    ok = _matches(identity.get("identity"), identity.get("hashed"), identity.get("salt"),
                  recipient)
    report.add(RECIPIENT, ok, f"awarded to {recipient.type} {recipient.identity}" if ok else
               f"not awarded to {recipient.type} {recipient.identity}")


def _subject_id_matches(subject_id: Any, recipient: Recipient) -> bool:
    """A subject known by id: a DID or URL, or for an email a mailto: URI."""
    if not isinstance(subject_id, str):
        return False
    if recipient.type == "email":
        return subject_id.startswith("mailto:") and _plain_matches(
            subject_id[len("mailto:"):], _candidates(recipient), "email")
    return subject_id in _candidates(recipient)


def check_ob3(credential: dict[str, Any], recipient: Recipient, report: Report) -> None:
    subjects = [s for s in list_of(credential.get("credentialSubject")) if isinstance(s, dict)]
    types = OB3_TYPES.get(recipient.type, (recipient.type,))
    for subject in subjects:
        if _subject_id_matches(subject.get("id"), recipient):
            report.add(RECIPIENT, True, f"awarded to {recipient.type} {recipient.identity} "
                                        "(credentialSubject.id)")
            return
        for identifier in list_of(subject.get("identifier")):
            if isinstance(identifier, dict) and identifier.get("identityType") in types and \
                    _matches(identifier.get("identityHash"), identifier.get("hashed"),
                             identifier.get("salt"), recipient):
                report.add(RECIPIENT, True, f"awarded to {recipient.type} "
                                            f"{recipient.identity}")
                return
    report.add(RECIPIENT, False, f"not awarded to {recipient.type} {recipient.identity}")
