"""Badge tasks: run by Celery workers or the in-process pool (cairn/jobs.py).

A bulk award runs in parts of JOBS_PART_SIZE rows (cairn/job_parts.py), in parallel on
the pool's threads or on several Celery workers, each part in batches of
BULK_BATCH_SIZE rows (badges/batch.py). Every part is safe to run twice, concurrently or
after a crash: each row is awarded with an Idempotency-Key derived from (job id, row
number), so a row awarded by an earlier run is found again instead of awarded again,
and two racing runs meet the assertions' unique constraint; the batch that loses is
rolled back whole and its rows are awarded one by one, where the loser returns the
winner's award.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from sqlalchemy.exc import IntegrityError

from badges.awards import AwardDetails, Recipient, award_badge
from badges.batch import ALREADY_HELD, AWARDED, BatchItem, award_batch
from badges.bulk import BULK_AWARD
from badges.models import Assertion, BadgeClass
from cairn.auth import Actor
from cairn.db import db
from cairn.errors import CairnError
from cairn.job_parts import claim_part, report_part, run_parts
from cairn.jobs import MAX_ERRORS, Job, register_kind
from cairn.users import User
from issuers.permissions import has_role_at
from recipients.models import IdentityType
from recipients.services import find_identity


def run_bulk_award(job_public_id: str, part: int | None = None) -> None:
    """Award the rows of one part of a bulk-award job (all unfinished parts without
    `part`), skipping people who already hold the badge."""
    run_parts(job_public_id, part, _run_part)


def _run_part(job_public_id: str, number: int) -> None:
    claimed = claim_part(job_public_id, number)
    if claimed is None:
        return
    job, part = claimed
    actor = job_actor(job)
    rows = job.payload["rows"][part.start:part.stop]
    size = max(1, int(current_app.config["BULK_BATCH_SIZE"]))
    counts = {AWARDED: 0, ALREADY_HELD: 0, "failed": 0}
    errors: list[dict[str, Any]] = []
    for first in range(0, len(rows), size):
        for outcome in _award_rows(actor, job, rows[first:first + size], errors):
            counts[outcome] += 1
        finished = first + size >= len(rows)
        report_part(job, number, done=min(first + size, len(rows)), counts=counts,
                    errors=errors, finished=finished)
    if not rows:
        report_part(job, number, done=0, counts=counts, errors=errors, finished=True)


def _award_rows(actor: Actor, job: Job, rows: list[dict[str, Any]],
                errors: list[dict[str, Any]]) -> list[str]:
    """Each row's outcome: a batch, or row by row when the batch cannot be (a racing run,
    or a row the batch refuses: its error is then reported on that row alone)."""
    items = [batch_item(job, row) for row in rows]
    try:
        outcomes = award_batch(actor, job.payload["badge_class"], items)
        return [outcomes[item.key] for item in items]
    except (IntegrityError, CairnError):
        db.session.rollback()
    return [_award_one(actor, job, item, row, errors) for item, row in zip(items, rows,
                                                                            strict=True)]


def batch_item(job: Job, row: dict[str, Any]) -> BatchItem:
    recipient = Recipient(IdentityType(row["recipient"]["type"]), row["recipient"]["identity"],
                          row["recipient"].get("name"))
    details = AwardDetails(evidence=tuple(row.get("evidence") or ()),
                           narrative=row.get("narrative"),
                           notify=bool(job.payload.get("notify", False)))
    return BatchItem(key=f"bulk:{job.public_id}:{row['row']}", recipient=recipient,
                     details=details)


def _award_one(actor: Actor, job: Job, item: BatchItem, row: dict[str, Any],
               errors: list[dict[str, Any]]) -> str:
    try:
        if _awarded_by_earlier_run(actor, item.key):
            return AWARDED
        if _already_holds(job.payload["badge_class"], item.recipient):
            return ALREADY_HELD
        award_badge(actor, job.payload["badge_class"], item.recipient, item.details,
                    idempotency_key=item.key)
        return AWARDED
    except CairnError as error:
        db.session.rollback()
        if len(errors) < MAX_ERRORS:
            errors.append({"row": row["row"], "code": error.code, "message": error.message,
                           "errors": error.errors})
        return "failed"


def _awarded_by_earlier_run(actor: Actor, key: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion).where(
        Assertion.awarded_by_id == actor.user_id, Assertion.idempotency_key == key)) > 0


def _already_holds(badge_class_public_id: str, recipient: Recipient) -> bool:
    """An unrevoked award of this badge class to this identity exists."""
    identity = find_identity(recipient.type, recipient.identity)
    if identity is None:
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion).join(
        BadgeClass, Assertion.badge_class_id == BadgeClass.id).where(
        BadgeClass.public_id == badge_class_public_id,
        Assertion.recipient_identity_id == identity.id,
        Assertion.revoked_at.is_(None))) > 0


def job_actor(job: Job) -> Actor:
    """Act as the job's creator, narrowed as their token was when the job was queued;
    their role is checked again on each award, so a role lost meanwhile stops the awards."""
    user = db.session.get(User, job.created_by_id)
    if user is None:
        raise LookupError("the job's creator no longer exists")
    narrowed = job.payload.get("actor") or {}
    return Actor(user_id=user.id, is_admin=user.is_admin,
                 scopes=frozenset(narrowed.get("scopes") or ()),
                 issuer_public_id=narrowed.get("issuer"))


def may_read_bulk_award(actor: Actor, job: Job) -> bool:
    """Anyone with a role at the job's issuer (and a token that reaches it) may watch it."""
    return (actor.has_scope("badges:award") or actor.has_scope("issuers:read")) \
        and has_role_at(actor, job.issuer_public_id)


@shared_task(name="badges.run_bulk_award", ignore_result=True)
def bulk_award_task(job_public_id: str, part: int | None = None) -> None:
    run_bulk_award(job_public_id, part)


register_kind(BULK_AWARD, "badges.run_bulk_award", run_bulk_award, may_read_bulk_award,
              in_parts=True)
