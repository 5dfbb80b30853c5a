"""The webhook events of awards and revocations (cairn/webhooks.py), queued in the
transaction of the change they report, so that a receiver never hears of an award that
was rolled back.

The data names the award by its public id and `urls`, as the API does; the recipient is
given by identity type only: an email address never leaves Cairn in a webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from badges.documents import assertion_urls
from badges.models import Assertion
from cairn.webhooks import queue_event, queue_events, rfc3339
from issuers.models import Issuer


def queue_awarded(assertions: Sequence[Assertion]) -> None:
    """`assertion.awarded` for each award; each issuer's subscribers are read once."""
    by_issuer: dict[Issuer, list[dict[str, Any]]] = {}
    for assertion in assertions:
        by_issuer.setdefault(assertion.issuer, []).append(award_data(assertion))
    for issuer, items in by_issuer.items():
        queue_events(issuer.public_id, "assertion.awarded", items, version=issuer.updated_at)


def queue_revoked(assertion: Assertion) -> None:
    queue_event(assertion.issuer.public_id, "assertion.revoked", {
        **award_data(assertion), "revoked_at": rfc3339(assertion.revoked_at),
        "reason": assertion.revocation_reason})


def award_data(assertion: Assertion) -> dict[str, Any]:
    return {"assertion": assertion.public_id, "badge_class": assertion.badge_class.public_id,
            "recipient_type": assertion.recipient_type.value,
            "issued_on": rfc3339(assertion.issued_on), "urls": assertion_urls(assertion)}
