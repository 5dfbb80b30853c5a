"""The `validity` check: a badge is valid from validFrom (OB 2.0: issuedOn) and until
validUntil (OB 2.0: expires), compared with an injectable `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from credentials.verification.report import VALIDITY, Report


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (or date) as an aware UTC datetime; None if it is not one. A
    value without an offset is read as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def check_window(report: Report, *, now: datetime, start: Any, start_name: str, end: Any,
                 end_name: str) -> None:
    """Add the `validity` check for a start (required) and an optional end."""
    begins = parse_time(start)
    if begins is None:
        report.add(VALIDITY, False, f"{start_name} is missing or not a date-time: {start!r}")
        return
    if begins > now:
        report.add(VALIDITY, False, f"not valid before {start} ({start_name} is in the future)")
        return
    if end is None:
        report.add(VALIDITY, True, f"valid since {start}; it does not expire")
        return
    ends = parse_time(end)
    if ends is None:
        report.add(VALIDITY, False, f"{end_name} is not a date-time: {end!r}")
    elif ends <= now:
        report.add(VALIDITY, False, f"expired on {end} ({end_name})")
    else:
        report.add(VALIDITY, True, f"valid from {start} until {end}")


def check_ob3(credential: dict[str, Any], report: Report, now: datetime) -> None:
    """VC 2.0 validFrom/validUntil; VC 1.1's issuanceDate/expirationDate when those are
    absent."""
    if "validFrom" in credential or "issuanceDate" not in credential:
        start, start_name = credential.get("validFrom"), "validFrom"
    else:
        start, start_name = credential.get("issuanceDate"), "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential else "expirationDate"
    check_window(report, now=now, start=start, start_name=start_name,
                 end=credential.get(end_name), end_name=end_name)


def check_ob2(assertion: dict[str, Any], report: Report, now: datetime) -> None:
    check_window(report, now=now, start=assertion.get("issuedOn"), start_name="issuedOn",
                 end=assertion.get("expires"), end_name="expires")
