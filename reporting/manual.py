"""Values recorded by hand for `manual` key results (a survey's NPS): a date in the
program's time zone (today or earlier: a reading is of something that happened), a value
and a note saying where it comes from. A wrong reading is removed and recorded again."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cairn.auth import Actor
from cairn.db import db, transaction, utcnow
from reporting.access import READ, WRITE
from reporting.errors import InvalidObjective, ManualValueNotFound, NotManual
from reporting.models import KeyResult, ManualValue
from reporting.objectives import get_key_result
from reporting.periods import local_today


def _manual(actor: Actor, public_id: str, access: tuple) -> KeyResult:
    key_result = get_key_result(actor, public_id, access)
    if key_result.metric.get("kind") != "manual":
        raise NotManual("Only a manual key result takes values by hand; this one is "
                        f"counted ({key_result.metric.get('kind')}).")
    return key_result


def record_value(actor: Actor, key_result_public_id: str, *, day: date, value: float,
                 note: str = "") -> ManualValue:
    with transaction():
        key_result = _manual(actor, key_result_public_id, WRITE)
        if day > local_today(key_result.program.time_zone, utcnow()):
            raise InvalidObjective("The value is not valid.", {"date": [
                "Must be today or earlier (in the program's time zone)."]})
        reading = ManualValue(key_result_id=key_result.id, recorded_on=day, value=value,
                              note=note, recorded_by_id=actor.user_id)
        db.session.add(reading)
        db.session.flush()
    return reading


def list_values(actor: Actor, key_result_public_id: str, *, limit: int,
                after: int | None) -> list[ManualValue]:
    """In the order they were recorded."""
    key_result = _manual(actor, key_result_public_id, READ)
    query = (sa.select(ManualValue).where(ManualValue.key_result_id == key_result.id)
             .order_by(ManualValue.id).limit(limit + 1))
    if after is not None:
        query = query.where(ManualValue.id > after)
    return list(db.session.scalars(query))


def delete_value(actor: Actor, key_result_public_id: str, value_public_id: str) -> None:
    with transaction():
        key_result = _manual(actor, key_result_public_id, WRITE)
        reading = db.session.scalar(sa.select(ManualValue).where(
            ManualValue.key_result_id == key_result.id,
            ManualValue.public_id == value_public_id))
        if reading is None:
            raise ManualValueNotFound("No such value.")
        db.session.delete(reading)
