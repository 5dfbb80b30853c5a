"""Cairn's verifier: any Open Badges 2.0 or 3.0 badge, from any issuer.

`verify_badge` takes one badge (a JSON object or JWS/JWT text, a URL, or a baked image) and
returns a `Report` of separate checks (report.py names them). It never raises for a badge
that fails; only input that is no badge at all raises `UnreadableBadge`. Everything fetched
goes through the injected `Fetcher` (fetcher.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from credentials.fetch import FetchError, FetchPolicy
from credentials.verification import detect, ob2, ob3, ob3jwt
from credentials.verification.context import Context
from credentials.verification.detect import Candidate
from credentials.verification.fetcher import Fetcher, HttpFetcher, Session
from credentials.verification.report import (
    FETCH,
    OB2_HOSTED,
    OB2_SIGNED,
    OB3_DI,
    OB3_JWT,
    Check,
    Recipient,
    Report,
    UnreadableBadge,
)

__all__ = ["Check", "Fetcher", "FetchPolicy", "HttpFetcher", "Recipient", "Report",
           "UnreadableBadge", "verify_badge"]

log = logging.getLogger(__name__)
#: A badge URL may lead to a baked image or text holding another URL, once or twice.
_MAX_HOPS = 3


def verify_badge(*, credential: Any = None, url: str | None = None,
                 image: bytes | None = None, recipient: Recipient | None = None,
                 fetcher: Fetcher | None = None, now: datetime | None = None) -> Report:
    """Verify one badge given as `credential` (a JSON object, or JSON/JWS/JWT text), `url`
    or `image` (a baked PNG or SVG, or a file of JSON/JWS text)."""
    if sum(value is not None for value in (credential, url, image)) != 1:
        raise UnreadableBadge("Give one badge: a credential, a URL or a baked image.")
    report = Report()
    session = Session(fetcher or HttpFetcher())
    context = Context(session, (now or datetime.now(UTC)).astimezone(UTC), recipient)
    if url is not None:
        candidate = Candidate(None, url=url)
    elif image is not None:
        candidate = detect.from_bytes(image, report)
    else:
        candidate = detect.from_value(credential)
    for _ in range(_MAX_HOPS):
        if candidate.format is not None:
            break
        follow = _follow(candidate.url or "", report, session)
        if follow is None:
            return report
        candidate = follow
    if candidate.format is None:
        raise UnreadableBadge("The badge URL leads only to more URLs.")
    report.format = candidate.format
    try:
        _verify(candidate, report, context)
    # A bug of Cairn's, or a library failing on input nobody foresaw: the report says the
    # verification could not finish rather than the service answering 500.
    except Exception as error:
        log.exception("verification failed unexpectedly")
        report.add("verification", False, f"the verifier could not finish: "
                                          f"{error.__class__.__name__}")
    report.sort()
    return report


def _follow(url: str, report: Report, session: Session) -> Candidate | None:
    try:
        body = session.bytes(url)
    except FetchError as error:
        report.add(FETCH, False, str(error))
        return None
    report.add(FETCH, True, f"fetched {url}")
    return detect.from_bytes(body, report)


def _verify(candidate: Candidate, report: Report, context: Context) -> None:
    if candidate.format == OB3_DI:
        ob3.verify_data_integrity(candidate.document, report, context)
    elif candidate.format == OB3_JWT:
        ob3jwt.verify_jwt(candidate.token, candidate.header, candidate.document, report,
                          context)
    elif candidate.format == OB2_SIGNED:
        ob2.verify_signed(candidate.token, candidate.header, candidate.document, report,
                          context)
    elif candidate.format == OB2_HOSTED:
        ob2.verify_hosted(candidate.document, candidate.url, report, context)
