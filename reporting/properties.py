"""Conditions on an action's properties, in SQL, with the meaning the pathway rules give
them (pathways/rules.py): `equals` and `in` compare JSON values (1 equals 1.0, but "1" is
not 1 and true is not 1); `at_least` holds for numbers only; a missing property fails
every condition, even {"equals": null}.

Each database names JSON kinds its own way (PostgreSQL's json_typeof: string, number,
boolean, null; SQLite's json_type: text, integer, real, true, false, null). A number is
read only where the kind says it is one, inside a CASE, so a text value never reaches a
numeric cast.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from reporting.buckets import dialect_name

#: Names SQLite can put in a JSON path between double quotes.
PROPERTY_NAME = re.compile(r'^[^"\\\x00-\x1f]{1,200}$')


class _Json:
    """One property of a JSON column in one dialect's terms."""

    def __init__(self, column: sa.ColumnElement, name: str) -> None:
        if not PROPERTY_NAME.match(name):
            raise ValueError(f"property name not usable in a report: {name!r}")
        self.column, self.name = column, name
        self.postgresql = dialect_name() == "postgresql"

    def kind(self) -> sa.ColumnElement:
        if self.postgresql:
            return sa.func.json_typeof(self.column.op("->")(self.name))
        return sa.func.json_type(self.column, f'$."{self.name}"')

    def is_number(self) -> sa.ColumnElement[bool]:
        if self.postgresql:
            return self.kind() == "number"
        return self.kind().in_(["integer", "real"])

    def number(self) -> sa.ColumnElement:
        """The property as a number, NULL when it is not one."""
        if self.postgresql:
            raw = sa.cast(self.column.op("->>")(self.name), sa.Numeric)
        else:
            raw = sa.func.json_extract(self.column, f'$."{self.name}"')
        return sa.case((self.is_number(), raw), else_=sa.null())

    def text(self) -> sa.ColumnElement:
        if self.postgresql:
            return self.column.op("->>")(self.name)
        return sa.func.json_extract(self.column, f'$."{self.name}"')

    def equals(self, value: Any) -> sa.ColumnElement[bool]:
        if value is None:
            return self.kind() == "null"
        if isinstance(value, bool):
            if self.postgresql:
                return sa.and_(self.kind() == "boolean", self.text() == str(value).lower())
            return self.kind() == str(value).lower()
        if isinstance(value, int | float):
            return sa.and_(self.is_number(), self.number() == value)
        kind = "string" if self.postgresql else "text"
        return sa.and_(self.kind() == kind, self.text() == value)


def property_number(column: sa.ColumnElement, name: str) -> sa.ColumnElement:
    return _Json(column, name).number()


def property_condition(column: sa.ColumnElement, name: str,
                       condition: dict[str, Any]) -> sa.ColumnElement[bool]:
    """One checked condition ({"equals": v}, {"in": [...]}, {"at_least": n}) as SQL."""
    prop = _Json(column, name)
    [(operator, argument)] = condition.items()
    if operator == "at_least":
        return sa.and_(prop.is_number(), prop.number() >= argument)
    choices = argument if operator == "in" else [argument]
    return sa.or_(*(prop.equals(choice) for choice in choices))


def where_clause(column: sa.ColumnElement, where: dict[str, dict]) -> sa.ColumnElement[bool]:
    return sa.and_(sa.true(), *(property_condition(column, name, condition)
                                for name, condition in where.items()))
