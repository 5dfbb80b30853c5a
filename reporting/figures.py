"""Figures as a computation answers them and a memo keeps them: named parts ("values",
"increments", "baseline", ...), each a mapping from a key (a bucket's position, a
milestone's id) to an exact number. Kept as JSON: keys are text, and decimals are text
too, so that nothing is rounded on the way in or out.

Figures of disjoint sets of people (or rows) add up: `added` puts the change of some
people's figures (`difference` of their new and old figures) into a kept total.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reporting.counts import Exact, Number, plain

Figures = dict[str, dict[str, Exact]]


def figures(**parts: Mapping[Any, Exact]) -> Figures:
    return {name: {str(key): value for key, value in part.items() if value}
            for name, part in parts.items()}


def added(kept: Figures, change: Figures, *, sign: int = 1) -> Figures:
    """kept + sign * change, part by part; zeros left out."""
    result: Figures = {}
    for name in kept.keys() | change.keys():
        part = dict(kept.get(name, {}))
        for key, value in change.get(name, {}).items():
            part[key] = part.get(key, 0) + sign * value
        result[name] = {key: value for key, value in part.items() if value}
    return result


def difference(new: Figures, old: Figures) -> Figures:
    """new - old, part by part: the change of some people's figures."""
    return added(new, old, sign=-1)


def numbers(found: Figures, name: str) -> dict[int, Number]:
    """One part as a series is built from it: positions, and numbers as JSON shows them."""
    return {int(key): plain(value) for key, value in found.get(name, {}).items()}


def total(found: Figures, name: str) -> Number:
    return plain(sum(found.get(name, {}).values()))


def to_json(found: Figures) -> dict[str, dict[str, int | str]]:
    return {name: {key: str(value) if isinstance(value, Decimal) else value
                   for key, value in part.items()} for name, part in found.items()}


def from_json(stored: Mapping[str, Mapping[str, int | str]]) -> Figures:
    return {name: {key: Decimal(value) if isinstance(value, str) else value
                   for key, value in part.items()} for name, part in stored.items()}
