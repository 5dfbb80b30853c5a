"""Open Badges 2.0 assertions: hosted and signed (OB 2.0 section "Verification").

Hosted: the assertion is fetched from its `id`; what was given must be what the issuer
hosts, a `410 Gone` (or `revoked: true`) means revoked, and the id must lie in the issuer's
verification policy (by default: on the origin of the issuer's id; `allowedOrigins` and
`startsWith` of the issuer's `verification` object otherwise).
Signed: a compact JWS with RS256, checked with the CryptographicKey at
`verification.creator`, which the issuer must own (`owner`) and list (`publicKey`); the
issuer's RevocationList must not name the assertion.
Required properties follow the 1EdTech validator (openbadges-validator-core).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from credentials.fetch import FetchError
from credentials.jws import verify_jws
from credentials.keys import load_public_key
from credentials.verification import recipient, status, validity
from credentials.verification.context import Context
from credentials.verification.report import (
    FORMAT,
    KEY_BINDING,
    PROOF,
    STATUS,
    Report,
    id_of,
    list_of,
)

REQUIRED = {"Assertion": ("id", "type", "recipient", "badge", "verification", "issuedOn"),
            "BadgeClass": ("id", "type", "issuer", "name", "description", "image", "criteria"),
            "Issuer": ("id", "type", "name", "url", "email")}


class Unresolved(Exception):
    """A BadgeClass or Issuer that could not be had."""


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(
        urlsplit(value).netloc)


def _missing(document: dict[str, Any], kind: str) -> list[str]:
    return [f"{kind} has no {name}" for name in REQUIRED[kind] if document.get(name) in
            (None, "", [])]


def assertion_problems(assertion: dict[str, Any], *, hosted: bool) -> list[str]:
    problems = _missing(assertion, "Assertion")
    if assertion.get("type") is not None and "Assertion" not in list_of(assertion.get("type")):
        problems.append("type is not Assertion")
    identity = assertion.get("recipient")
    if identity is not None and not (
            isinstance(identity, dict) and isinstance(identity.get("type"), str)
            and isinstance(identity.get("identity"), str)
            and isinstance(identity.get("hashed"), bool)):
        problems.append("recipient must be an IdentityObject with type, identity and hashed")
    if hosted and assertion.get("id") is not None and not _is_url(assertion.get("id")):
        problems.append("a hosted assertion's id must be its http(s) URL")
    for name in ("issuedOn", "expires"):
        if assertion.get(name) is not None and validity.parse_time(assertion[name]) is None:
            problems.append(f"{name} is not a date-time")
    if assertion.get("badge") is not None and id_of(assertion["badge"]) is None:
        problems.append("badge must be a BadgeClass or its URL")
    return problems


def _node(reference: Any, kind: str, context: Context) -> dict[str, Any]:
    if isinstance(reference, dict):
        return reference
    if not _is_url(reference):
        raise Unresolved(f"the {kind} is neither embedded nor an http(s) URL")
    try:
        document = context.session.document(reference)
    except FetchError as error:
        raise Unresolved(f"cannot fetch the {kind} {reference}: {error}") from error
    return document


def _badge_and_issuer(assertion: dict[str, Any], context: Context
                      ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[str]]:
    try:
        badge = _node(assertion.get("badge"), "BadgeClass", context)
    except Unresolved as error:
        return None, None, [str(error)]
    problems = _missing(badge, "BadgeClass")
    try:
        issuer = _node(badge.get("issuer"), "Issuer", context)
    except Unresolved as error:
        return badge, None, [*problems, str(error)]
    return badge, issuer, problems + _missing(issuer, "Issuer")


def _summary(assertion: dict[str, Any], badge: dict[str, Any] | None,
             issuer: dict[str, Any] | None) -> dict[str, Any]:
    badge, issuer = badge or {}, issuer or {}
    found = {"name": badge.get("name"), "description": badge.get("description"),
             "image": id_of(badge.get("image")),
             "issuer": {k: v for k, v in (("id", id_of(issuer) or id_of(badge.get("issuer"))),
                                          ("name", issuer.get("name")),
                                          ("url", issuer.get("url"))) if isinstance(v, str)},
             "issued_on": assertion.get("issuedOn"), "expires": assertion.get("expires")}
    return {k: v for k, v in found.items() if isinstance(v, str | dict) and v}


def _format(assertion: dict[str, Any], report: Report, context: Context, *, hosted: bool
            ) -> dict[str, Any] | None:
    """Add the `format` check of the assertion, its BadgeClass and Issuer; the issuer."""
    badge, issuer, more = _badge_and_issuer(assertion, context)
    problems = assertion_problems(assertion, hosted=hosted) + more
    report.badge = _summary(assertion, badge, issuer)
    report.add(FORMAT, not problems, "; ".join(problems) if problems else
               "an Open Badges 2.0 Assertion with its BadgeClass and Issuer, all required "
               "properties present")
    return issuer


def _after_proof(assertion: dict[str, Any], report: Report, context: Context) -> None:
    validity.check_ob2(assertion, report, context.now)
    if context.recipient is not None:
        recipient.check_ob2(assertion, context.recipient, report)


def _policy_problem(assertion_id: str, issuer: dict[str, Any]) -> str | None:
    """OB 2.0 "Hosted verification": the id must lie in the issuer's verification policy."""
    issuer_id = id_of(issuer) or ""
    policy = issuer.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    starts = [s for s in list_of(policy.get("startsWith")) if isinstance(s, str)]
    if starts and not any(assertion_id.startswith(s) for s in starts):
        return f"the assertion id {assertion_id} does not start with any of {starts}"
    allowed = list_of(policy.get("allowedOrigins", urlsplit(issuer_id).netloc))
    if urlsplit(assertion_id).netloc not in allowed:
        return (f"the assertion {assertion_id} is not hosted on the issuer's allowed origins "
                f"{allowed}")
    return None


def verify_hosted(given: dict[str, Any] | None, url: str | None, report: Report,
                  context: Context) -> None:
    hosted_id = id_of(given) if given is not None else url
    hosted, fetched_status = None, None
    if not _is_url(hosted_id):
        report.add(PROOF, False, f"a hosted assertion is verified by fetching its id, and "
                                 f"{hosted_id!r} is not an http(s) URL")
    else:
        try:
            fetched_status, hosted = context.session.json(hosted_id)
        except FetchError as error:
            report.add(PROOF, False, f"cannot fetch the hosted assertion: {error}")
    if isinstance(hosted, dict) and (fetched_status == 410 or hosted.get("revoked") is True):
        reason = hosted.get("revocationReason")
        report.add(PROOF, False, f"{hosted_id} answers {fetched_status} with a revocation "
                                 "notice instead of the assertion")
        report.add(STATUS, False, "revoked by the issuer" + (f": {reason}" if reason else ""))
        if given is None or "recipient" not in given:
            report.credential = hosted
            report.add(FORMAT, False, "only a revocation notice is published: the assertion "
                                      "itself is gone")
            return
        assertion = given
    elif isinstance(hosted, dict):
        assertion = _compare_hosted(given, hosted, hosted_id, report)
    else:
        if fetched_status is not None:
            report.add(PROOF, False, f"{hosted_id} did not answer with a JSON object")
        if given is None:
            return
        assertion = given
    report.credential = assertion
    issuer = _format(assertion, report, context, hosted=True)
    if issuer is None:
        report.add(KEY_BINDING, False, "the issuer could not be read, so the hosting policy "
                                       "was not checked")
    elif _is_url(hosted_id):
        problem = _policy_problem(hosted_id, issuer)
        report.add(KEY_BINDING, problem is None, problem or (
            f"hosted on the issuer's origin ({urlsplit(hosted_id).netloc})"))
    if report.check(STATUS) is None and fetched_status == 200:
        report.add(STATUS, True, "the issuer hosts it (HTTP 200) and has not revoked it")
    _after_proof(assertion, report, context)


def _compare_hosted(given: dict[str, Any] | None, hosted: dict[str, Any], hosted_id: str,
                    report: Report) -> dict[str, Any]:
    """The issuer's copy is the truth; a given copy must be identical to it."""
    if hosted.get("id") != hosted_id:
        report.add(PROOF, False, f"the document at {hosted_id} has id {hosted.get('id')!r}")
    elif given is None:
        report.add(PROOF, True, f"fetched from its id {hosted_id}")
    elif given == hosted:
        report.add(PROOF, True, f"identical to the assertion the issuer hosts at {hosted_id}")
    else:
        changed = sorted(k for k in set(given) | set(hosted) if given.get(k) != hosted.get(k))
        report.add(PROOF, False, f"differs from the assertion the issuer hosts at {hosted_id} "
                                 f"(changed: {', '.join(changed)})")
    return hosted


def verify_signed(token: str | None, header: dict[str, Any] | None, assertion: dict[str, Any],
                  report: Report, context: Context) -> None:
    report.credential = assertion
    issuer = _format(assertion, report, context, hosted=False)
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    key_document = _signature(token, header or {}, creator, report, context)
    _key_binding(creator, key_document, issuer, report)
    if issuer is None:
        report.add(STATUS, False, "the issuer could not be read, so its revocation list was "
                                  "not checked")
    else:
        status.check_ob2_revocation_list(assertion.get("id"), issuer, report, context)
    _after_proof(assertion, report, context)


def _signature(token: str | None, header: dict[str, Any], creator: Any, report: Report,
               context: Context) -> dict[str, Any] | None:
    """Add the `proof` check; the CryptographicKey document when it could be fetched."""
    if token is None:
        report.add(PROOF, False, "a signed assertion is verified from its JWS; only the "
                                 "payload was given")
        return None
    if header.get("alg") != "RS256":
        report.add(PROOF, False, f"alg {header.get('alg')!r} refused: OB 2.0 signed badges "
                                 "use RS256")
        return None
    if not _is_url(creator):
        report.add(PROOF, False, "verification.creator must be the URL of the signing key")
        return None
    try:
        key_document = context.session.document(creator)
        public_key = load_public_key(key_document["publicKeyPem"])
        if not isinstance(public_key, RSAPublicKey):
            raise ValueError("the key is not an RSA key")
    except FetchError as error:
        report.add(PROOF, False, f"cannot fetch the signing key: {error}")
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        report.add(PROOF, False, f"the key at {creator} has no usable RSA publicKeyPem: {error}")
        return None
    try:
        verify_jws(token, public_key)
    except (jwt.PyJWTError, ValueError) as error:
        report.add(PROOF, False, f"the RS256 signature does not verify with {creator} "
                                 f"({error})")
        return key_document
    report.add(PROOF, True, f"RS256 signature verified with {creator}")
    return key_document


def _key_binding(creator: Any, key_document: dict[str, Any] | None,
                 issuer: dict[str, Any] | None, report: Report) -> None:
    if key_document is None or issuer is None:
        report.add(KEY_BINDING, False, "the signing key or the issuer could not be read")
        return
    issuer_id = id_of(issuer)
    listed = {id_of(k) for k in list_of(issuer.get("publicKey"))}
    if key_document.get("id") != creator:
        problem = f"the key document at {creator} has id {key_document.get('id')!r}"
    elif id_of(key_document.get("owner")) != issuer_id:
        problem = f"the key {creator} is owned by {key_document.get('owner')!r}, not {issuer_id}"
    elif creator not in listed:
        problem = f"the issuer {issuer_id} does not list the key {creator} in publicKey"
    else:
        problem = None
    report.add(KEY_BINDING, problem is None, problem or (
        f"the key {creator} is owned by the issuer {issuer_id} and listed in its publicKey"))
