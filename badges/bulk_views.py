"""API views for bulk awards and for watching jobs."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import jsonify, request

from badges import tasks  # noqa: F401  (registers the bulk-award job kind)
from badges.bulk import (
    InvalidBulkFile,
    check_rows,
    parse_csv,
    parse_json_rows,
    preview,
    start_bulk_award,
)
from badges.services import get_badge_class
from cairn.auth import current_actor
from cairn.http import Blueprint
from cairn.jobs import get_job

bp = Blueprint("bulk", __name__, url_prefix="/api/v1",
               description="Bulk awards (CSV or JSON) and the jobs that run them.")


class BulkArgs(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only check the rows: answer 200 with the preview."})
    skip_invalid = ma.fields.Boolean(load_default=None, metadata={
        "description": "Award the valid rows even when some are invalid."})
    notify = ma.fields.Boolean(load_default=None, metadata={
        "description": "Email each recipient awarded (email identities only) the badge and "
                       "a claim link; rows skipped or already held get no mail."})


class BulkFile(ma.Schema):
    file = ma.fields.Raw(load_default=None, metadata={
        "type": "string", "format": "binary",
        "description": "CSV with header email,name,evidence_url,narrative (UTF-8, , or ;)"})


class JobOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    kind = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    done = ma.fields.Integer()
    total = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Dict())
    result = ma.fields.Dict(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    url = ma.fields.Function(lambda job: f"/api/v1/jobs/{job.public_id}")


OPTIONS = ("skip_invalid", "notify")


def _rows_and_options() -> tuple[list[Any], dict[str, bool]]:
    """The rows from a multipart `file` (CSV) or a JSON body {"rows": [...]}, and the
    options given beside them (form fields or JSON fields)."""
    upload = request.files.get("file")
    if upload is not None:
        return parse_csv(upload.read()), {
            name: request.form.get(name, "").lower() in ("1", "true", "yes", "on")
            for name in OPTIONS}
    body = request.get_json(silent=True)
    if body is None and request.mimetype in ("text/csv", "application/csv"):
        return parse_csv(request.get_data()), dict.fromkeys(OPTIONS, False)
    if isinstance(body, list):
        return parse_json_rows(body), dict.fromkeys(OPTIONS, False)
    if not isinstance(body, dict) or "rows" not in body:
        raise InvalidBulkFile("Send JSON {\"rows\": [...]} or a multipart CSV field 'file'.",
                              {"rows": ["Missing data for required field."]})
    return parse_json_rows(body["rows"]), {name: body.get(name) is True for name in OPTIONS}


@bp.route("/badge-classes/<badge_class_id>/assertions/bulk", methods=["POST"])
@bp.arguments(BulkArgs, location="query")
@bp.arguments(BulkFile, location="files")
@bp.response(202, JobOut)
@bp.alt_response(200, description="With ?dry_run=true: the preview, each row with its errors.")
def bulk_award(args, _files, badge_class_id):
    actor = current_actor("badges:award")
    get_badge_class(actor, badge_class_id, "award")  # 404 before reading any upload
    raw_rows, options = _rows_and_options()
    options.update({name: args[name] for name in OPTIONS if args[name] is not None})
    rows = check_rows(raw_rows)
    if args["dry_run"]:
        return jsonify(preview(rows))
    return start_bulk_award(actor, badge_class_id, rows, **options,
                            idempotency_key=request.headers.get("Idempotency-Key"))


@bp.route("/jobs/<job_id>", methods=["GET"])
@bp.response(200, JobOut)
def job(job_id):
    return get_job(current_actor(), job_id)
