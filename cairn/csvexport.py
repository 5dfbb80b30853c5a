"""CSV downloads that spreadsheets open as data, never as formulas.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
by Excel, LibreOffice or Google Sheets, so a recipient named `=HYPERLINK(...)` could turn an
export into a phishing link or worse (OWASP, "CSV Injection"). Following OWASP, such text
cells get a leading single quote, which spreadsheets show as text. Some spreadsheets trim
leading spaces before they look, and CJK input methods type the fullwidth forms (`＝`), so
those count too. Only text is touched: numbers written as numbers (a negative amount)
stay numbers, while the text "-5" becomes "'-5".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, request

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_STARTS = ("\t", "\r")
CSV_MIMETYPE = "text/csv"
#: Excel reads a CSV as the system's legacy code page unless it starts with a byte order
#: mark; every CSV reader that knows UTF-8 skips it (Python's as encoding "utf-8-sig").
BOM = "\ufeff"
#: Rows written per chunk of the streamed body.
CHUNK_ROWS = 200


def is_formula(text: str) -> bool:
    return text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def cell(value: Any) -> str | int | float | Decimal:
    """One value as a safe cell: None is empty, times are RFC 3339, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if is_formula(text) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text in chunks: the header, then the rows with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for written, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if written % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def wants_csv() -> bool:
    """Content negotiation for lists and reports: `Accept: text/csv` asks for CSV; JSON
    stays the default (`*/*` and no Accept header mean JSON)."""
    best = request.accept_mimetypes.best_match(["application/json", CSV_MIMETYPE],
                                               default="application/json")
    return best == CSV_MIMETYPE


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                 filename: str) -> Response:
    """A streamed `text/csv; charset=utf-8` download named `filename`.

    `rows` is consumed while the body is sent, when the request's context is gone: a
    generator that reads the database pushes an app context per batch (as
    `badges.export.assertion_rows` does). Anything that should be an error status must
    raise before this is called: once the body streams, the status is sent."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.") or "export.csv"

    def body() -> Iterator[str]:
        yield BOM
        yield from csv_lines(header, rows)

    response = Response(body(), mimetype=CSV_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept")
    return response
