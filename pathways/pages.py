"""Pages for program leads: build pathways and see each milestone's counts, dry run and
backfill (nominations have pages of their own).

The builder posts the API's definition (pathways/page_rules.py turns the form into it)
to the same services as `POST /api/v1/pathways` and `PATCH /api/v1/pathways/<id>`, so a
page and a client get the same rules and the same errors; the page shows each error
beside the field it concerns and saves nothing while one is left.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for

from cairn.auth import Actor, current_actor
from cairn.errors import ValidationFailed
from cairn.http import decode_cursor, page
from cairn.jobs import Job, JobNotFound, get_job
from cairn.pages import load_form, staff_blueprint
from issuers.models import Issuer
from issuers.services import find_issuer, get_issuer
from pathways import services, tasks
from pathways.evaluation import names
from pathways.models import Pathway
from pathways.page_forms import PathwayForm, change_shape, read_form, shape_change
from pathways.page_queries import (
    action_type_choices,
    badge_class_choices,
    in_progress_counts,
    may_write,
    reached_counts,
    writable_issuers,
)
from pathways.page_rules import Definition, definition_of, form_of, merge_errors
from pathways.page_text import RulePart, describe
from pathways.pathway_checks import InvalidPathway, check_milestones
from pathways.pathway_progress import dry_run
from pathways.rules import RuleError, check_rule
from pathways.schemas import PathwayIn

bp = staff_blueprint("pathway_pages", __name__)

PAGE_SIZE = 50
#: People named per milestone on the dry-run page (all of them are counted).
DRY_RUN_SHOWN = 20


@bp.route("/pathways")
def pathways():
    actor = current_actor()
    issuer_id = request.args.get("issuer") or None
    issuer = get_issuer(actor, issuer_id) if issuer_id else None
    after = (decode_cursor(request.args.get("cursor")) or {}).get("after")
    found = services.list_pathways(actor, issuer_public_id=issuer_id, limit=PAGE_SIZE,
                                   after=after)
    listing = page(found, PAGE_SIZE, lambda pathway: {"after": pathway.id})
    reached = reached_counts([milestone.id for pathway in listing["items"]
                              for milestone in pathway.active_milestones])
    may_create = may_write(actor, issuer) if issuer else bool(writable_issuers(actor))
    return render_template("pathways/list.html", listing=listing, reached=reached,
                           issuer=issuer, may_create=may_create)


@bp.route("/pathways/new", methods=["GET", "POST"])
def new_pathway():
    actor = current_actor()
    issuer_id = request.values.get("issuer", "")
    if not issuer_id:
        choices = writable_issuers(actor)
        if len(choices) == 1:
            return redirect(url_for(".new_pathway", issuer=choices[0].public_id))
        return render_template("pathways/choose_issuer.html", issuers=choices)
    issuer = services.authorize_pathways(actor, find_issuer(issuer_id), services.WRITE)
    if request.method == "GET":
        return _builder(actor, issuer, None, PathwayForm(issuer=issuer.public_id))
    return _submitted(actor, issuer, None, read_form(request.form, issuer.public_id))


@bp.route("/pathways/<pathway_id>/edit", methods=["GET", "POST"])
def edit_pathway(pathway_id: str):
    actor = current_actor()
    found = services.get_pathway(actor, pathway_id, services.WRITE)
    if request.method == "POST":
        return _submitted(actor, found.issuer, found,
                          read_form(request.form, found.issuer.public_id))
    form = form_of(found.issuer.public_id, found.name, found.description, found.notify, [
        (milestone.key, milestone.name, milestone.badge_class.public_id, milestone.rule)
        for milestone in found.active_milestones])
    return _builder(actor, found.issuer, found, form)


def _submitted(actor: Actor, issuer: Issuer, pathway: Pathway | None, form: PathwayForm):
    """A shape button re-renders the form changed; "Save" checks and saves it."""
    shape = shape_change(request.form)
    if shape is not None:
        return _builder(actor, issuer, pathway, form, focus=change_shape(form, *shape))
    definition = definition_of(form)
    loaded, errors = _checked(issuer, definition)
    if loaded is not None:
        try:
            saved = _save(actor, pathway, loaded)
        except ValidationFailed as error:
            errors = definition.place(error.errors) or {"": [error.message]}
        else:
            flash(f"Saved the pathway {saved.name}." if pathway else
                  f"Created the pathway {saved.name}.", "success")
            return redirect(url_for(".pathway", pathway_id=saved.public_id))
    return _builder(actor, issuer, pathway, form, errors=errors), 422


def _checked(issuer: Issuer,
             definition: Definition) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The loaded definition, or None and every problem: the form's own, the schema's,
    and (so that one round shows them all) the rules' checks, which write nothing."""
    errors = definition.errors
    loaded = None
    try:
        loaded = load_form(PathwayIn(), definition.json)
    except ValidationFailed as error:
        errors = merge_errors(errors, definition.place(error.errors))
    if not errors:
        return loaded, {}
    try:
        check_milestones(issuer, definition.json["milestones"])
    except InvalidPathway as error:
        errors = merge_errors(errors, definition.place(error.errors))
    return None, errors


def _save(actor: Actor, pathway: Pathway | None, loaded: dict[str, Any]) -> Pathway:
    if pathway is None:
        return services.create_pathway(actor, loaded)
    changes = {name: loaded[name] for name in ("name", "description", "notify",
                                               "milestones")}
    return services.update_pathway(actor, pathway.public_id, changes)


def _builder(actor: Actor, issuer: Issuer, pathway: Pathway | None, form: PathwayForm, *,
             errors: dict[str, list[str]] | None = None, focus: str | None = None) -> str:
    badge_classes = badge_class_choices(actor, issuer.public_id)
    named = {badge_class.public_id: badge_class.name for badge_class in badge_classes}
    named |= {milestone.key: milestone.name or milestone.key for milestone in form.milestones}
    locked = {index: _locked_text(milestone.locked, named)
              for index, milestone in enumerate(form.milestones)
              if milestone.locked is not None}
    return render_template(
        "pathways/builder.html", issuer=issuer, pathway=pathway, form=form,
        errors=errors or {}, focus=focus, locked=locked, json=json,
        badge_classes=[(badge_class.public_id, badge_class.name)
                       for badge_class in badge_classes],
        action_types=[(key, key) for key in action_type_choices()],
        milestone_choices=[(milestone.key.strip(), milestone.name.strip() or milestone.key)
                           for milestone in form.milestones if milestone.key.strip()])


def _locked_text(rule: Any, named: dict[str, str]) -> RulePart:
    try:
        return describe(check_rule(rule), named)
    except RuleError:
        return RulePart(json.dumps(rule, ensure_ascii=False))


@bp.route("/pathways/<pathway_id>")
def pathway(pathway_id: str):
    actor = current_actor()
    found = services.get_pathway(actor, pathway_id)
    active = found.active_milestones
    named = names(found)
    reached = reached_counts([milestone.id for milestone in active])
    in_progress = in_progress_counts(found)
    rows = [{"milestone": milestone, "rule": describe(milestone.rule, named),
             "reached": reached.get(milestone.id, 0), "in_progress": in_progress[milestone.id]}
            for milestone in active]
    return render_template("pathways/pathway.html", pathway=found, rows=rows,
                           may_write=may_write(actor, found.issuer))


@bp.route("/pathways/<pathway_id>/dry-run")
def dry_run_page(pathway_id: str):
    """Who would qualify now: a GET, since it writes nothing (it may be reloaded)."""
    actor = current_actor()
    result = dry_run(actor, pathway_id)
    return render_template("pathways/dry_run.html", result=result, shown=DRY_RUN_SHOWN,
                           pathway=services.get_pathway(actor, pathway_id))


@bp.route("/pathways/<pathway_id>/backfill", methods=["POST"])
def backfill(pathway_id: str):
    job = tasks.start_backfill(current_actor(), pathway_id)
    return redirect(url_for(".backfill_job", pathway_id=pathway_id, job_id=job.public_id))


@bp.route("/pathways/<pathway_id>/backfills/<job_id>")
def backfill_job(pathway_id: str, job_id: str):
    actor = current_actor()
    job = _backfill(actor, pathway_id, job_id)
    return render_template("pathways/job.html", job=job, progress=_progress(job),
                           pathway=services.get_pathway(actor, pathway_id))


@bp.route("/pathways/<pathway_id>/backfills/<job_id>/progress")
def backfill_progress(pathway_id: str, job_id: str):
    """The job's progress for static/progress.js (see badges/staff_bulk.py: progress)."""
    return jsonify(_progress(_backfill(current_actor(), pathway_id, job_id)))


def _backfill(actor: Actor, pathway_id: str, job_id: str) -> Job:
    job = get_job(actor, job_id)
    if job.kind != tasks.BACKFILL or job.payload.get("pathway") != pathway_id:
        raise JobNotFound("No such job.")
    return job


def _progress(job: Job) -> dict[str, Any]:
    result = job.result or {}
    return {"status": job.status, "done": job.done, "total": job.total,
            "finished": job.status in ("done", "failed"),
            **{name: result.get(name, 0) for name in ("awarded", "already_awarded",
                                                       "failed")}}
