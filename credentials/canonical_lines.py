"""Canonical N-Quads lines as pieces, and blank node labelling by substitution.

A line of a template is a list of pieces: text, a value slot (an index >= 0 into the
rendered values) or a blank node (~index, into the labels of the call); the lines that
hold slots are rendered together, through one format string. `Relabelling`
serves templates whose blank node labels depend on the values (an email recipient's
`identifier` node holds the salt and hash): instead of building the substituted dataset
and running PyLD's labelling on it, it renders each blank node's first-degree lines
(RDFC-1.0 section 4.6, the reference node as `_:a`, the others as `_:z`), hashes them, and
issues the canonical labels in hash order (section 4.4.3, step 5). That is the whole
algorithm only when every first-degree hash is unique; otherwise (or when substitution
made two statements equal, which the dataset would merge) it answers None and the
caller canonicalizes in full.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from credentials import jsonld

Slot = tuple[str, bool]
"""(placeholder, whether the value is an IRI)."""
Piece = str | int
_POSITIONS = ("subject", "object", "name")


def line_pieces(quad: jsonld.Quad, slots: list[tuple[str, Slot]], labels: Mapping[str, Any],
                slot_order: dict[Slot, int]) -> list[Piece]:
    """A canonical line (no newline) as pieces; a slot's number is its index in
    `slot_order`, which grows as new slots are met. `labels` gives each blank node its
    text, or its ~index for a label chosen per call."""
    by_position = dict(slots)
    pieces: list[Piece] = []
    for position in ("subject", "predicate", "object", "name"):
        component = quad.get(position)
        if component is None:
            continue
        if pieces:
            pieces.append(" ")
        slot = by_position.get(position)
        if slot is None:
            pieces.append(jsonld.term(component, labels))
            continue
        pieces.append(slot_order.setdefault(slot, len(slot_order)))
        if not slot[1]:  # a literal keeps its datatype or language after the slot
            pieces.append(jsonld.term({**component, "value": ""}, labels)[2:])
    return [*pieces, " ."]


class Relabelling:
    """The canonical N-Quads of a template's dataset with its blank node labels worked out
    per call (see the module's docstring)."""

    def __init__(self, quads: list[jsonld.Quad], slots: Mapping[int, list[tuple[str, Slot]]],
                 slot_order: dict[Slot, int]) -> None:
        blank_nodes: dict[str, int] = {}
        mentions: dict[str, list[int]] = {}
        for index, quad in enumerate(quads):
            for node in dict.fromkeys(_blank_nodes(quad)):
                blank_nodes.setdefault(node, ~len(blank_nodes))
                mentions.setdefault(node, []).append(index)
        count = len(blank_nodes)
        #: Per blank node, its first-degree lines.
        self._first_degree = [
            _Lines([line_pieces(quads[i], slots.get(i, []), jsonld.FirstDegreeLabels(node),
                                slot_order) for i in mentions[node]], count)
            for node in blank_nodes]
        self._lines = _Lines([line_pieces(quad, slots.get(i, []), blank_nodes, slot_order)
                              for i, quad in enumerate(quads)], count)
        self._unlabelled = [""] * count

    def canonicalize(self, values: Sequence[str]) -> str | None:
        """The canonical N-Quads with these rendered values, or None when this shortcut
        does not apply."""
        unlabelled = self._unlabelled
        hashes = [hashlib.sha256(lines.text(unlabelled, values).encode("utf-8")).hexdigest()
                  for lines in self._first_degree]
        if len(set(hashes)) != len(hashes):
            return None
        labels = [""] * len(hashes)
        for number, node in enumerate(sorted(range(len(hashes)), key=hashes.__getitem__)):
            labels[node] = f"_:c14n{number}"
        lines = self._lines.sorted(labels, values)
        if len(set(lines)) != len(lines):
            return None
        return "\n".join(lines) + "\n"


class _Lines:
    """Canonical lines: those that need nothing of a call as text, the others as one
    format string (blank node labels first, then values). Lines are sorted without their
    newline: no canonical line is a prefix of another (a literal or IRI cannot hold a raw
    " or >), so the order is the same; and a rendered value holds no raw newline (N-Quads
    escapes it)."""

    def __init__(self, lines: list[list[Piece]], labels: int) -> None:
        self._fixed: list[str] = []
        formats: list[str] = []
        for pieces in lines:
            if all(piece.__class__ is str for piece in pieces):
                self._fixed.append("".join(pieces))  # type: ignore[arg-type]
            else:
                formats.append("".join(_field(piece, labels) for piece in pieces))
        self._format = "\n".join(formats)

    def sorted(self, labels: Sequence[str], values: Sequence[str]) -> list[str]:
        if not self._format:
            return sorted(self._fixed)
        return sorted(self._fixed + self._format.format(*labels, *values).split("\n"))

    def text(self, labels: Sequence[str], values: Sequence[str]) -> str:
        """The sorted lines, each ended by its newline."""
        return "\n".join(self.sorted(labels, values)) + "\n"


def _field(piece: Piece, labels: int) -> str:
    if piece.__class__ is str:
        return piece.replace("{", "{{").replace("}", "}}")  # type: ignore[union-attr]
    number = piece + labels if piece >= 0 else ~piece  # type: ignore[operator]
    return f"{{{number}}}"


def _blank_nodes(quad: jsonld.Quad) -> list[str]:
    return [quad[p]["value"] for p in _POSITIONS if p in quad and quad[p]["type"] == "blank node"]
