"""Pathways and their milestones: define, change, list, read.

A pathway belongs to an issuer; reading it needs `pathways:read` and any role there,
changing it `pathways:write` and editor or owner. Every rule is checked before anything
is written (pathways/pathway_checks.py), so a bad definition writes nothing.

Changing a milestone's rule adds a RuleVersion (the awards keep naming the version they
were made under). A milestone left out of the list is archived, not deleted: its
versions and awards stay, it is no longer evaluated or shown, and giving its key again
restores it. An edit awards nobody by itself; new actions are evaluated under the new
rules, and `POST /pathways/<id>/evaluate` backfills the people who qualify already.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from badges.models import BadgeClass
from cairn.auth import Actor, MissingScope
from cairn.db import db, transaction, utcnow
from cairn.errors import Conflict, NotFound
from issuers.errors import IssuerNotFound
from issuers.models import Issuer, Role
from issuers.permissions import authorize_access, visible_issuers_clause
from issuers.services import find_issuer
from pathways.models import Milestone, MilestoneTrigger, Pathway, RuleVersion
from pathways.pathway_checks import CheckedMilestone, InvalidPathway, check_milestones
from pathways.rules import dependencies, milestone_order

#: access -> (token scope, weakest role allowed)
READ = ("pathways:read", Role.viewer)
WRITE = ("pathways:write", Role.editor)


class PathwayNotFound(NotFound):
    code = "pathway_not_found"


class PathwayChanged(Conflict):
    code = "pathway_changed"


def authorize_pathways(actor: Actor, issuer: Issuer | None,
                       access: tuple[str, Role]) -> Issuer:
    """The issuers package's rule for the pathway scopes: raise 403/404 unless `actor` may
    read or change the issuer's pathways."""
    return authorize_access(actor, issuer, *access)


def find_pathway(public_id: str) -> Pathway | None:
    return db.session.scalar(sa.select(Pathway).where(Pathway.public_id == public_id).options(
        selectinload(Pathway.milestones).selectinload(Milestone.versions),
        selectinload(Pathway.milestones).selectinload(Milestone.badge_class)))


def get_pathway(actor: Actor, public_id: str, access: tuple[str, Role] = READ) -> Pathway:
    pathway = find_pathway(public_id)
    if pathway is None:
        raise PathwayNotFound("No such pathway.")
    try:
        authorize_pathways(actor, pathway.issuer, access)
    except IssuerNotFound as error:  # another issuer's pathway does not exist for you
        raise PathwayNotFound("No such pathway.") from error
    return pathway


def list_pathways(actor: Actor, *, issuer_public_id: str | None, limit: int,
                  after: int | None) -> list[Pathway]:
    """Oldest first, across every issuer the actor may read (or one of them)."""
    if not actor.has_scope(READ[0]):
        raise MissingScope(f"This token lacks the '{READ[0]}' scope.", {"scope": [READ[0]]})
    query = (sa.select(Pathway).join(Pathway.issuer).where(visible_issuers_clause(actor))
             .options(selectinload(Pathway.milestones).selectinload(Milestone.versions),
                      selectinload(Pathway.milestones).selectinload(Milestone.badge_class))
             .order_by(Pathway.id).limit(limit + 1))
    if issuer_public_id is not None:
        query = query.where(Issuer.public_id == issuer_public_id)
    if after is not None:
        query = query.where(Pathway.id > after)
    return list(db.session.scalars(query))


def create_pathway(actor: Actor, definition: Mapping[str, Any]) -> Pathway:
    """Define a pathway and its milestones, each rule at version 1."""
    with transaction():
        issuer = _issuer_for_writing(actor, definition["issuer"])
        checked = check_milestones(issuer, definition["milestones"])
        pathway = Pathway(issuer=issuer, name=definition["name"],
                          description=definition.get("description"),
                          notify=bool(definition.get("notify", False)),
                          created_by_id=actor.user_id)
        db.session.add(pathway)
        _set_milestones(actor, pathway, checked)
        db.session.flush()
        write_triggers(pathway)
    return pathway


def _issuer_for_writing(actor: Actor, issuer_public_id: str) -> Issuer:
    try:
        return authorize_pathways(actor, find_issuer(issuer_public_id), WRITE)
    except IssuerNotFound as error:
        raise InvalidPathway("The pathway is not valid.",
                             {"issuer": ["No such issuer."]}) from error


def update_pathway(actor: Actor, public_id: str, changes: Mapping[str, Any]) -> Pathway:
    """Change the name, description, notify, or the milestone list (the whole list, in
    order: milestones are matched by key)."""
    try:
        with transaction():
            pathway = get_pathway(actor, public_id, WRITE)
            for name in ("name", "description", "notify"):
                if name in changes:
                    setattr(pathway, name, changes[name])
            if "milestones" in changes:
                checked = check_milestones(pathway.issuer, changes["milestones"])
                _set_milestones(actor, pathway, checked)
                db.session.flush()
                write_triggers(pathway)
            pathway.updated_at = utcnow()
    except IntegrityError as error:  # another edit added the same version or key first
        raise PathwayChanged("The pathway was changed by someone else meanwhile; read it "
                             "again and repeat the change.") from error
    return pathway


def _set_milestones(actor: Actor, pathway: Pathway, checked: list[CheckedMilestone]) -> None:
    existing = {milestone.key: milestone for milestone in pathway.milestones}
    for position, item in enumerate(checked):
        milestone = existing.pop(item.key, None)
        if milestone is None:
            pathway.milestones.append(Milestone(
                key=item.key, name=item.name, position=position, badge_class=item.badge_class,
                version=1, versions=[RuleVersion(version=1, rule=item.rule,
                                                 created_by_id=actor.user_id)]))
            continue
        milestone.name, milestone.position = item.name, position
        milestone.badge_class, milestone.archived_at = item.badge_class, None
        if milestone.rule != item.rule:
            milestone.version += 1
            milestone.versions.append(RuleVersion(version=milestone.version, rule=item.rule,
                                                  created_by_id=actor.user_id))
    archived_at = utcnow()
    for offset, milestone in enumerate(existing.values(), start=len(checked)):
        milestone.position = offset
        if milestone.archived_at is None:
            milestone.archived_at = archived_at


def trigger_closure(rules: Mapping[str, dict]) -> dict[str, tuple[set[str], set[str]]]:
    """Per milestone key: the action types and badge classes that can change whether it
    holds, its own and those of the milestones it refers to (transitively)."""
    closed: dict[str, tuple[set[str], set[str]]] = {}
    for key in milestone_order(rules):
        own = dependencies(rules[key])
        types, badges = set(own.action_types), set(own.badges)
        for reference in own.milestones:
            types |= closed[reference][0]
            badges |= closed[reference][1]
        closed[key] = (types, badges)
    return closed


def write_triggers(pathway: Pathway) -> None:
    """Rewrite the pathway's triggers from its active milestones' current rules, and
    mark the badge classes they watch (before and after) as watched or not."""
    removed = db.session.execute(sa.delete(MilestoneTrigger).where(
        MilestoneTrigger.milestone_id.in_([milestone.id for milestone in pathway.milestones]))
        .returning(MilestoneTrigger.kind, MilestoneTrigger.key)
        .execution_options(synchronize_session=False))
    badges = {key for kind, key in removed if kind == "badge"}
    active = pathway.active_milestones
    closure = trigger_closure({milestone.key: milestone.rule for milestone in active})
    rows = [{"milestone_id": milestone.id, "kind": kind, "key": key}
            for milestone in active
            for kind, keys in zip(("action", "badge"), closure[milestone.key], strict=True)
            for key in sorted(keys)]
    if rows:
        db.session.execute(sa.insert(MilestoneTrigger), rows)
    _mark_watched(badges | {row["key"] for row in rows if row["kind"] == "badge"})


def _mark_watched(badge_public_ids: set[str]) -> None:
    """Recompute `BadgeClass.watched_by_milestones` of these badge classes from the
    triggers of every active milestone (other pathways may watch them too)."""
    if not badge_public_ids:
        return
    watched = sa.exists().where(
        MilestoneTrigger.kind == "badge", MilestoneTrigger.key == BadgeClass.public_id,
        Milestone.id == MilestoneTrigger.milestone_id, Milestone.archived_at.is_(None))
    db.session.execute(sa.update(BadgeClass).where(
        BadgeClass.public_id.in_(badge_public_ids)).values(
        watched_by_milestones=watched,
        updated_at=BadgeClass.updated_at,  # not an edit of the badge class
    ).execution_options(synchronize_session="fetch"))
