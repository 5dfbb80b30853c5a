"""Who an action is about: an identity (email, URL, DID) or an external handle mapped to one.

A handle is `<namespace>:<name>` (`github:ada`, `forum:4711`); the namespace is whatever
the source uses and is compared in lowercase, the name exactly as given (many systems
tell `Ada` from `ada`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cairn.db import db, transaction, utcnow
from pathways.action_errors import HandleNotFound, HandleTaken, InvalidHandle
from pathways.action_models import PersonHandle
from pathways.action_sql import any_of
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType
from recipients.services import find_identity, normalise_identity, resolve_identity

HANDLE = "handle"
#: The person types an action may name.
PERSON_TYPES = ("email", "url", "did", HANDLE)
_HANDLE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,49}):(\S{1,150})$")


@dataclass(frozen=True)
class PersonRef:
    type: str  # one of PERSON_TYPES
    identity: str


def normalise_handle(handle: str) -> str:
    match = _HANDLE.match(handle.strip())
    if not match:
        raise InvalidHandle("The handle is not valid.", {"handle": [
            "Write it as namespace:name, like 'github:ada' (no spaces)."]})
    return f"{match.group(1).lower()}:{match.group(2)}"


def identity_of(person: PersonRef) -> tuple[IdentityType, str]:
    """The normalised identity a person reference names (not a handle); raises
    InvalidIdentity with the message under `identity`."""
    try:
        kind = IdentityType(person.type)
        return kind, normalise_identity(kind, person.identity)
    except InvalidIdentity as error:
        message = error.errors["recipient"]["identity"][0]
        raise InvalidIdentity("The person is not valid.", {"identity": [message]}) from error


def map_handle(handle: str, person: PersonRef) -> tuple[PersonHandle, bool]:
    """Map a handle to an identity; mapping it again to the same identity changes nothing
    (False), to another is refused: actions already recorded went to the first one."""
    handle = normalise_handle(handle)
    if person.type == HANDLE:
        raise InvalidHandle("A handle maps to an email, URL or DID.",
                            {"person": {"type": ["Must be email, url or did."]}})
    try:
        kind, value = identity_of(person)
    except InvalidIdentity as error:
        raise InvalidHandle("The person is not valid.", {"person": error.errors}) from error
    try:
        with transaction():
            identity = resolve_identity(kind, value)
            existing = _find(handle)
            if existing is not None:
                if existing.identity_id != identity.id:
                    raise _taken(handle)
                return existing, False
            mapped = PersonHandle(handle=handle, identity=identity, created_at=utcnow())
            db.session.add(mapped)
    except IntegrityError as error:  # mapped by someone else at the same moment
        existing = _find(handle)
        if existing is None:
            raise
        if (existing.identity.type, existing.identity.value) != (kind, value):
            raise _taken(handle) from error
        return existing, False
    return mapped, True


def _taken(handle: str) -> HandleTaken:
    return HandleTaken(f"The handle '{handle}' is mapped to another person.",
                       {"handle": ["Already mapped to another person."]})


def _find(handle: str) -> PersonHandle | None:
    return db.session.scalar(sa.select(PersonHandle).where(PersonHandle.handle == handle)
                             .options(joinedload(PersonHandle.identity)))


def get_handle(handle: str) -> PersonHandle:
    try:
        found = _find(normalise_handle(handle))
    except InvalidHandle:
        found = None
    if found is None:
        raise HandleNotFound("No such handle.")
    return found


def handle_identities(handles: Iterable[str]) -> dict[str, int]:
    """identity id of each mapped handle (normalised), in one query."""
    handles = sorted(set(handles))
    if not handles:
        return {}
    return dict(db.session.execute(sa.select(PersonHandle.handle, PersonHandle.identity_id)
                                   .where(any_of(PersonHandle.handle, handles))).all())


def identity_id_for_filter(person: PersonRef) -> int | None:
    """The identity a list filter names, None when nobody by that name is known."""
    if person.type == HANDLE:
        try:
            handle = normalise_handle(person.identity)
        except InvalidHandle as error:
            raise InvalidIdentity("The person is not valid.",
                                  {"person": error.errors["handle"]}) from error
        return handle_identities([handle]).get(handle)
    try:
        identity = find_identity(*identity_of(person))
    except InvalidIdentity as error:
        raise InvalidIdentity("The person is not valid.", {"person": error.errors}) from error
    return None if identity is None else identity.id
