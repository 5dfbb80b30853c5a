"""Staff pages for bulk awards: upload a CSV, see every row checked, start the job, and
watch its progress.

Between the preview and the confirmation the file travels back with the form, base64 in
a hidden field, and is parsed and checked again: nothing is kept in a process or on a
disk between two requests (any process may answer the second one, overview.md), and
the rows awarded are always the rows checked by the same rules. A random token from the
preview is the job's Idempotency-Key, so a double click starts one job, not two.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for

from badges import tasks  # noqa: F401  (registers the bulk-award job kind)
from badges.bulk import (
    BULK_AWARD,
    BulkRow,
    check_rows,
    parse_csv,
    preview,
    start_bulk_award,
)
from badges.services import get_badge_class
from cairn.auth import current_actor
from cairn.errors import ValidationFailed
from cairn.jobs import Job, JobNotFound, get_job
from cairn.pages import field_errors, flatten_errors, staff_blueprint

bp = staff_blueprint("bulk_pages", __name__)

FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Where a row's problem is, in words (keys as check_rows reports them).
ROW_FIELDS = {"recipient.identity": "Email", "recipient.name": "Name",
              "recipient.type": "Type", "recipient": "Recipient", "evidence": "Evidence URL",
              "narrative": "Narrative", "row": "Row"}


def _uploaded_csv() -> bytes:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read()
    pasted = request.form.get("csv_text", "")
    if pasted.strip():
        return pasted.encode()
    raise ValidationFailed("Choose a CSV file or paste the rows.",
                           {"file": ["Choose a CSV file or paste the rows."]})


@bp.route("/badge-classes/<badge_class_id>/bulk", methods=["GET"])
def upload(badge_class_id: str):
    badge_class = get_badge_class(current_actor(), badge_class_id, "award")
    return render_template("staff/bulk_upload.html", badge_class=badge_class, errors={})


@bp.route("/badge-classes/<badge_class_id>/bulk/preview", methods=["POST"])
def preview_rows(badge_class_id: str):
    badge_class = get_badge_class(current_actor(), badge_class_id, "award")
    try:
        content = _uploaded_csv()
        rows = check_rows(parse_csv(content))
    except ValidationFailed as error:
        errors = field_errors(error, {"rows": "file"}, fields=("file",))
        return render_template("staff/bulk_upload.html", badge_class=badge_class,
                               errors=errors), 422
    return render_template(
        "staff/bulk_preview.html", badge_class=badge_class, summary=preview(rows),
        rows=[_row_view(row) for row in rows], content=base64.b64encode(content).decode(),
        form_token=secrets.token_urlsafe(24))


def _row_view(row: BulkRow) -> dict[str, Any]:
    """A row as the preview table shows it: the cells given and each problem in words."""
    data = row.data if isinstance(row.data, dict) else {}
    recipient = data.get("recipient") or {}
    evidence = data.get("evidence") or [{}]
    problems = [f"{ROW_FIELDS.get(key, key.capitalize())}: {message}"
                for key, messages in flatten_errors(row.errors).items()
                for message in messages]
    return {"row": row.row, "valid": row.valid, "email": recipient.get("identity", ""),
            "name": recipient.get("name") or "", "narrative": data.get("narrative") or "",
            "evidence_url": (evidence[0] or {}).get("url", "") if evidence else "",
            "problems": problems}


@bp.route("/badge-classes/<badge_class_id>/bulk", methods=["POST"])
def start(badge_class_id: str):
    """Award the valid rows (the invalid ones were shown in the preview and are skipped)."""
    token = request.form.get("form_token", "")
    rows = check_rows(parse_csv(_previewed_csv()))
    job = start_bulk_award(current_actor(), badge_class_id, rows, skip_invalid=True,
                           notify=request.form.get("notify") == "on",
                           idempotency_key=f"page-bulk:{token}"
                           if FORM_TOKEN.match(token) else None)
    return redirect(url_for(".job", job_id=job.public_id))


def _previewed_csv() -> bytes:
    try:
        return base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed("The file did not come back intact; upload it again.",
                               {"content": ["Not base64."]}) from error


@bp.route("/jobs/<job_id>")
def job(job_id: str):
    actor = current_actor()
    found = get_job(actor, job_id)
    if found.kind != BULK_AWARD:  # the only kind with a page so far
        raise JobNotFound("No such job.")
    badge_class = get_badge_class(actor, found.payload["badge_class"])
    return render_template("staff/job.html", job=found, badge_class=badge_class,
                           progress=_progress(found))


@bp.route("/jobs/<job_id>/progress")
def progress(job_id: str):
    """The job's progress for the page's script: the browser has a session, not the API's
    bearer token; `get_job` applies the same rule as GET /api/v1/jobs/<id>."""
    return jsonify(_progress(get_job(current_actor(), job_id)))


def _progress(job: Job) -> dict[str, Any]:
    """Where the job is; the counts grow as its parts report (they are final when done)."""
    result = job.result or {}
    return {"status": job.status, "done": job.done, "total": job.total,
            "finished": job.status in ("done", "failed"),
            "awarded": result.get("awarded", 0), "already_held": result.get("already_held", 0),
            "failed": result.get("failed", 0),
            "skipped_invalid": result.get("skipped_invalid", 0)}
