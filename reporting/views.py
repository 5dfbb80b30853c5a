"""API views for programs, objectives, key results and reports: parse, call one service,
render. Every report answers CSV as well, to `Accept: text/csv` or `?format=csv`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from cairn.auth import current_actor
from cairn.csvexport import csv_response, wants_csv
from cairn.http import Blueprint, PageArgs, decode_cursor, page, page_limit
from reporting import export, manual, objectives, report_queries, services
from reporting.report_schemas import (
    ActionsArgs,
    ContributorsArgs,
    FunnelArgs,
    FunnelOut,
    HoldersArgs,
    KeyResultReportArgs,
    KeyResultReportOut,
    SeriesReportOut,
)
from reporting.reports import key_result_report
from reporting.schemas import (
    KeyResultIn,
    KeyResultOut,
    KeyResultPatch,
    ManualValueIn,
    ManualValueOut,
    ManualValuePage,
    ObjectiveIn,
    ObjectiveListArgs,
    ObjectiveOut,
    ObjectivePage,
    ObjectivePatch,
    ProgramIn,
    ProgramOut,
    ProgramPage,
    ProgramPatch,
)

bp = Blueprint("reporting", __name__, url_prefix="/api/v1",
               description="Objectives, key results and reports.")


def _after(args) -> int | None:
    return (decode_cursor(args["cursor"]) or {}).get("after")


# --- programs ------------------------------------------------------------------------

@bp.route("/programs", methods=["POST"])
@bp.arguments(ProgramIn)
@bp.response(201, ProgramOut)
def create_program(definition):
    return services.create_program(current_actor(), definition)


@bp.route("/programs", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, ProgramPage)
def list_programs(args):
    limit = page_limit(args["limit"])
    found = services.list_programs(current_actor(), limit=limit, after=_after(args))
    return page(found, limit, lambda program: {"after": program.id})


@bp.route("/programs/<program_id>", methods=["GET"])
@bp.response(200, ProgramOut)
def get_program(program_id):
    return services.get_program(current_actor(), program_id)


@bp.route("/programs/<program_id>", methods=["PATCH"])
@bp.arguments(ProgramPatch)
@bp.response(200, ProgramOut)
def update_program(changes, program_id):
    return services.update_program(current_actor(), program_id, changes)


# --- objectives and key results ----------------------------------------------------------

@bp.route("/objectives", methods=["POST"])
@bp.arguments(ObjectiveIn)
@bp.response(201, ObjectiveOut)
def create_objective(definition):
    return objectives.create_objective(current_actor(), definition)


@bp.route("/objectives", methods=["GET"])
@bp.arguments(ObjectiveListArgs, location="query")
@bp.response(200, ObjectivePage)
def list_objectives(args):
    limit = page_limit(args["limit"])
    found = objectives.list_objectives(current_actor(), program_public_id=args["program"],
                                       issuer_public_id=args["issuer"], limit=limit,
                                       after=_after(args))
    return page(found, limit, lambda objective: {"after": objective.id})


@bp.route("/objectives/<objective_id>", methods=["GET"])
@bp.response(200, ObjectiveOut)
def get_objective(objective_id):
    return objectives.get_objective(current_actor(), objective_id)


@bp.route("/objectives/<objective_id>", methods=["PATCH"])
@bp.arguments(ObjectivePatch)
@bp.response(200, ObjectiveOut)
def update_objective(changes, objective_id):
    return objectives.update_objective(current_actor(), objective_id, changes)


@bp.route("/objectives/<objective_id>", methods=["DELETE"])
@bp.response(204)
def delete_objective(objective_id):
    objectives.delete_objective(current_actor(), objective_id)


@bp.route("/objectives/<objective_id>/key-results", methods=["POST"])
@bp.arguments(KeyResultIn)
@bp.response(201, KeyResultOut)
def add_key_result(definition, objective_id):
    return objectives.add_key_result(current_actor(), objective_id, definition)


@bp.route("/key-results/<key_result_id>", methods=["GET"])
@bp.response(200, KeyResultOut)
def get_key_result(key_result_id):
    return objectives.get_key_result(current_actor(), key_result_id)


@bp.route("/key-results/<key_result_id>", methods=["PATCH"])
@bp.arguments(KeyResultPatch)
@bp.response(200, KeyResultOut)
def update_key_result(changes, key_result_id):
    return objectives.update_key_result(current_actor(), key_result_id, changes)


@bp.route("/key-results/<key_result_id>", methods=["DELETE"])
@bp.response(204)
def delete_key_result(key_result_id):
    objectives.delete_key_result(current_actor(), key_result_id)


@bp.route("/key-results/<key_result_id>/values", methods=["POST"])
@bp.arguments(ManualValueIn)
@bp.response(201, ManualValueOut)
def record_value(reading, key_result_id):
    return manual.record_value(current_actor(), key_result_id, day=reading["date"],
                               value=reading["value"], note=reading["note"])


@bp.route("/key-results/<key_result_id>/values", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, ManualValuePage)
def list_values(args, key_result_id):
    limit = page_limit(args["limit"])
    found = manual.list_values(current_actor(), key_result_id, limit=limit,
                               after=_after(args))
    return page(found, limit, lambda reading: {"after": reading.id})


@bp.route("/key-results/<key_result_id>/values/<value_id>", methods=["DELETE"])
@bp.response(204)
def delete_value(key_result_id, value_id):
    manual.delete_value(current_actor(), key_result_id, value_id)


# --- reports ---------------------------------------------------------------------------

def _csv_alternative(columns: tuple[str, ...]) -> dict[str, Any]:
    return {"schema": {"type": "string"}, "content_type": "text/csv",
            "description": "With `Accept: text/csv` or `?format=csv`: one row each, "
                           "columns " + ", ".join(columns) + "."}


def _csv_wanted(args) -> bool:
    return args.get("format") == "csv" or (args.get("format") is None and wants_csv())


def _answer(report: dict[str, Any], args, name: str, columns: tuple[str, ...], rows):
    """The report as JSON, or as a CSV download named after it and today's date."""
    if not _csv_wanted(args):
        return report
    return csv_response(columns, rows(report),
                        filename=f"{name}-{datetime.now(UTC):%Y%m%d}.csv")


def _series_view(query, args, name: str):
    report = query(current_actor(), args)
    return _answer(report, args, name, export.SERIES_COLUMNS, export.series_rows)


@bp.route("/reports/holders", methods=["GET"])
@bp.arguments(HoldersArgs, location="query", unknown=ma.RAISE)
@bp.response(200, SeriesReportOut)
@bp.alt_response(200, **_csv_alternative(export.SERIES_COLUMNS))
def holders_report(args):
    return _series_view(report_queries.holders, args, "holders")


@bp.route("/reports/contributors", methods=["GET"])
@bp.arguments(ContributorsArgs, location="query", unknown=ma.RAISE)
@bp.response(200, SeriesReportOut)
@bp.alt_response(200, **_csv_alternative(export.SERIES_COLUMNS))
def contributors_report(args):
    return _series_view(report_queries.contributors, args, "contributors")


@bp.route("/reports/actions", methods=["GET"])
@bp.arguments(ActionsArgs, location="query", unknown=ma.RAISE)
@bp.response(200, SeriesReportOut)
@bp.alt_response(200, **_csv_alternative(export.SERIES_COLUMNS))
def actions_report(args):
    return _series_view(report_queries.actions, args, "actions")


@bp.route("/reports/funnel", methods=["GET"])
@bp.arguments(FunnelArgs, location="query", unknown=ma.RAISE)
@bp.response(200, FunnelOut)
@bp.alt_response(200, **_csv_alternative(export.FUNNEL_COLUMNS))
def funnel_report(args):
    report = report_queries.funnel(current_actor(), args)
    return _answer(report, args, "funnel", export.FUNNEL_COLUMNS, export.funnel_rows)


@bp.route("/reports/key-results/<key_result_id>", methods=["GET"])
@bp.arguments(KeyResultReportArgs, location="query", unknown=ma.RAISE)
@bp.response(200, KeyResultReportOut)
@bp.alt_response(200, **_csv_alternative(export.KEY_RESULT_COLUMNS))
def key_result_progress(args, key_result_id):
    key_result = objectives.get_key_result(current_actor(), key_result_id)
    report = key_result_report(key_result, group_by=args["group_by"])
    return _answer(report, args, "key-result", export.KEY_RESULT_COLUMNS,
                   export.key_result_rows)

