"""API views for objectives and reports: parse, call one service, render."""

from __future__ import annotations

from cairn.http import Blueprint

bp = Blueprint("reporting", __name__, url_prefix="/api/v1",
               description="Objectives, key results and reports.")
