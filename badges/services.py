"""Badge classes: define, change, list. Awards live in badges/awards.py."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from badges.errors import BadgeClassNotFound
from badges.images import BadgeImage, load_image
from badges.models import BadgeClass
from cairn.auth import Actor
from cairn.db import db, transaction
from cairn.errors import NotFound
from credentials.baking import svg_to_png
from issuers.permissions import authorize
from issuers.services import get_issuer

DEFINITION_FIELDS = ("name", "description", "criteria_narrative", "criteria_url", "tags",
                     "alignments", "expires_after_days", "suspendable")


def read_image(content: bytes) -> BadgeImage:
    return load_image(content, max_bytes=current_app.config["IMAGE_MAX_BYTES"],
                      max_pixels=current_app.config["IMAGE_MAX_PIXELS"])


def _set_image(badge_class: BadgeClass, image: BadgeImage) -> None:
    badge_class.image = image.data
    badge_class.image_type = image.media_type
    badge_class.image_width, badge_class.image_height = image.width, image.height
    badge_class.image_png = (image.data if image.media_type == "image/png"
                             else svg_to_png(image.data))


def create_badge_class(actor: Actor, issuer_public_id: str, definition: dict[str, Any],
                       image: bytes) -> BadgeClass:
    """Define a badge. The image is checked and cleaned before anything is written."""
    cleaned = read_image(image)
    with transaction():
        issuer = get_issuer(actor, issuer_public_id, "edit_badges")
        badge_class = BadgeClass(issuer=issuer, **{
            name: definition.get(name) for name in DEFINITION_FIELDS})
        badge_class.tags = badge_class.tags or []
        badge_class.alignments = badge_class.alignments or []
        _set_image(badge_class, cleaned)
        db.session.add(badge_class)
    return badge_class


def update_badge_class(actor: Actor, public_id: str, changes: dict[str, Any],
                       image: bytes | None = None) -> BadgeClass:
    """Change a definition. Awards already made keep pointing at it: OB 2.0 assertions
    reference the live BadgeClass document, so a change shows in every award."""
    cleaned = read_image(image) if image is not None else None
    with transaction():
        badge_class = get_badge_class(actor, public_id, "edit_badges")
        for name in DEFINITION_FIELDS:
            if name in changes:
                setattr(badge_class, name, changes[name])
        if cleaned is not None:
            _set_image(badge_class, cleaned)
    return badge_class


@functools.cache
def _badge_class_by_public_id() -> sa.Select:
    """Built once: every award and public document runs it."""
    return (sa.select(BadgeClass).where(BadgeClass.public_id == sa.bindparam("public_id"))
            .options(joinedload(BadgeClass.issuer)))


def find_badge_class(public_id: str) -> BadgeClass | None:
    """The badge class with its issuer (which every caller reads), in one query."""
    return db.session.scalar(_badge_class_by_public_id(), {"public_id": public_id})


def get_badge_class(actor: Actor, public_id: str, action: str = "read") -> BadgeClass:
    badge_class = find_badge_class(public_id)
    if badge_class is None:
        raise BadgeClassNotFound("No such badge class.")
    try:
        authorize(actor, badge_class.issuer, action)
    except NotFound as error:  # an issuer out of reach hides its badge classes too
        raise BadgeClassNotFound("No such badge class.") from error
    return badge_class


def get_public_badge_class(public_id: str) -> BadgeClass:
    badge_class = find_badge_class(public_id)
    if badge_class is None:
        raise BadgeClassNotFound("No such badge class.")
    return badge_class


def list_badge_classes(actor: Actor, issuer_public_id: str, *, limit: int,
                       after: int | None) -> list[BadgeClass]:
    issuer = get_issuer(actor, issuer_public_id)
    query = sa.select(BadgeClass).where(BadgeClass.issuer_id == issuer.id).order_by(BadgeClass.id)
    if after is not None:
        query = query.where(BadgeClass.id > after)
    return list(db.session.scalars(query.limit(limit + 1)))
