"""Dashboard pages: a program's key results, contributors, funnel and recent awards."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboards", __name__)
