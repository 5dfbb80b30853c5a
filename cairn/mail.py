"""Mail through an outbox: a message is a row written in the transaction that caused it,
so an award and its notification commit together and a failed send never loses either.
Delivery (SMTP, or the log on the embedded default) happens after the commit: the session
notes what it queued (`QUEUED`), and cairn/mail_delivery.py sends it once committed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cairn.db import UTCDateTime, db, utcnow

STATUSES = ("pending", "sent", "logged", "failed")
#: Session.info key: the messages queued in the session's current transaction.
QUEUED = "cairn.mail.queued"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status}>"


def queue_mail(to: str, subject: str, text: str, html: str | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (delivered after commit)."""
    message = OutboxMessage(to_address=to, subject=one_line(subject)[:300], text_body=text,
                            html_body=html, status="pending", attempts=0,
                            next_attempt_at=utcnow(), created_at=utcnow())
    db.session.add(message)
    db.session.info.setdefault(QUEUED, []).append(message)
    return message


def one_line(text: str) -> str:
    """A header value: a line break in a badge name must not end the header (or add one)."""
    return " ".join(text.split())
