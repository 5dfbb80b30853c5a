"""The reports a dashboard shows, each under a cache key naming what it depends on
(reporting/page_cache.py). The computations load their objects by id, so that they can
run in a session of their own (side by side, or in a background refresh)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from cairn.db import db
from pathways.models import Pathway
from pathways.services import find_pathway
from reporting.models import KeyResult, Program
from reporting.page_cache import Compute, reports
from reporting.reports import contributors_report, funnel_report, key_result_report

Wanted = tuple[tuple, Compute]


def _key_result(key_result_id: int) -> dict[str, Any]:
    return key_result_report(db.session.get(KeyResult, key_result_id))


def _contributors(program_id: int, start: date, end: date) -> dict[str, Any]:
    return contributors_report(db.session.get(Program, program_id), group_by="month",
                               start=start, end=end)


def _funnel(pathway_public_id: str, time_zone: str) -> dict[str, Any]:
    """Loaded with its milestones and their badge classes: the funnel reads them all."""
    return funnel_report(find_pathway(pathway_public_id), time_zone=time_zone)


def key_result_wanted(key_result: KeyResult) -> Wanted:
    """A key result's report changes with the key result, its objective's period and
    the program (issuers, action types, time zone)."""
    objective, program = key_result.objective, key_result.objective.program
    return (("key_result", key_result.public_id, key_result.updated_at,
             objective.updated_at, program.public_id, program.updated_at),
            partial(_key_result, key_result.id))


def contributors_wanted(program: Program, start: date, end: date) -> Wanted:
    return (("contributors", program.public_id, program.updated_at, start, end),
            partial(_contributors, program.id, start, end))


def funnel_wanted(pathway: Pathway, time_zone: str) -> Wanted:
    changed = max([pathway.updated_at, *(m.updated_at for m in pathway.milestones)])
    return (("funnel", pathway.public_id, changed, time_zone),
            partial(_funnel, pathway.public_id, time_zone))


def fetch(wanted: list[Wanted]) -> list[dict[str, Any]]:
    return reports.get_many(wanted)


def key_result_report_kept(key_result: KeyResult) -> dict[str, Any]:
    """One key result's report, as the dashboard keeps it (for the widget)."""
    (report,) = fetch([key_result_wanted(key_result)])
    return report
