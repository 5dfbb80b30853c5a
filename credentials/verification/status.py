"""The `status` check: revocation and suspension.

- W3C Bitstring Status List v1.0 section 3.2 (validate algorithm): the status list
  credential is fetched, its own proof verified, its issuer must be the credential's
  issuer, its purpose the entry's, and the entry's bit is read; a set bit means revoked or
  suspended.
- 1EdTech Revocation List (OB 3.0 extensions): the list at the entry's id names revoked
  credential ids.
- OB 2.0 signed badges: the issuer's `revocationList` (a RevocationList) names revoked
  assertion ids (OB 2.0 section "Signed Badges" verification). Hosted badges answer 410 Gone,
  which ob2.py checks.
Anything that cannot be fetched or read fails the check: a badge whose status is unknown is
not reported valid.
"""

from __future__ import annotations

import zlib
from typing import Any

from credentials import bitstring
from credentials.fetch import FetchError
from credentials.verification import integrity
from credentials.verification.context import Context
from credentials.verification.report import STATUS, Report, id_of, list_of
from credentials.verification.validity import parse_time

_BITSTRING_ENTRY = "BitstringStatusListEntry"
_BITSTRING_LIST = "BitstringStatusListCredential"
_REVOCATION_LIST = "1EdTechRevocationList"


class StatusProblem(Exception):
    """Why the status could not be established."""


def check_ob3(credential: dict[str, Any], report: Report, context: Context) -> None:
    entries = list_of(credential.get("credentialStatus"))
    if not entries:
        report.add(STATUS, True, "the credential has no credentialStatus: its issuer cannot "
                                 "revoke or suspend it")
        return
    results = []
    for entry in entries:
        try:
            results.append(_entry(entry, credential, report, context))
        except StatusProblem as error:
            results.append((False, str(error)))
    report.add(STATUS, all(ok for ok, _ in results), "; ".join(d for _, d in results))


def _entry(entry: Any, credential: dict[str, Any], report: Report, context: Context
           ) -> tuple[bool, str]:
    if not isinstance(entry, dict):
        raise StatusProblem("a credentialStatus entry must be an object")
    types = list_of(entry.get("type"))
    if _BITSTRING_ENTRY in types:
        return _bitstring(entry, credential, report, context)
    if _REVOCATION_LIST in types:
        return _revocation_list(entry, credential, context)
    report.warn(f"credentialStatus of type {types} was not checked")
    return True, f"status of type {types} not checked"


def _fetch(url: Any, context: Context, what: str) -> dict[str, Any]:
    if not isinstance(url, str) or not url:
        raise StatusProblem(f"the status entry names no {what}")
    try:
        document = context.session.document(url)
    except FetchError as error:
        raise StatusProblem(f"cannot fetch the {what} {url}: {error}") from error
    return document


def _index(entry: dict[str, Any]) -> int:
    raw = entry.get("statusListIndex")
    try:
        index = int(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else -1
    except ValueError:
        index = -1
    if index < 0:
        raise StatusProblem(f"statusListIndex {raw!r} is not a non-negative integer")
    size = entry.get("statusSize", 1)
    if str(size) != "1":
        raise StatusProblem(f"statusSize {size!r} is not supported (only 1-bit statuses)")
    return index


def _check_list_credential(status_list: dict[str, Any], url: str, credential: dict[str, Any],
                           report: Report, context: Context) -> None:
    if _BITSTRING_LIST not in list_of(status_list.get("type")):
        raise StatusProblem(f"{url} is not a {_BITSTRING_LIST}")
    issuer, list_issuer = id_of(credential.get("issuer")), id_of(status_list.get("issuer"))
    if list_issuer != issuer:
        raise StatusProblem(f"the status list {url} was issued by {list_issuer}, not by the "
                            f"credential's issuer {issuer}")
    outcome = integrity.check_proofs(status_list, context.session)
    for warning in outcome.warnings:
        report.warn(f"status list {url}: {warning}")
    if not outcome.proof_ok:
        raise StatusProblem(f"the status list {url} does not verify: {outcome.proof_detail}")
    if not outcome.binding_ok:
        raise StatusProblem(f"the status list {url} is not signed by its issuer: "
                            f"{outcome.binding_detail}")
    starts, ends = parse_time(status_list.get("validFrom")), parse_time(
        status_list.get("validUntil"))
    if (starts and starts > context.now) or (ends and ends <= context.now):
        raise StatusProblem(f"the status list {url} is not valid now (validFrom "
                            f"{status_list.get('validFrom')}, validUntil "
                            f"{status_list.get('validUntil')})")


def _bitstring(entry: dict[str, Any], credential: dict[str, Any], report: Report,
               context: Context) -> tuple[bool, str]:
    purpose, index = entry.get("statusPurpose"), _index(entry)
    url = entry.get("statusListCredential")
    status_list = _fetch(url, context, "status list credential")
    _check_list_credential(status_list, url, credential, report, context)
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or "BitstringStatusList" not in list_of(subject.get("type")):
        raise StatusProblem(f"{url} has no BitstringStatusList subject")
    if purpose not in list_of(subject.get("statusPurpose")):
        raise StatusProblem(f"the status list {url} is for {subject.get('statusPurpose')!r}, "
                            f"the entry for {purpose!r}")
    try:
        bits = bitstring.decode(subject.get("encodedList") or "")
    except (ValueError, OSError, EOFError, zlib.error) as error:
        raise StatusProblem(f"the encodedList of {url} cannot be decoded: {error}") from error
    if index >= len(bits) * 8:
        raise StatusProblem(f"statusListIndex {index} is beyond the {len(bits) * 8} entries "
                            f"of {url}")
    is_set = bitstring.get_bit(bits, index)
    where = f"index {index} of {url}"
    if purpose == "revocation":
        return (False, f"revoked ({where})") if is_set else (True, f"not revoked ({where})")
    if purpose == "suspension":
        return (False, f"suspended ({where})") if is_set else (True, f"not suspended ({where})")
    report.warn(f"status purpose {purpose!r} (bit {int(is_set)} at {where}) was not "
                "interpreted")
    return True, f"{purpose} status {int(is_set)} ({where})"


def _reason(entry: Any) -> str:
    reason = entry.get("revocationReason") if isinstance(entry, dict) else None
    return f": {reason}" if isinstance(reason, str) and reason else ""


def _revocation_list(entry: dict[str, Any], credential: dict[str, Any], context: Context
                     ) -> tuple[bool, str]:
    url = entry.get("id")
    document = _fetch(url, context, "1EdTech revocation list")
    issuer, list_issuer = id_of(credential.get("issuer")), id_of(document.get("issuer"))
    if list_issuer is not None and list_issuer != issuer:
        raise StatusProblem(f"the revocation list {url} is the list of {list_issuer}, not of "
                            f"the credential's issuer {issuer}")
    for revoked in list_of(document.get("revokedCredentials")):
        if id_of(revoked) == credential.get("id") and not (
                isinstance(revoked, dict) and revoked.get("revoked") is False):
            return False, f"revoked in {url}{_reason(revoked)}"
    return True, f"not in the issuer's revocation list {url}"


def check_ob2_revocation_list(assertion_id: Any, issuer: dict[str, Any], report: Report,
                              context: Context) -> None:
    """A signed OB 2.0 assertion is revoked when its issuer's RevocationList names it."""
    reference = issuer.get("revocationList")
    if reference is None:
        report.add(STATUS, True, "the issuer publishes no revocation list")
        return
    try:
        document = (reference if isinstance(reference, dict) and "revokedAssertions" in
                    reference else _fetch(id_of(reference), context, "revocation list"))
    except StatusProblem as error:
        report.add(STATUS, False, str(error))
        return
    url = id_of(reference)
    for revoked in list_of(document.get("revokedAssertions")):
        if id_of(revoked) == assertion_id:
            report.add(STATUS, False, f"revoked in the issuer's RevocationList {url}"
                                      f"{_reason(revoked)}")
            return
    report.add(STATUS, True, f"not in the issuer's RevocationList {url}")
