"""Pathway jobs: evaluating the people whose actions or badges just changed, and the
backfill of a whole pathway. Run by Celery workers or the in-process pool (cairn/jobs.py).

Both are jobs in parts (cairn/job_parts.py), one item per person, and safe to run twice,
concurrently or after a crash: a person evaluated again finds their milestone awards
already made (the unique MilestoneAward row), so a restarted part repeats no award.

Receivers: `actions_recording` adds one evaluation job covering every (person, action
type) of the call that can affect a milestone to the transaction that stores the actions,
and `actions_recorded` hands it to the runner after the commit; a process that dies in
between leaves the job queued, and it is run when jobs are resumed. An award made
elsewhere (`badge_awarded`) queues one for the milestones naming its badge class (a job
lost to a crash between that award's commit and the job's is made good by a backfill).
Nothing is queued when no milestone depends on what changed. An after-commit receiver
never fails its sender (the actions or the award are committed already).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from badges.models import Assertion
from badges.signals import badge_awarded
from cairn.auth import Actor
from cairn.db import db, transaction
from cairn.job_parts import (
    claim_part,
    finish_taken,
    release_taken,
    report_part,
    run_parts,
    take_parts,
)
from cairn.jobs import (
    MAX_ERRORS,
    Job,
    JobPart,
    create_job,
    enqueue,
    register_kind,
    submit,
)
from issuers.permissions import has_role_at
from pathways.evaluation import AWARDING, Evaluation
from pathways.evaluation_batch import evaluate_changes, evaluate_milestones
from pathways.models import Milestone, MilestoneTrigger
from pathways.pathway_progress import candidates
from pathways.services import READ, WRITE, find_pathway, get_pathway
from pathways.signals import actions_recorded, actions_recording

log = logging.getLogger(__name__)

EVALUATION, BACKFILL = "pathway_evaluation", "pathway_backfill"
#: Jobs queued by the engine itself belong to no user; admins may read them.
ENGINE = Actor(user_id=None, is_admin=False, scopes=frozenset())  # type: ignore[arg-type]


# --- starting ---------------------------------------------------------------------------

def start_backfill(actor: Actor, public_id: str) -> Job:
    """Queue a job evaluating every person with actions or badges the pathway's rules
    name, awarding each milestone that holds (and was not awarded yet)."""
    with transaction():
        pathway = get_pathway(actor, public_id, WRITE)
        people = candidates(pathway)
        job = create_job(actor, BACKFILL, issuer_public_id=pathway.issuer.public_id,
                         payload={"pathway": pathway.public_id, "people": people},
                         total=len(people), part_size=current_app.config["JOBS_PART_SIZE"],
                         result={"awarded": 0, "already_awarded": 0, "failed": 0})
    enqueue(job)
    return job


def queue_evaluation(triggers: Iterable[tuple[int, str | None, str | None]]) -> Job | None:
    """Queue one job evaluating, per person, the milestones that these (identity id,
    action type, badge class) changes can affect; None when no milestone can be."""
    with transaction():
        job = add_evaluation(triggers)
    if job is not None:
        enqueue(job)
    return job


def add_evaluation(triggers: Iterable[tuple[int, str | None, str | None]]) -> Job | None:
    """`queue_evaluation`'s job, added to the caller's transaction and not enqueued."""
    wanted: dict[int, tuple[set[str], set[str]]] = {}
    for identity_id, action_type, badge_class in triggers:
        types, badges = wanted.setdefault(identity_id, (set(), set()))
        types.update([action_type] if action_type else [])
        badges.update([badge_class] if badge_class else [])
    relevant = _watched(set().union(*(types for types, _ in wanted.values())),
                        set().union(*(badges for _, badges in wanted.values())))
    people = [{"identity": identity_id,
               "action_types": sorted(types & relevant), "badges": sorted(badges & relevant)}
              for identity_id, (types, badges) in sorted(wanted.items(), key=_by_shard)
              if (types | badges) & relevant]
    if not people:
        return None
    return create_job(ENGINE, EVALUATION, issuer_public_id=None, payload={"people": people},
                      total=len(people), part_size=current_app.config["JOBS_PART_SIZE"],
                      shards=[shard_of(entry["identity"]) for entry in people],
                      result={"awarded": 0, "already_awarded": 0, "failed": 0})


#: Evaluation parts are cut per shard of people, and a part takes over queued parts of
#: its own shard only: every queued change of a person then meets in one run, which reads
#: all of their actions once, instead of one run per batch that mentioned them. Several
#: shards keep several workers busy.
SHARDS = 4


def shard_of(identity_id: int) -> int:
    return identity_id % SHARDS


def _by_shard(item: tuple[int, Any]) -> tuple[int, int]:
    return shard_of(item[0]), item[0]


def _watched(types: set[str], badges: set[str]) -> set[str]:
    """The action types and badge classes among these that an active milestone watches."""
    if not types and not badges:
        return set()
    condition = sa.or_(sa.and_(MilestoneTrigger.kind == "action",
                               MilestoneTrigger.key.in_(types)),
                       sa.and_(MilestoneTrigger.kind == "badge",
                               MilestoneTrigger.key.in_(badges)))
    return set(db.session.scalars(sa.select(MilestoneTrigger.key).distinct()
                                  .join(Milestone, Milestone.id == MilestoneTrigger.milestone_id)
                                  .where(condition, Milestone.archived_at.is_(None))))


# --- receivers --------------------------------------------------------------------------

@actions_recording.connect
def _on_actions_recording(sender: Any, actions: Iterable[tuple] = (), **extra: Any) -> None:
    job = add_evaluation((identity_id, type_key, None) for _, identity_id, type_key, _ in actions)
    if job is not None:
        db.session.info.setdefault(_NEW_JOBS, []).append(job)


@actions_recorded.connect
def _on_actions_recorded(sender: Any, **extra: Any) -> None:
    for job in db.session.info.pop(_NEW_JOBS, []):
        _safely(lambda job=job: enqueue(job))


@badge_awarded.connect
def _on_badge_awarded(assertion: Assertion, **extra: Any) -> None:
    if db.session.info.get(AWARDING):  # an award of the engine: it follows it up itself
        return
    if not assertion.badge_class.watched_by_milestones:  # no milestone can depend on it
        return
    trigger = (assertion.recipient.id, None, assertion.badge_class.public_id)
    if db.session.info.get("cairn_tx_depth"):  # sent inside a transaction still open
        db.session.info.setdefault(_DEFERRED, []).append(trigger)
        return
    _safely(lambda: queue_evaluation([trigger]))


#: Session.info keys: awards signalled inside a transaction, to evaluate once it commits;
#: evaluation jobs added to the actions' transaction, to enqueue once it commits.
_DEFERRED, _NEW_JOBS = "pathways.deferred_triggers", "pathways.new_jobs"


def _after_commit(session: Session) -> None:
    """An award made inside a caller's transaction (`award_badge` joined to it) is
    signalled before that commit; its evaluation is queued after it, from the pool."""
    triggers = session.info.pop(_DEFERRED, None)
    if triggers:
        submit(current_app._get_current_object(),  # type: ignore[attr-defined]
               lambda: _safely(lambda: queue_evaluation(triggers)))


def _after_rollback(session: Session) -> None:
    session.info.pop(_DEFERRED, None)  # the awards are gone
    session.info.pop(_NEW_JOBS, None)  # and the actions with their jobs


event.listen(db.session, "after_commit", _after_commit)
event.listen(db.session, "after_rollback", _after_rollback)


def _safely(queue: Callable[[], Any]) -> None:
    """Signals are sent after their sender's commit: a failure here must not turn a
    recorded action or a made award into an error for its client."""
    try:
        queue()
    except Exception:
        db.session.rollback()
        log.exception("could not queue a pathway evaluation")


# --- running ----------------------------------------------------------------------------

def run_evaluation(job_public_id: str, part: int | None = None) -> None:
    run_parts(job_public_id, part, _run_evaluation_part)


def run_backfill(job_public_id: str, part: int | None = None) -> None:
    run_parts(job_public_id, part, _run_backfill_part)


#: The most entries (person and change) an evaluation part runs: its own, and those of
#: the queued parts of its shard that it takes over. A person named in several counts once.
MERGED_PEOPLE = 20000
#: An evaluation part's (or a part taken over's) result: its job, the part, its counts and
#: its errors.
Report = tuple[Job, JobPart, dict[str, int], list[dict[str, Any]]]


def _run_evaluation_part(job_public_id: str, number: int) -> None:
    """Run a part of an evaluation together with the queued parts of other evaluations
    that it can take over (each ingested batch queues a job of its own): a person changed
    in several of them is evaluated once, and each milestone reached is awarded to more
    people per batch. Taken parts are marked done with this one; if it fails they are
    given back (and queued again), and if its process dies its re-run takes them again."""
    claimed = claim_part(job_public_id, number)
    if claimed is None:
        return
    job, part = claimed
    own = job.payload["people"][part.start:part.stop]
    taken = take_parts(part, EVALUATION, items=MERGED_PEOPLE - len(own))
    units = [(job, part, own)] + [(other, other_part, _entries(other, other_part))
                                  for other, other_part in taken]
    try:
        results = _evaluate_units(units)
    except Exception:
        db.session.rollback()
        for other in release_taken(taken):
            _safely(lambda other=other: enqueue(other))
        raise
    reports = _reports(units, results)
    finish_taken(reports[1:])
    _, _, counts, errors = reports[0]
    report_part(job, number, done=len(own), counts=counts, errors=errors, finished=True)


def _entries(job: Job, part: JobPart) -> list[dict[str, Any]]:
    return job.payload["people"][part.start:part.stop]


def _evaluate_units(units: list[tuple[Job, JobPart, list]]) -> dict[int, Evaluation]:
    """Every person's changes across the units, evaluated at once (at most MERGED_PEOPLE
    entries: the fewer the batches per milestone, the less each award costs); each
    person's result."""
    changes: dict[int, tuple[set[str], set[str]]] = {}
    for _, _, entries in units:
        for entry in entries:
            types, badges = changes.setdefault(entry["identity"], (set(), set()))
            types.update(entry["action_types"])
            badges.update(entry["badges"])
    return evaluate_changes(changes) if changes else {}


def _reports(units: list[tuple[Job, JobPart, list]], results: dict[int, Evaluation],
             ) -> list[Report]:
    """Each unit's counts and errors; a person in several units counts in the first."""
    counted: set[int] = set()
    reports: list[Report] = []
    for job, part, entries in units:
        counts = {"awarded": 0, "already_awarded": 0, "failed": 0}
        errors: list[dict[str, Any]] = []
        for offset, entry in enumerate(entries):
            if entry["identity"] in counted:
                continue
            counted.add(entry["identity"])
            result = results.get(entry["identity"], Evaluation())
            _count(counts, errors, result, row=part.start + offset + 1)
        reports.append((job, part, counts, errors))
    return reports


def _count(counts: dict[str, int], errors: list[dict[str, Any]], result: Evaluation, *,
           row: int) -> None:
    counts["awarded"] += result.awarded
    counts["already_awarded"] += result.already
    counts["failed"] += result.failed
    for error in result.errors[:MAX_ERRORS - len(errors)]:
        errors.append({"row": row, **error})


def _run_backfill_part(job_public_id: str, number: int) -> None:
    """All of the pathway's milestones for each person of the part, as the pathway is when
    the part starts, then what the badges awarded can change elsewhere; progress after
    each group."""
    claimed = claim_part(job_public_id, number)
    if claimed is None:
        return
    job, part = claimed
    pathway = find_pathway(job.payload["pathway"])
    entries = job.payload["people"][part.start:part.stop]
    size = max(1, int(current_app.config["PATHWAYS_GROUP_SIZE"]))
    counts = {"awarded": 0, "already_awarded": 0, "failed": 0}
    errors: list[dict[str, Any]] = []
    for first in range(0, len(entries), size):
        group = entries[first:first + size]
        results = evaluate_milestones(group, pathway.active_milestones) \
            if pathway is not None else {}
        for offset, identity_id in enumerate(group, start=first):
            _count(counts, errors, results.get(identity_id, Evaluation()),
                   row=part.start + offset + 1)
        done = first + len(group)
        report_part(job, number, done=done, counts=counts, errors=errors,
                    finished=done == len(entries))
    if not entries:
        report_part(job, number, done=0, counts=counts, errors=errors, finished=True)


def may_read_evaluation(actor: Actor, job: Job) -> bool:
    """Evaluations span issuers (actions are instance-wide): admins only."""
    return actor.is_admin and actor.issuer_public_id is None


def may_read_backfill(actor: Actor, job: Job) -> bool:
    return actor.has_scope(READ[0]) and has_role_at(actor, job.issuer_public_id)


@shared_task(name="pathways.run_evaluation", ignore_result=True)
def evaluation_task(job_public_id: str, part: int | None = None) -> None:
    run_evaluation(job_public_id, part)


@shared_task(name="pathways.run_backfill", ignore_result=True)
def backfill_task(job_public_id: str, part: int | None = None) -> None:
    run_backfill(job_public_id, part)


register_kind(EVALUATION, "pathways.run_evaluation", run_evaluation, may_read_evaluation,
              in_parts=True)
register_kind(BACKFILL, "pathways.run_backfill", run_backfill, may_read_backfill,
              in_parts=True)
