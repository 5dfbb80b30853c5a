"""JSON-LD to canonical N-Quads for Data Integrity proofs, offline and in safe mode.

`canonicalize` is the RDFC-1.0 transformation that eddsa-rdfc-2022 signs (Data Integrity
EdDSA Cryptosuites v1.0, section 3.3.2). PyLD does the JSON-LD work, with three additions:

- Contexts come only from the files bundled in `credentials/contexts/`; nothing is fetched.
- Safe mode. JSON-LD expansion silently drops a term no context defines, so it would not be
  signed and could be changed at will. PyLD 3.3 has no `safe` option (only an
  `on_property_dropped` hook), so `_SafeProcessor` raises on the lossy events that
  jsonld.js's `safe: true` (used by Digital Bazaar's verifier) rejects: a dropped property,
  value or node, a relative `@id`/`@type`, a blank node predicate, an invalid `@language`.
- Caching. PyLD caches a processed context per active context, and applies every
  type-scoped context (all OB 3.0 classes) to a fresh clone, so it re-processed them on
  every call (six times the cost of the rest): `_SafeProcessor` memoises them.

The N-Quads are serialised here, not by PyLD, whose escaping is not the canonical form of
RDFC-1.0 / RDF 1.2 N-Quads (it leaves U+0008, U+000C and other controls raw, which
rdf-canonize escapes); blank node labelling reuses PyLD's URDNA2015 steps.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

Quad = dict[str, dict[str, str]]
"""A PyLD RDF quad: subject, predicate, object and optional name, each {type, value, ...}."""

CONTEXT_FILES: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "w3c/credentials-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1": "w3c/credentials-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "w3c/data-integrity-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "w3c/data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "w3c/multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "w3c/bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/cid/v1": "w3c/cid-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "w3c/did-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob_v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob_v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob_v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob_v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob_v3p0/extensions.json",
    "https://w3id.org/openbadges/v2": "ob_v2p0/context.json",
    "https://openbadgespec.org/v2/context.json": "ob_v2p0/context.json",
}
"""Context URL -> file under credentials/contexts/ (copied byte for byte from the spec folder)."""

_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")  # PyLD's and jsonld.js's
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")  # jsonld.js's BCP 47 check
_LITERAL_SPECIAL = re.compile(r'[\x00-\x1f\x7f"\\]')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, LF and CR
_CONTROL_ESCAPES = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F)} | {
    0x08: "\\b", 0x0C: "\\f"}
_IRI_SPECIAL = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_IRI_ESCAPES = {ord(c): f"\\u{ord(c):04X}" for c in '<>"{}|^`\\' + "".join(map(chr, range(0x21)))}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_MEMO_LIMIT = 512


class CanonicalizationError(ValueError):
    """The document cannot be turned into the RDF dataset that a proof covers."""


class UnknownContext(CanonicalizationError):
    """A context URL that is not bundled: Cairn never fetches contexts from the network."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled with Cairn (contexts are "
                         f"never fetched); bundled: {', '.join(sorted(CONTEXT_FILES))}")
        self.url = url


_parsed_contexts: dict[str, Any] = {}


def bundled_context(url: str) -> Any:
    """The parsed context file for `url` (shared: do not modify)."""
    if url not in _parsed_contexts:
        path = resources.files(__package__).joinpath("contexts", *CONTEXT_FILES[url].split("/"))
        _parsed_contexts[url] = json.loads(path.read_text(encoding="utf-8"))
    return _parsed_contexts[url]


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader for the bundled contexts only. `"tag": "static"` is what makes
    PyLD keep the resolved context in its process-wide cache; without it every call reloads
    and re-resolves every context. Each file is parsed once; callers get a copy."""
    if url not in CONTEXT_FILES:
        raise UnknownContext(url)
    return {"contextUrl": None, "documentUrl": url, "tag": "static",
            "document": copy.deepcopy(bundled_context(url))}


def _reject_dropped_property(expanded_property: str | None) -> None:
    what = f"property {expanded_property!r}" if expanded_property else "a keyword-like property"
    raise CanonicalizationError(f"{what} is not defined by the document's @context and would "
                                "be dropped from the signed data (JSON-LD safe mode)")


def _describe(element: Any) -> str:
    text = json.dumps(element, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


class _SafeProcessor(jsonld.JsonLdProcessor):
    """PyLD's processor in safe mode, with memos (see the module doc). Processed contexts
    are frozen and named by their `_uuid`; a memo key is that uuid, the local context (its
    URLs, or the identity of a context object held by a cached context), the flags and
    the base. Nothing else matters: the loader is fixed."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_reject_dropped_property)
        self._contexts: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self._iris: dict[tuple[Any, ...], Any] = {}

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        uuid = active_ctx.get("_uuid")
        if uuid is None or cycles:
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        by_url = isinstance(local_ctx, str) or (
            isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx))
        local_key = tuple(local_ctx) if isinstance(local_ctx, list) and by_url else (
            local_ctx if by_url else id(local_ctx))
        key = (uuid, local_key, by_url, override_protected, propagate, validate_scoped,
               options.get("base"))
        hit = self._contexts.get(key)
        if hit is not None and (by_url or hit[0] is local_ctx):
            return hit[1]
        result = super()._process_context(active_ctx, local_ctx, options, override_protected,
                                          propagate, validate_scoped, cycles)
        if len(self._contexts) >= _MEMO_LIMIT:
            self._contexts.clear()
        self._contexts[key] = (local_ctx, result)
        return result

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None,
                    defined=None):
        if local_ctx is not None or not isinstance(active_ctx, frozendict) or not isinstance(
                value, str):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (active_ctx["_uuid"], value, base, vocab)
        iri = self._iris.get(key, self)
        if iri is self:
            if len(self._iris) >= _MEMO_LIMIT * 8:
                self._iris.clear()
            iri = self._iris[key] = super()._expand_iri(active_ctx, value, base, vocab)
        return iri

    def _expand(self, active_ctx, active_property, element, options, inside_list=False,
                inside_index=False, type_scoped_ctx=None):
        expanded = super()._expand(active_ctx, active_property, element, options, inside_list,
                                   inside_index, type_scoped_ctx)
        if expanded is None and element is not None:
            raise CanonicalizationError(
                f"JSON-LD expansion drops {_describe(element)} (under {active_property!r}): "
                "a value or node that would not be signed (JSON-LD safe mode)")
        return expanded

    def expand(self, input_, options):
        """PyLD's expand for an in-memory document, without its deep copy of the input
        (expansion only reads it), then the safe-mode checks of `_check_expanded`."""
        options = {**options, "isFrame": False, "keepFreeFloatingNodes": False}
        expanded = self._expand(self._get_initial_context(options), None, input_, options)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        expanded = [] if expanded is None else (
            expanded if isinstance(expanded, list) else [expanded])
        _check_expanded(expanded)
        return expanded

    def _graph_to_rdf(self, graph, issuer, options):
        """PyLD's, with one subject and predicate object per node and property instead of
        one per value; `_check_expanded` already refused the relative IRIs PyLD skips."""
        triples: list[Quad] = []
        for id_, node in sorted(graph.items()):
            subject = {"type": "blank node" if id_.startswith("_:") else "IRI", "value": id_}
            for property_, items in sorted(node.items()):
                if property_ != "@type" and property_.startswith("@"):
                    continue
                predicate = {"type": "IRI",
                             "value": _RDF_TYPE if property_ == "@type" else property_}
                for item in items:
                    object_ = self._object_to_rdf(item, issuer, triples, options)
                    if object_ is None:
                        raise CanonicalizationError(f"relative IRI {_describe(item)}")
                    triples.append({"subject": subject, "predicate": predicate,
                                    "object": object_})
        return triples


def _check_expanded(value: Any) -> None:
    """Reject what PyLD's toRDF would skip silently: relative IRIs, blank node predicates."""
    if isinstance(value, list):
        for item in value:
            _check_expanded(item)
        return
    if not isinstance(value, dict):
        return
    if "@value" in value:
        language = value.get("@language")
        if language is not None and not _LANGUAGE_TAG.match(language):
            raise CanonicalizationError(f"invalid @language value {language!r}")
        return
    ids = [("@id", value["@id"])] if "@id" in value else []
    for kind, iri in ids + [("@type", t) for t in value.get("@type", ())]:
        if not isinstance(iri, str) or not _ABSOLUTE_IRI.match(iri):
            raise CanonicalizationError(f"relative {kind} reference {iri!r} would be dropped "
                                        "(JSON-LD safe mode)")
    for key, item in value.items():
        if key in ("@id", "@type", "@index", "@language", "@direction"):
            continue
        if key.startswith("_:"):
            raise CanonicalizationError(f"blank node predicate {key!r} is not RDF")
        _check_expanded(item)


_processor = _SafeProcessor()


def rdf_dataset(document: Mapping[str, Any]) -> list[Quad]:
    """The RDF dataset of a JSON-LD document (JSON-LD 1.1 toRDF), in safe mode.

    Directional strings use `rdfDirection: i18n-datatype`, as Digital Bazaar's cryptosuite
    does. Raises CanonicalizationError (the innermost reason, e.g. an unknown context).
    """
    options = {"documentLoader": document_loader, "base": None,
               "rdfDirection": "i18n-datatype", "produceGeneralizedRdf": False}
    try:
        graphs = _processor.to_rdf(dict(document), options)
    except jsonld.JsonLdError as error:
        cause: BaseException = error
        while cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, CanonicalizationError):
            raise cause from None
        raise CanonicalizationError(f"invalid JSON-LD: {cause}") from error
    quads: list[Quad] = []
    for graph_name, triples in graphs.items():
        if graph_name != "@default":
            name = {"type": "blank node" if graph_name.startswith("_:") else "IRI",
                    "value": graph_name}
            for triple in triples:
                triple["name"] = name
        quads.extend(triples)
    return quads


def escape_literal(value: str) -> str:
    """A literal's lexical form as canonical N-Quads writes it between the quotes."""
    if not _LITERAL_SPECIAL.search(value):
        return value
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\r", "\\r").replace("\t", "\\t")
    return value.translate(_CONTROL_ESCAPES) if _CONTROL.search(value) else value


def escape_iri(value: str) -> str:
    """An IRI as canonical N-Quads writes it between < and > (as rdf-canonize does)."""
    return value.translate(_IRI_ESCAPES) if _IRI_SPECIAL.search(value) else value


_iri_terms: dict[str, str] = {}


def _iri_term(value: str) -> str:
    """<IRI>, remembered: predicates, types and datatypes recur in every credential."""
    text = _iri_terms.get(value)
    if text is None:
        if len(_iri_terms) >= _MEMO_LIMIT * 8:
            _iri_terms.clear()
        text = _iri_terms[value] = "<" + escape_iri(value) + ">"
    return text


def term(component: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """One quad component in canonical N-Quads; blank nodes are renamed through `labels`."""
    kind = component["type"]
    if kind == "IRI":
        return _iri_term(component["value"])
    if kind == "blank node":
        return labels[component["value"]]
    text = '"' + escape_literal(component["value"]) + '"'
    datatype = component.get("datatype", _XSD_STRING)
    if datatype == _RDF_LANGSTRING:
        return text + "@" + component["language"] if component.get("language") else text
    return text if datatype == _XSD_STRING else text + "^^" + _iri_term(datatype)


def nquad(quad: Quad, labels: Mapping[str, str]) -> str:
    """One canonical N-Quads line, newline included."""
    line = term(quad["subject"], labels) + " " + term(quad["predicate"], labels) + " " + \
        term(quad["object"], labels)
    name = quad.get("name")
    return line + (" " + term(name, labels) if name else "") + " .\n"


class _Rdfc10(URDNA2015):
    """RDFC-1.0 blank node labelling (section 4.4) on PyLD's steps, hashing the canonical
    serialisation above, with rdf-canonize's cap on Hash N-Degree Quads (maxWorkFactor 1:
    one deep iteration per blank node sharing a first-degree hash), so that a "poison"
    dataset fails at once and what Cairn signs Digital Bazaar can verify."""

    def __init__(self) -> None:
        super().__init__()
        self._remaining_deep_iterations = 0

    def hash_first_degree_quads(self, id_: str) -> str:
        info = self.blank_node_info[id_]
        if "hash" not in info:
            labels = FirstDegreeLabels(id_)
            info["hash"] = self.hash_nquads(sorted(nquad(q, labels) for q in info["quads"]))
        return info["hash"]

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> dict[str, Any]:
        if self._remaining_deep_iterations <= 0:
            raise CanonicalizationError("RDFC-1.0: maximum deep iterations exceeded "
                                        "(a dataset of indistinguishable blank nodes)")
        self._remaining_deep_iterations -= 1
        return super().hash_n_degree_quads(id_, issuer)

    def issue_labels(self, quads: list[Quad]) -> dict[str, str]:
        """Canonical label of each blank node (RDFC-1.0 section 4.4.3, steps 2 to 6)."""
        for quad in quads:
            for position in ("subject", "object", "name"):
                component = quad.get(position)
                if component is not None and component["type"] == "blank node":
                    listed = self.blank_node_info.setdefault(component["value"], {"quads": []})
                    if not any(q is quad for q in listed["quads"]):
                        listed["quads"].append(quad)
        by_hash: dict[str, list[str]] = {}
        for blank_node in self.blank_node_info:
            by_hash.setdefault(self.hash_first_degree_quads(blank_node), []).append(blank_node)
        shared = []
        for hash_ in sorted(by_hash):
            if len(by_hash[hash_]) > 1:
                shared.append(by_hash[hash_])
            else:
                self.canonical_issuer.get_id(by_hash[hash_][0])
        self._remaining_deep_iterations = sum(len(ids) for ids in shared)
        for ids in shared:
            paths = []
            for blank_node in ids:
                if not self.canonical_issuer.has_id(blank_node):
                    issuer = IdentifierIssuer("_:b")
                    issuer.get_id(blank_node)
                    paths.append(self.hash_n_degree_quads(blank_node, issuer))
            for result in sorted(paths, key=lambda r: r["hash"]):
                for existing in result["issuer"].order:
                    self.canonical_issuer.get_id(existing)
        return dict(self.canonical_issuer.existing)


class FirstDegreeLabels(dict):
    """_:a for the reference blank node, _:z for any other (Hash First Degree Quads 3.1)."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def __missing__(self, key: str) -> str:
        return "_:a" if key == self.reference else "_:z"


def canonical_labels(quads: list[Quad]) -> dict[str, str]:
    """Blank node label -> canonical label (_:c14nN)."""
    return _Rdfc10().issue_labels(quads)


def canonicalize_dataset(quads: list[Quad]) -> str:
    """The canonical N-Quads of an RDF dataset (RDFC-1.0 sections 4.4 and 5).

    Repeated quads are kept, as jsonld.js and rdf-canonize (and PyLD's normalize) keep the
    repeats that toRDF emits for values differing only in @index: signatures must agree.
    """
    labels = canonical_labels(quads)
    return "".join(sorted([nquad(q, labels) for q in quads]))


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, offline and in safe mode."""
    return canonicalize_dataset(rdf_dataset(document))


def is_absolute_iri(value: str) -> bool:
    """JSON-LD's test (PyLD's and jsonld.js's): a scheme, a colon, no whitespace."""
    return _ABSOLUTE_IRI.match(value) is not None
