"""Bulk awards: read a CSV or a JSON list, check every row, then queue one job.

Every row is validated before anything is awarded, so a trainer sees all the problems
of a file at once (the preview) and a job only ever holds rows that can be awarded.

Formula injection: a name or email cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return is *refused* with a row error, not silently rewritten. Names are
published in badges and exported to spreadsheets; quietly altering a person's name
(e.g. prefixing a quote) would publish the wrong name, whereas the trainer can fix
the cell and upload again. Narratives and evidence are prose and are not checked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from flask import current_app

from badges.awards import Recipient
from badges.schemas import EvidenceIn, RecipientIn
from badges.services import get_badge_class
from cairn.auth import Actor
from cairn.csvexport import is_formula
from cairn.db import transaction
from cairn.errors import Conflict, ValidationFailed
from cairn.jobs import Job, create_job, enqueue, find_job_by_key
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType
from recipients.services import normalise_identity

BULK_AWARD = "bulk_award"
CSV_COLUMNS = ("email", "name", "evidence_url", "narrative")


class InvalidBulkFile(ValidationFailed):
    code = "invalid_bulk_file"


class TooManyRows(ValidationFailed):
    code = "too_many_rows"


class InvalidRows(ValidationFailed):
    code = "invalid_rows"


class BulkIdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


@dataclass
class BulkRow:
    """One row as given, and what is wrong with it (empty when it can be awarded)."""

    row: int
    data: Any
    errors: dict[str, Any] = field(default_factory=dict)
    recipient: Recipient | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    narrative: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_payload(self) -> dict[str, Any]:
        assert self.recipient is not None
        return {"row": self.row, "recipient": {"type": str(self.recipient.type),
                                               "identity": self.recipient.identity,
                                               "name": self.recipient.name},
                "evidence": self.evidence, "narrative": self.narrative}


def max_rows() -> int:
    return int(current_app.config["BULK_MAX_ROWS"])


# --- reading ----------------------------------------------------------------------------

def parse_csv(content: bytes) -> list[dict[str, Any]]:
    """CSV bytes to rows in the JSON shape. UTF-8 with or without BOM; the delimiter
    (comma or semicolon) is whichever makes the header a list of known columns."""
    if b"\x00" in content:
        raise InvalidBulkFile("The file is not a CSV file (it holds binary data).",
                              {"file": ["Not a text file."]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidBulkFile("The file is not UTF-8 text; save the CSV as UTF-8.",
                              {"file": [f"Not UTF-8 (byte {error.start})."]}) from error
    lines = text.splitlines()
    if lines and lines[0].lower().startswith("sep=") and len(lines[0].strip()) == 5:
        text = text.split("\n", 1)[1] if "\n" in text else ""  # Excel's "sep=;" line
        lines = lines[1:]
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [record for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as error:
        raise InvalidBulkFile("The file is not a readable CSV file.",
                              {"file": [str(error)]}) from error
    header = [cell.strip().lower() for cell in records[0]]
    if len(records) - 1 > max_rows():
        raise _too_many(len(records) - 1)
    if len(records) == 1:
        raise InvalidBulkFile("The file has a header but no rows.", {"file": ["No rows."]})
    return [_csv_row(header, record) for record in records[1:]]


def _delimiter(header_line: str) -> str:
    for delimiter in (",", ";"):
        cells = [cell.strip().lower() for cell in next(csv.reader([header_line],
                                                                  delimiter=delimiter))]
        named = [cell for cell in cells if cell]  # spreadsheets add empty trailing columns
        if "email" in named and set(named) <= set(CSV_COLUMNS) \
                and len(named) == len(set(named)):
            return delimiter
    expected = ",".join(CSV_COLUMNS)
    raise InvalidBulkFile(f"The first line must be the header '{expected}' "
                          "(comma- or semicolon-separated; only 'email' is required).",
                          {"file": [f"Missing or unknown header: expected {expected}."]})


def _csv_row(header: list[str], record: list[str]) -> dict[str, Any]:
    if len(record) > len(header):
        return {"_error": f"Has {len(record)} cells; the header has {len(header)}."}
    cells = dict(zip(header, (cell.strip() for cell in record), strict=False))
    row: dict[str, Any] = {"recipient": {"type": "email", "identity": cells.get("email", ""),
                                         "name": cells.get("name") or None},
                           "evidence": [], "narrative": cells.get("narrative") or None}
    if cells.get("evidence_url"):
        row["evidence"] = [{"url": cells["evidence_url"]}]
    return row


def parse_json_rows(rows: Any) -> list[Any]:
    if not isinstance(rows, list):
        raise InvalidBulkFile("Send {\"rows\": [...]}: a list of awards.",
                              {"rows": ["Not a list."]})
    if len(rows) > max_rows():
        raise _too_many(len(rows))
    if not rows:
        raise InvalidBulkFile("There are no rows to award.", {"rows": ["Empty list."]})
    return rows


def _too_many(count: int) -> TooManyRows:
    limit = max_rows()
    return TooManyRows(f"The file has {count} rows; at most {limit} can be awarded at once. "
                       "Split it into smaller files.", {"rows": [f"At most {limit} rows."]})


# --- checking ---------------------------------------------------------------------------

class BulkRowIn(ma.Schema):
    recipient = ma.fields.Nested(RecipientIn, required=True)
    evidence = ma.fields.List(ma.fields.Nested(EvidenceIn), load_default=list,
                              validate=ma.validate.Length(max=50))
    narrative = ma.fields.String(load_default=None, allow_none=True,
                                 validate=ma.validate.Length(max=20000))


def _formula_error(value: str | None) -> str | None:
    if value and is_formula(value):
        return (f"Starts with {value.lstrip()[:1] or value[0]!r}, which a spreadsheet would "
                "run as a formula; remove the leading character.")
    return None


def check_rows(rows: list[Any]) -> list[BulkRow]:
    """Validate every row; flag formula cells and repeats of an earlier row's recipient."""
    checked: list[BulkRow] = []
    seen: dict[tuple[str, str], int] = {}
    schema = BulkRowIn()
    for number, data in enumerate(rows, start=1):
        row = BulkRow(row=number, data=data)
        checked.append(row)
        if not isinstance(data, dict) or "_error" in data:
            row.errors["row"] = [data["_error"] if isinstance(data, dict)
                                 else "Not an object: give {\"recipient\": {...}, ...}."]
            continue
        try:
            loaded = schema.load(data)
        except ma.ValidationError as error:
            row.errors.update(error.normalized_messages())
            continue
        recipient: Recipient = loaded["recipient"]
        try:
            identity = normalise_identity(recipient.type, recipient.identity)
        except InvalidIdentity as error:
            row.errors.update(error.errors)
            continue
        problems: dict[str, list[str]] = {}
        if message := _formula_error(recipient.name):
            problems["name"] = [message]
        if recipient.type is IdentityType.email and (message := _formula_error(
                recipient.identity)):
            problems["identity"] = [message]
        key = (str(recipient.type), identity)
        if key in seen:
            problems.setdefault("identity", []).append(
                f"Duplicate: row {seen[key]} awards the same recipient.")
        else:
            seen[key] = number
        if problems:
            row.errors["recipient"] = problems
            continue
        row.recipient = Recipient(recipient.type, identity, recipient.name)
        row.evidence, row.narrative = loaded["evidence"], loaded["narrative"]
    return checked


def preview(rows: list[BulkRow]) -> dict[str, Any]:
    valid = sum(row.valid for row in rows)
    return {"total": len(rows), "valid": valid, "invalid": len(rows) - valid,
            "rows": [{"row": row.row, "valid": row.valid, "errors": row.errors,
                      "data": row.data} for row in rows]}


def row_errors(rows: list[BulkRow]) -> dict[str, Any]:
    return {str(row.row): row.errors for row in rows if not row.valid}


# --- starting ---------------------------------------------------------------------------

def start_bulk_award(actor: Actor, badge_class_public_id: str, rows: list[BulkRow], *,
                     skip_invalid: bool = False, idempotency_key: str | None = None,
                     notify: bool = False) -> Job:
    """Queue a job awarding the valid rows. Refuses (422, with every row's errors) when a
    row is invalid, unless `skip_invalid`. With `notify` each award is mailed to its
    recipient. The job is created in one transaction and handed to the runner after the
    commit."""
    with transaction():
        badge_class = get_badge_class(actor, badge_class_public_id, "award")
        if not skip_invalid and (errors := row_errors(rows)):
            raise InvalidRows(f"{len(errors)} of {len(rows)} rows cannot be awarded; fix them, "
                              "or send skip_invalid to award the others.", {"rows": errors})
        payload_rows = [row.to_payload() for row in rows if row.valid]
        request_hash = _request_hash(badge_class_public_id, payload_rows, notify)
        if idempotency_key and (earlier := find_job_by_key(actor, idempotency_key)):
            if earlier.request_hash != request_hash:
                raise BulkIdempotencyConflict(
                    "This Idempotency-Key was used for a different bulk award.",
                    {"Idempotency-Key": ["Reused with a different body."]})
            return earlier
        job = create_job(actor, BULK_AWARD, issuer_public_id=badge_class.issuer.public_id,
                         total=len(payload_rows), idempotency_key=idempotency_key,
                         part_size=current_app.config["JOBS_PART_SIZE"],
                         result={"skipped_invalid": len(rows) - len(payload_rows)},
                         request_hash=request_hash, payload={
                             "badge_class": badge_class_public_id, "rows": payload_rows,
                             "skipped_invalid": len(rows) - len(payload_rows),
                             "notify": notify,
                             "actor": {"scopes": sorted(actor.scopes),
                                       "issuer": actor.issuer_public_id}})
    enqueue(job)
    return job


def _request_hash(badge_class_public_id: str, rows: list[dict[str, Any]],
                  notify: bool) -> str:
    canonical = json.dumps({"badge_class": badge_class_public_id, "rows": rows,
                            "notify": notify},
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
