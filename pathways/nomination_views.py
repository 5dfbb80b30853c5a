"""API views for nominations: parse, call one service, render."""

from __future__ import annotations

from cairn.http import Blueprint

bp = Blueprint("nominations", __name__, url_prefix="/api/v1",
               description="Nominations: proposals that a person receive a badge.")
