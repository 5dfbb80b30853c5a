"""Canonical templates: the RDFC-1.0 form of many credentials of one shape, without JSON-LD.

Credentials of one badge class version differ only in a few string values (credential id,
recipient, dates, salt and hash, evidence). A `CanonicalTemplate` is built once from the
document with sentinel strings in those places. It expands the document once, finds the
RDF terms that are exactly a sentinel, and then answers `canonicalize(values)` by string
substitution, byte for byte what `jsonld.canonicalize(template.fill(values))` gives:

- Sound templates: no quad that holds a placeholder also holds a blank node, or the whole
  dataset has at most one blank node. Blank node labels (RDFC-1.0 section 4.4) then depend
  only on quads no value touches, so the canonical lines are computed once; per call the
  escaped values go into their lines and the lines are re-sorted (section 5).
- Otherwise (an email recipient's `identifier` is a blank node holding salt and hash) the
  labels are worked out again per call, from each blank node's first-degree lines rendered
  by substitution (canonical_lines.py); only when two blank nodes hash alike, or two
  statements became equal, does the substituted dataset go through PyLD's labelling.

Why a value cannot change the structure: placeholders may not be types (type-scoped
contexts would change), may not sit under `@json` or `xsd:double` terms (their RDF form is
not the string), and an IRI value takes the fast path only if JSON-LD IRI expansion leaves
it as it is (`is_plain_iri`); any other value goes through full canonicalization.
The build ends with a probe that compares both paths, so a mistake here cannot sign data
that differs from the document.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from credentials import jsonld
from credentials.canonical_lines import Relabelling, Slot, line_pieces

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_POSITIONS = ("subject", "object", "name")
_PLAIN_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*):(//)?[^\s]*$")
"""JSON-LD's absolute IRI (jsonld.is_absolute_iri) without the blank node prefix `_:`."""

_json_string = json.JSONEncoder(ensure_ascii=False).encode


class CanonicalTemplate:
    """A credential shape whose canonical N-Quads are recomputed by substitution."""

    def __init__(self, document: Mapping[str, Any], placeholders: Sequence[str]) -> None:
        self.placeholders = tuple(placeholders)
        _check_placeholders(self.placeholders)
        self._placeholder_set = frozenset(self.placeholders)
        self._json_parts = _split_json(document, self.placeholders)
        #: What a signer needs of the document without filling it: its context, and
        #: whether it carries a proof already.
        self.context = document.get("@context")
        self.has_proof = "proof" in document
        self._more_terms = context_terms(_inline_contexts(document))
        quads = jsonld.rdf_dataset(document)
        if len(_unique(quads)) != len(quads):
            raise ValueError("the document has repeated RDF statements (values differing "
                             "only in @index), which substitution cannot reproduce")
        slots = _slots_by_quad(quads, set(self.placeholders))
        self._iri_placeholders = frozenset(p for s in slots.values() for _, (p, iri) in s if iri)
        self.sound = _is_sound(quads, slots)
        self._slot_order: dict[Slot, int] = {}
        if self.sound:
            labels = jsonld.canonical_labels(quads)
            static = [[jsonld.nquad(q, labels)[:-1]] for i, q in enumerate(quads) if i not in slots]
            dynamic = [line_pieces(quads[i], slots[i], labels, self._slot_order) for i in slots]
            self._ordered = _order_is_fixed(static + dynamic)
            if self._ordered:  # e.g. a proof configuration: every line has its own predicate
                lines = sorted(static + dynamic, key=_fixed_prefix)
                self._static_lines = frozenset()
            else:
                lines = dynamic
                self._static_lines = frozenset(line[0] for line in static)
            pieces = [p for line in lines for p in (*line, "\n")]
            self._pieces = [p if isinstance(p, str) else "" for p in pieces]
            self._fields = [(n, p) for n, p in enumerate(pieces) if isinstance(p, int)]
        else:
            self._quads = quads
            self._slots = slots
            self._relabelling = Relabelling(quads, slots, self._slot_order)
        _probe(self)

    def fill(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The document with each placeholder replaced by its value (a new dict)."""
        self._check_values(values)
        return self._fill(values)

    def fill_text(self, values: Mapping[str, str]) -> str:
        """`fill(values)` as compact JSON text (`json.dumps` with `ensure_ascii=False` and
        no spaces), made without building the document."""
        self._check_values(values)
        return self._fill_text(values)

    def canonicalize(self, values: Mapping[str, str]) -> str:
        """What `jsonld.canonicalize(self.fill(values))` returns, usually far faster."""
        self._check_values(values)
        for placeholder in self._iri_placeholders:
            if not is_plain_iri(values[placeholder], self._more_terms):
                return jsonld.canonicalize(self._fill(values))
        escape_iri, escape_literal = jsonld.escape_iri, jsonld.escape_literal
        rendered = [
            "<" + escape_iri(values[p]) + ">" if is_iri else '"' + escape_literal(values[p]) + '"'
            for p, is_iri in self._slot_order]
        if not self.sound:
            return self._relabelling.canonicalize(rendered) or jsonld.canonicalize_dataset(
                _unique(self._substituted_quads(values)))
        pieces = self._pieces.copy()
        for position, slot in self._fields:
            pieces[position] = rendered[slot]
        if self._ordered:
            return "".join(pieces)
        # Lines are sorted without their newline: no canonical line is a prefix of another
        # (a literal or IRI cannot hold a raw " or >), so the order is the same.
        dynamic = "".join(pieces)[:-1].split("\n")
        return "\n".join(sorted(self._static_lines.union(dynamic))) + "\n"

    def _fill(self, values: Mapping[str, str]) -> dict[str, Any]:
        return json.loads(self._fill_text(values))

    def _fill_text(self, values: Mapping[str, str]) -> str:
        return "".join(part if part.__class__ is str else _json_string(values[part[0]])
                       for part in self._json_parts)

    def _substituted_quads(self, values: Mapping[str, str]) -> list[jsonld.Quad]:
        quads = list(self._quads)
        for index, slots in self._slots.items():
            quad = dict(quads[index])
            for position, (placeholder, _) in slots:
                quad[position] = {**quad[position], "value": values[placeholder]}
            quads[index] = quad
        return quads

    def _check_values(self, values: Mapping[str, str]) -> None:
        if values.keys() != self._placeholder_set:
            missing = sorted(set(self.placeholders) - set(values))
            extra = sorted(set(values) - set(self.placeholders))
            raise ValueError(f"template values: missing {missing}, unknown {extra}")
        for placeholder, value in values.items():
            if not isinstance(value, str):
                raise TypeError(f"value for {placeholder!r} must be a string, not "
                                f"{type(value).__name__}")


def is_plain_iri(value: str, more_terms: frozenset[str] = frozenset()) -> bool:
    """True if JSON-LD IRI expansion leaves `value` unchanged whatever the context: absolute,
    not a blank node, neither it nor its scheme a term of a bundled context or of
    `more_terms` (a compact IRI like `xsd:date` would be expanded)."""
    match = _PLAIN_IRI.match(value)
    if match is None:
        return False
    terms = _bundled_terms()
    if value in terms or value in more_terms:
        return False
    scheme = match.group(1)
    return match.group(2) is not None or (scheme not in terms and scheme not in more_terms)


@functools.cache
def _bundled_terms() -> frozenset[str]:
    return context_terms([jsonld.bundled_context(url) for url in jsonld.CONTEXT_FILES])


def context_terms(value: Any) -> frozenset[str]:
    """Every key of every object inside a context: a superset of the terms it can define."""
    if isinstance(value, dict):
        return frozenset(value).union(*(context_terms(item) for item in value.values()))
    if isinstance(value, list):
        return frozenset().union(*(context_terms(item) for item in value))
    return frozenset()


def _unique(quads: list[jsonld.Quad]) -> list[jsonld.Quad]:
    """The quads without repeats. Substitution can make two quads equal where the JSON-LD
    node map would have merged the two values (RDF 1.1 Concepts 4: a dataset is a set)."""
    def key(quad: jsonld.Quad) -> tuple[Any, ...]:
        subject, object_, name = quad["subject"], quad["object"], quad.get("name")
        return (subject["type"], subject["value"], quad["predicate"]["value"], object_["type"],
                object_["value"], object_.get("datatype"), object_.get("language"),
                name and name["value"])
    return list({key(q): q for q in quads}.values())


def _check_placeholders(placeholders: Sequence[str]) -> None:
    if len(set(placeholders)) != len(placeholders):
        raise ValueError("placeholders must be distinct")
    for placeholder in placeholders:
        if not isinstance(placeholder, str) or not placeholder or placeholder.startswith("_:"):
            raise ValueError(f"placeholder {placeholder!r} must be a non-empty string that is "
                             "not a blank node identifier")


def _count_values(value: Any, placeholders: set[str], counts: dict[str, int]) -> None:
    if isinstance(value, str) and value in placeholders:
        counts[value] = counts.get(value, 0) + 1
    elif isinstance(value, list):
        for item in value:
            _count_values(item, placeholders, counts)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "@context":
                _count_values(item, placeholders, counts)


def _split_json(document: Mapping[str, Any], placeholders: Sequence[str]) -> list[Any]:
    """The document's JSON text cut at each placeholder value: str parts and (placeholder,)
    slots. Every occurrence of a quoted sentinel in the text must be one of the values found
    by walking the document, so a key, a context or an escaped look-alike is refused."""
    counts: dict[str, int] = {}
    _count_values(document, set(placeholders), counts)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    tokens = {json.dumps(p, ensure_ascii=False): p for p in placeholders}
    pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
    parts: list[Any] = []
    seen: dict[str, int] = {}
    position = 0
    for match in pattern.finditer(text):
        placeholder = tokens[match.group()]
        seen[placeholder] = seen.get(placeholder, 0) + 1
        parts += [text[position:match.start()], (placeholder,)]
        position = match.end()
    parts.append(text[position:])
    for placeholder in placeholders:
        if counts.get(placeholder, 0) == 0:
            raise ValueError(f"placeholder {placeholder!r} is not a value in the document")
        if seen.get(placeholder, 0) != counts[placeholder]:
            raise ValueError(f"placeholder {placeholder!r} also appears as a key, in a context "
                             "or inside another string")
    return parts


def _inline_contexts(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [c for item in value for c in _inline_contexts(item)]
    if not isinstance(value, Mapping):
        return []
    found = [value["@context"]] if "@context" in value else []
    return found + [c for k, item in value.items() if k != "@context"
                    for c in _inline_contexts(item)]


def _slots_by_quad(quads: list[jsonld.Quad], placeholders: set[str]
                   ) -> dict[int, list[tuple[str, Slot]]]:
    """Quad index -> [(position, (placeholder, is_iri))] for every term that is a sentinel."""
    slots: dict[int, list[tuple[str, Slot]]] = {}
    found: set[str] = set()
    for index, quad in enumerate(quads):
        for position in _POSITIONS:
            component = quad.get(position)
            if component is None or component["value"] not in placeholders:
                continue
            placeholder = component["value"]
            if position == "object" and quad["predicate"]["value"] == _RDF_TYPE:
                raise ValueError(f"placeholder {placeholder!r} is a type: type-scoped contexts "
                                 "would change with its value")
            if component.get("datatype") == _XSD_DOUBLE:
                raise ValueError(f"placeholder {placeholder!r} is an xsd:double, whose "
                                 "canonical form is not the string")
            slot = (placeholder, component["type"] == "IRI")
            slots.setdefault(index, []).append((position, slot))
            found.add(placeholder)
    missing = sorted(placeholders - found)
    if missing:
        raise ValueError(f"placeholders {missing} are not RDF terms of the document (an @json "
                         "value, an @index, or an IRI that JSON-LD rewrote?)")
    return slots


def _is_sound(quads: list[jsonld.Quad], slots: Mapping[int, Any]) -> bool:
    """True if blank node labels cannot depend on the values (see the module doc)."""
    def blank_nodes(quad: jsonld.Quad) -> set[str]:
        return {quad[p]["value"] for p in _POSITIONS
                if p in quad and quad[p]["type"] == "blank node"}
    if len(set().union(*(blank_nodes(q) for q in quads))) <= 1:
        return True
    return not any(blank_nodes(quads[i]) for i in slots)


def _fixed_prefix(line: list[str | int]) -> str:
    """The text of a line before its first slot."""
    prefix = []
    for piece in line:
        if not isinstance(piece, str):
            break
        prefix.append(piece)
    return "".join(prefix)


def _order_is_fixed(lines: list[list[str | int]]) -> bool:
    """True if sorting never depends on the values: no line's text before its first slot is
    a prefix of another's (checking neighbours in sorted order is enough)."""
    prefixes = sorted(_fixed_prefix(line) for line in lines)
    return all(not b.startswith(a) for a, b in zip(prefixes, prefixes[1:], strict=False))


def _probe(template: CanonicalTemplate) -> None:
    """Check the substitution against full canonicalization once, with awkward values."""
    values = {p: (f"urn:cairn:probe:{i}" if p in template._iri_placeholders
                  else f'probe {i} "q" \\ \n\t\x08 \u00e9 \U0001f600')
              for i, p in enumerate(template.placeholders)}
    if template.canonicalize(values) != jsonld.canonicalize(template.fill(values)):
        raise ValueError("template substitution does not reproduce full canonicalization; "
                         "the placeholders' positions are not supported")
