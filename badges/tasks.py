"""Badge tasks: run by Celery workers or the in-process pool (cairn/jobs.py).

`run_bulk_award` is safe to run twice, concurrently or after a crash: each row is
awarded with an Idempotency-Key derived from (job id, row number), so a row awarded
by an earlier run is found again instead of awarded again, and two racing runs meet
the assertions' unique constraint, whose loser returns the winner's award.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from badges.awards import AwardDetails, Recipient, award_badge
from badges.bulk import BULK_AWARD
from badges.models import Assertion, BadgeClass
from cairn.auth import Actor
from cairn.db import db
from cairn.errors import CairnError
from cairn.jobs import MAX_ERRORS, Job, load_job, mark_failed, register_kind, update_job
from cairn.users import User
from issuers.models import Issuer
from issuers.permissions import role_of
from recipients.models import IdentityType
from recipients.services import find_identity

log = logging.getLogger(__name__)


def run_bulk_award(job_public_id: str) -> None:
    """Award every row of a bulk-award job, skipping people who already hold the badge."""
    job = load_job(job_public_id)
    if job is None or job.status in ("done", "failed"):
        return
    try:
        _run(job)
    except Exception as error:
        log.exception("bulk award %s failed", job_public_id)
        mark_failed(job_public_id, f"The job stopped: {type(error).__name__}.")
        raise


def _run(job: Job) -> None:
    job_id = job.public_id
    payload = job.payload
    actor = _actor(job)
    update_job(job_id, status="running", done=0)
    every = max(1, int(current_app.config["JOBS_PROGRESS_EVERY"]))
    badge_class_id = payload["badge_class"]
    errors: list[dict[str, Any]] = []
    counts = {"awarded": 0, "already_held": 0, "failed": 0}
    rows = payload["rows"]
    for done, row in enumerate(rows, start=1):
        key = f"bulk:{job_id}:{row['row']}"
        try:
            outcome = _award_row(actor, badge_class_id, row, key)
        except CairnError as error:
            db.session.rollback()
            outcome = "failed"
            if len(errors) < MAX_ERRORS:
                errors.append({"row": row["row"], "code": error.code,
                               "message": error.message, "errors": error.errors})
        counts[outcome] += 1
        if done % every == 0 and done < len(rows):
            update_job(job_id, done=done, errors=errors)
    update_job(job_id, status="done", done=len(rows), errors=errors,
               result={**counts, "skipped_invalid": payload.get("skipped_invalid", 0)})


def _award_row(actor: Actor, badge_class_id: str, row: dict[str, Any], key: str) -> str:
    recipient = Recipient(IdentityType(row["recipient"]["type"]), row["recipient"]["identity"],
                          row["recipient"].get("name"))
    if _awarded_by_earlier_run(actor, key):
        return "awarded"
    if _already_holds(badge_class_id, recipient):
        return "already_held"
    details = AwardDetails(evidence=tuple(row.get("evidence") or ()),
                           narrative=row.get("narrative"))
    award_badge(actor, badge_class_id, recipient, details, idempotency_key=key)
    return "awarded"


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


def _actor(job: Job) -> Actor:
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
    if not (actor.has_scope("badges:award") or actor.has_scope("issuers:read")):
        return False
    issuer = db.session.scalar(sa.select(Issuer).where(
        Issuer.public_id == job.issuer_public_id))
    return issuer is not None and role_of(actor, issuer) is not None


@shared_task(name="badges.run_bulk_award", ignore_result=True)
def bulk_award_task(job_public_id: str) -> None:
    run_bulk_award(job_public_id)


register_kind(BULK_AWARD, "badges.run_bulk_award", run_bulk_award, may_read_bulk_award)
