"""What every step of one verification shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from credentials.verification.fetcher import Session
from credentials.verification.report import Recipient


@dataclass(frozen=True)
class Context:
    session: Session
    now: datetime
    recipient: Recipient | None = None
