"""Programs: which issuers a dashboard and its objectives cover, in which time zone.

A program is made explicitly (`POST /programs`, one or more issuers), or implicitly for a
single issuer when an objective is posted with `"issuer"` (api.md): that issuer's own
program, one per issuer (a unique column, so two first objectives posted at once still
make one). Its slug names the public dashboard (/dashboards/<slug>); it is derived from
the name unless given, and a dashboard is public only once `public` is set.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from cairn.auth import Actor, require_scope
from cairn.db import db, transaction, utcnow
from issuers.errors import IssuerNotFound
from issuers.models import Issuer
from issuers.services import find_issuer
from pathways.action_types import action_types_by_key
from reporting.access import (
    READ,
    WRITE,
    authorize_issuer,
    authorize_program,
    readable_programs_clause,
)
from reporting.errors import InvalidObjective, InvalidProgram, SlugTaken
from reporting.models import Program
from reporting.periods import is_time_zone


def find_program(public_id: str) -> Program | None:
    return db.session.scalar(sa.select(Program).where(Program.public_id == public_id)
                             .options(selectinload(Program.issuers)))


def find_program_by_slug(slug: str) -> Program | None:
    """For the staff dashboard pages, which authorize the program themselves."""
    return db.session.scalar(sa.select(Program).where(Program.slug == slug)
                             .options(selectinload(Program.issuers)))


def find_public_program(slug: str) -> Program | None:
    """The program whose dashboard anyone may see at /dashboards/<slug>: only one its
    leads marked public; None for any other, so that a private one looks absent."""
    program = find_program_by_slug(slug)
    return program if program is not None and program.public else None


def get_program(actor: Actor, public_id: str, access: tuple = READ) -> Program:
    return authorize_program(actor, find_program(public_id), access)


def list_programs(actor: Actor, *, limit: int, after: int | None) -> list[Program]:
    """Oldest first: the programs all of whose issuers the actor has a role at."""
    require_scope(actor, READ[0])
    query = (sa.select(Program).where(readable_programs_clause(actor))
             .options(selectinload(Program.issuers)).order_by(Program.id).limit(limit + 1))
    if after is not None:
        query = query.where(Program.id > after)
    return list(db.session.scalars(query))


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48].strip("-")
    return slug or "program"


def _free_slug(name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(sa.select(Program.slug).where(
        sa.or_(Program.slug == base, Program.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    while True:
        candidate = f"{base}-{secrets.token_hex(3)}"
        if candidate not in taken:
            return candidate


def _issuers(actor: Actor, public_ids: list[str]) -> list[Issuer]:
    found, errors = [], []
    for public_id in dict.fromkeys(public_ids):
        try:
            found.append(authorize_issuer(actor, find_issuer(public_id), WRITE))
        except IssuerNotFound:
            errors.append(f"No such issuer: {public_id}.")
    if errors:
        raise InvalidProgram("The program is not valid.", {"issuers": errors})
    return found


def _check(definition: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "time_zone" in definition and not is_time_zone(definition["time_zone"]):
        errors["time_zone"] = ["Must be an IANA time zone name, like Europe/Berlin or UTC."]
    unknown = sorted(set(definition.get("action_types") or ())
                     - set(action_types_by_key(definition.get("action_types") or ())))
    if unknown:
        errors["action_types"] = [f"No action type '{key}'." for key in unknown]
    if errors:
        raise InvalidProgram("The program is not valid.", errors)


def create_program(actor: Actor, definition: Mapping[str, Any]) -> Program:
    """A program over issuers at each of which the actor is an editor or owner."""
    require_scope(actor, WRITE[0])
    _check(definition)
    try:
        with transaction():
            issuers = _issuers(actor, definition["issuers"])
            program = Program(
                name=definition["name"], description=definition.get("description"),
                slug=definition.get("slug") or _free_slug(definition["name"]),
                time_zone=definition.get("time_zone", "UTC"),
                public=bool(definition.get("public", False)),
                action_types=list(dict.fromkeys(definition.get("action_types") or [])),
                issuers=issuers, created_by_id=actor.user_id)
            db.session.add(program)
            db.session.flush()
    except IntegrityError as error:
        raise _slug_taken() from error
    return program


def _slug_taken() -> SlugTaken:
    return SlugTaken("Another program has this slug.", {"slug": ["Already taken."]})


def update_program(actor: Actor, public_id: str, changes: Mapping[str, Any]) -> Program:
    """Change what is given; new issuers need the same role as the program's."""
    _check(changes)
    try:
        with transaction():
            program = get_program(actor, public_id, WRITE)
            for name in ("name", "description", "time_zone", "public"):
                if name in changes:
                    setattr(program, name, changes[name])
            if changes.get("slug") is not None:
                program.slug = changes["slug"]
            if "action_types" in changes:
                program.action_types = list(dict.fromkeys(changes["action_types"]))
            if "issuers" in changes:
                if program.own_issuer_id is not None:
                    raise InvalidProgram("The program is not valid.", {"issuers": [
                        "An issuer's own program covers that issuer only."]})
                program.issuers = _issuers(actor, changes["issuers"])
            program.updated_at = utcnow()
            db.session.flush()
    except IntegrityError as error:
        raise _slug_taken() from error
    return program


def own_program(actor: Actor, issuer_public_id: str, *, time_zone: str | None = None
                ) -> tuple[Program, bool]:
    """The issuer's own program, made now (with `time_zone`) if it has none: (program,
    made). Joins the caller's transaction."""
    try:
        issuer = authorize_issuer(actor, find_issuer(issuer_public_id), WRITE)
    except IssuerNotFound as error:
        raise InvalidObjective("The objective is not valid.",
                               {"issuer": ["No such issuer."]}) from error
    existing = _own(issuer)
    if existing is not None:
        return existing, False
    program = Program(name=issuer.name, slug=_free_slug(issuer.name),
                      time_zone=time_zone or "UTC", public=False, action_types=[],
                      own_issuer_id=issuer.id, issuers=[issuer], created_by_id=actor.user_id)
    try:
        with db.session.begin_nested():
            db.session.add(program)
    except IntegrityError:  # made by a request at the same moment: use that one
        made = _own(issuer)
        if made is None:
            raise _slug_taken() from None
        return made, False
    return program, True


def _own(issuer: Issuer) -> Program | None:
    return db.session.scalar(sa.select(Program).where(Program.own_issuer_id == issuer.id)
                             .options(selectinload(Program.issuers)))
