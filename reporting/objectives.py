"""Objectives and their key results: define, change, list, remove.

An objective belongs to a program (docs/decisions.md, "Reporting"): posted with
`"program"`, or with `"issuer"` for that issuer's own program, made on first use. Its
period defaults to the current quarter in the program's time zone; a key result's period
defaults to its objective's. Each key result's metric is checked against the program
(reporting/metric_specs.py) and every problem of every key result is reported at once,
keyed by its dotted path (`key_results.1.metric.badge_classes`); nothing is written then.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from cairn.auth import Actor, require_scope
from cairn.db import db, transaction, utcnow
from issuers.models import Issuer
from reporting.access import READ, WRITE, authorize_program, readable_programs_clause
from reporting.errors import InvalidObjective, KeyResultNotFound, ObjectiveNotFound, ProgramNotFound
from reporting.metric_specs import check_metric, default_unit
from reporting.models import KeyResult, Objective, Program, program_issuers
from reporting.periods import local_today, quarter_of
from reporting.services import find_program, own_program

MAX_KEY_RESULTS = 50


def _objectives() -> sa.Select:
    return sa.select(Objective).options(
        selectinload(Objective.program).selectinload(Program.issuers),
        selectinload(Objective.key_results))


def get_objective(actor: Actor, public_id: str, access: tuple = READ) -> Objective:
    objective = db.session.scalar(_objectives().where(Objective.public_id == public_id))
    if objective is None:
        raise ObjectiveNotFound("No such objective.")
    try:
        authorize_program(actor, objective.program, access)
    except ProgramNotFound as error:
        raise ObjectiveNotFound("No such objective.") from error
    return objective


def list_objectives(actor: Actor, *, program_public_id: str | None,
                    issuer_public_id: str | None, limit: int, after: int | None
                    ) -> list[Objective]:
    """Oldest first, of every program the actor may read; `issuer`: the programs
    covering that issuer."""
    require_scope(actor, READ[0])
    query = (_objectives().join(Objective.program).where(readable_programs_clause(actor))
             .order_by(Objective.id).limit(limit + 1))
    if program_public_id is not None:
        query = query.where(Program.public_id == program_public_id)
    if issuer_public_id is not None:
        query = query.where(sa.exists().where(
            program_issuers.c.program_id == Program.id,
            program_issuers.c.issuer_id == sa.select(Issuer.id).where(
                Issuer.public_id == issuer_public_id).scalar_subquery()))
    if after is not None:
        query = query.where(Objective.id > after)
    return list(db.session.scalars(query))


def _program_for(actor: Actor, definition: Mapping[str, Any]) -> Program:
    if definition.get("program") is not None:
        try:
            program = authorize_program(actor, find_program(definition["program"]), WRITE)
        except ProgramNotFound as error:
            raise InvalidObjective("The objective is not valid.",
                                   {"program": ["No such program."]}) from error
        made = False
    else:
        program, made = own_program(actor, definition["issuer"],
                                    time_zone=definition.get("time_zone"))
    wanted = definition.get("time_zone")
    if wanted is not None and not made and wanted != program.time_zone:
        raise InvalidObjective("The objective is not valid.", {"time_zone": [
            f"The program's time zone is {program.time_zone}; change it on the program "
            f"(PATCH /api/v1/programs/{program.public_id})."]})
    return program


def _period(definition: Mapping[str, Any], fallback: tuple[date, date]) -> tuple[date, date]:
    period = definition.get("period")
    return (period["start"], period["end"]) if period else fallback


def _key_result(definition: Mapping[str, Any], program: Program, position: int,
                path: str, errors: dict[str, list[str]]) -> KeyResult:
    metric, problems = check_metric(definition["metric"], program, path=f"{path}metric")
    errors.update(problems)
    period = definition.get("period")
    return KeyResult(
        title=definition["title"], position=position, target=definition["target"],
        unit=definition.get("unit") or (default_unit(metric) if not problems else ""),
        period_start=period["start"] if period else None,
        period_end=period["end"] if period else None, metric=metric)


def create_objective(actor: Actor, definition: Mapping[str, Any]) -> Objective:
    """An objective and its key results, all checked before anything is written."""
    require_scope(actor, WRITE[0])
    with transaction():
        program = _program_for(actor, definition)
        today = local_today(program.time_zone, utcnow())
        start, end = _period(definition, quarter_of(today))
        errors: dict[str, list[str]] = {}
        key_results = [_key_result(item, program, position, f"key_results.{position}.", errors)
                       for position, item in enumerate(definition.get("key_results", []))]
        if errors:
            raise InvalidObjective("The objective is not valid.", errors)
        objective = Objective(program=program, title=definition["title"],
                              description=definition.get("description"), period_start=start,
                              period_end=end, created_by_id=actor.user_id,
                              key_results=key_results)
        db.session.add(objective)
        db.session.flush()
    return objective


def update_objective(actor: Actor, public_id: str, changes: Mapping[str, Any]) -> Objective:
    with transaction():
        objective = get_objective(actor, public_id, WRITE)
        for name in ("title", "description"):
            if name in changes:
                setattr(objective, name, changes[name])
        if changes.get("period"):
            objective.period_start, objective.period_end = _period(changes, (None, None))
        objective.updated_at = utcnow()
    return objective


def delete_objective(actor: Actor, public_id: str) -> None:
    """Remove an objective, its key results and their manual values (planning data:
    nothing published refers to them)."""
    with transaction():
        db.session.delete(get_objective(actor, public_id, WRITE))


def get_key_result(actor: Actor, public_id: str, access: tuple = READ) -> KeyResult:
    key_result = db.session.scalar(sa.select(KeyResult).where(
        KeyResult.public_id == public_id).options(
        selectinload(KeyResult.objective).selectinload(Objective.program)
        .selectinload(Program.issuers)))
    if key_result is None:
        raise KeyResultNotFound("No such key result.")
    try:
        authorize_program(actor, key_result.program, access)
    except ProgramNotFound as error:
        raise KeyResultNotFound("No such key result.") from error
    return key_result


def add_key_result(actor: Actor, objective_public_id: str,
                   definition: Mapping[str, Any]) -> KeyResult:
    with transaction():
        objective = get_objective(actor, objective_public_id, WRITE)
        if len(objective.key_results) >= MAX_KEY_RESULTS:
            raise InvalidObjective("The objective is full.", {"key_results": [
                f"An objective has at most {MAX_KEY_RESULTS} key results."]})
        errors: dict[str, list[str]] = {}
        position = max((kr.position for kr in objective.key_results), default=-1) + 1
        key_result = _key_result(definition, objective.program, position, "", errors)
        if errors:
            raise InvalidObjective("The key result is not valid.", errors)
        objective.key_results.append(key_result)
        db.session.flush()
    return key_result


def update_key_result(actor: Actor, public_id: str, changes: Mapping[str, Any]) -> KeyResult:
    """Change what is given; `period: null` goes back to the objective's period, a new
    metric without a unit takes the metric's default unit."""
    with transaction():
        key_result = get_key_result(actor, public_id, WRITE)
        if "metric" in changes:
            metric, errors = check_metric(changes["metric"], key_result.program)
            if errors:
                raise InvalidObjective("The key result is not valid.", errors)
            key_result.metric = metric
            if "unit" not in changes:
                key_result.unit = default_unit(metric)
        for name in ("title", "target"):
            if name in changes:
                setattr(key_result, name, changes[name])
        if "unit" in changes:
            key_result.unit = changes["unit"] or ""
        if "period" in changes:
            period = changes["period"]
            key_result.period_start = period["start"] if period else None
            key_result.period_end = period["end"] if period else None
        key_result.updated_at = utcnow()
    return key_result


def delete_key_result(actor: Actor, public_id: str) -> None:
    with transaction():
        db.session.delete(get_key_result(actor, public_id, WRITE))
