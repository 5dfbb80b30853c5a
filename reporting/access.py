"""Who may read and change programs, objectives and reports.

A program reaches into the data of every issuer it covers, so reading it (its objectives,
key results and reports) needs `reports:read` and a role at each of them, changing it
`reports:write` and editor or owner at each. A program out of reach answers 404, as if it
did not exist (api.md). Reports that are not a program's (the /reports endpoints) read the
awards of the issuers the actor has a role at; actions belong to no issuer (as for
pathways), so counting them needs `reports:read` and a role at some issuer.
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.auth import Actor, require_scope
from cairn.db import db
from issuers.errors import IssuerNotFound, RoleTooLow
from issuers.models import Issuer, Membership, Role
from issuers.permissions import authorize_access, visible_issuers_clause
from reporting.errors import ProgramNotFound
from reporting.models import Program, program_issuers

READ = ("reports:read", Role.viewer)
WRITE = ("reports:write", Role.editor)


def authorize_issuer(actor: Actor, issuer: Issuer | None,
                     access: tuple[str, Role] = READ) -> Issuer:
    return authorize_access(actor, issuer, *access)


def authorize_program(actor: Actor, program: Program | None,
                      access: tuple[str, Role] = READ) -> Program:
    """The program, if `actor` may read (or change) it; 403 for a missing scope or a role
    too low, 404 for a program out of reach."""
    require_scope(actor, access[0])
    if program is None:
        raise ProgramNotFound("No such program.")
    try:
        for issuer in program.issuers:
            authorize_access(actor, issuer, *access)
    except IssuerNotFound as error:
        raise ProgramNotFound("No such program.") from error
    return program


def readable_programs_clause(actor: Actor) -> sa.ColumnElement[bool]:
    """A WHERE clause on Program: those with no issuer outside the actor's reach."""
    visible = sa.select(Issuer.id).where(visible_issuers_clause(actor))
    return ~sa.exists().where(program_issuers.c.program_id == Program.id,
                              program_issuers.c.issuer_id.not_in(visible))


def visible_issuer_ids(actor: Actor) -> tuple[int, ...] | None:
    """The issuers whose awards the actor's reports count; None: every issuer (an admin
    whose token is not limited to one)."""
    if actor.is_admin and actor.issuer_public_id is None:
        return None
    return tuple(db.session.scalars(sa.select(Issuer.id).where(visible_issuers_clause(actor))
                                    .order_by(Issuer.id)))


def authorize_reports(actor: Actor) -> Actor:
    """`reports:read` and a role at some issuer (the token's issuer, if limited to one)."""
    require_scope(actor, READ[0])
    if actor.is_admin:
        return actor
    query = sa.select(Membership.id).join(Issuer, Issuer.id == Membership.issuer_id).where(
        Membership.user_id == actor.user_id)
    if actor.issuer_public_id is not None:
        query = query.where(Issuer.public_id == actor.issuer_public_id)
    if db.session.scalar(sa.select(query.exists())) is not True:
        raise RoleTooLow("Reports need a role at an issuer.")
    return actor
