"""API views for pathways: parse, call one service, render."""

from __future__ import annotations

from flask import jsonify

from badges.bulk_views import JobOut
from cairn.auth import current_actor
from cairn.http import Blueprint, decode_cursor, page, page_limit
from pathways import services, tasks
from pathways.pathway_progress import dry_run, pathway_progress
from pathways.schemas import (
    DryRunOut,
    EvaluateIn,
    PathwayIn,
    PathwayListArgs,
    PathwayOut,
    PathwayPage,
    PathwayPatch,
    ProgressArgs,
    ProgressOut,
)

bp = Blueprint("pathways", __name__, url_prefix="/api/v1",
               description="Pathways: milestones whose rules turn actions into badges.")


@bp.route("/pathways", methods=["POST"])
@bp.arguments(PathwayIn)
@bp.response(201, PathwayOut)
def create_pathway(definition):
    return services.create_pathway(current_actor(), definition)


@bp.route("/pathways", methods=["GET"])
@bp.arguments(PathwayListArgs, location="query")
@bp.response(200, PathwayPage)
def list_pathways(args):
    limit = page_limit(args["limit"])
    after = (decode_cursor(args["cursor"]) or {}).get("after")
    found = services.list_pathways(current_actor(), issuer_public_id=args["issuer"],
                                   limit=limit, after=after)
    return page(found, limit, lambda pathway: {"after": pathway.id})


@bp.route("/pathways/<pathway_id>", methods=["GET"])
@bp.response(200, PathwayOut)
def get_pathway(pathway_id):
    return services.get_pathway(current_actor(), pathway_id)


@bp.route("/pathways/<pathway_id>", methods=["PATCH"])
@bp.arguments(PathwayPatch)
@bp.response(200, PathwayOut)
def update_pathway(changes, pathway_id):
    return services.update_pathway(current_actor(), pathway_id, changes)


@bp.route("/pathways/<pathway_id>/evaluate", methods=["POST"])
@bp.arguments(EvaluateIn, required=False)
@bp.response(202, JobOut)
@bp.alt_response(200, schema=DryRunOut, description="With dry_run: who would qualify now.")
def evaluate(args, pathway_id):
    if args["dry_run"]:
        return jsonify(DryRunOut().dump(dry_run(current_actor(), pathway_id)))
    return tasks.start_backfill(current_actor(), pathway_id)


@bp.route("/pathways/<pathway_id>/progress", methods=["GET"])
@bp.arguments(ProgressArgs, location="query")
@bp.response(200, ProgressOut)
def progress(args, pathway_id):
    return pathway_progress(current_actor(), pathway_id, args["person"])
