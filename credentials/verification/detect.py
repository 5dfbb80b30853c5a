"""Which badge was given, and in which form: JSON (OB 2.0 assertion or OB 3.0 credential),
a compact JWS (OB 2.0 signed assertion or OB 3.0 VC-JWT), or a baked PNG or SVG carrying one
of those (OB 2.0 Baking Specification; OB 3.0 section 5.3 "Baked Badges").

Only input that is no badge at all raises `UnreadableBadge`; a badge that is damaged but
still readable (a PNG whose checksums no longer match its baked text) is read, and the damage
becomes a failed `image` check.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from credentials.baking import (
    OB2_KEYWORD,
    OB3_KEYWORD,
    PNG_SIGNATURE,
    BakingError,
    read_png_text,
    read_svg_badge,
)
from credentials.verification.report import (
    IMAGE,
    OB2_HOSTED,
    OB2_SIGNED,
    OB3_DI,
    OB3_JWT,
    Report,
    UnreadableBadge,
    list_of,
)

OB2_CONTEXTS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")
VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")
#: Largest badge text (JSON or JWS) read: a credential is a few kilobytes.
MAX_TEXT = 2 * 1024 * 1024
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


@dataclass(frozen=True)
class Candidate:
    """A badge read from the input. `document` is the JSON (for a JWS, its payload, not yet
    trusted); `token` the compact JWS; `url` a hosted address to fetch instead (an SVG's
    `verify` attribute, or a PNG baked with a URL)."""

    format: str | None
    document: dict[str, Any] | None = None
    token: str | None = None
    header: dict[str, Any] | None = None
    url: str | None = None


def from_value(value: Any) -> Candidate:
    """A badge given as a JSON object, or as text (JSON or compact JWS)."""
    if isinstance(value, dict):
        return from_document(value)
    if isinstance(value, str):
        return from_text(value)
    raise UnreadableBadge("A badge is a JSON object or a compact JWS/JWT string.")


def from_text(text: str) -> Candidate:
    text = text.strip().lstrip("\ufeff")
    if len(text) > MAX_TEXT:
        raise UnreadableBadge("The badge text is too large to be a badge.")
    if text.startswith(("{", '"')):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise UnreadableBadge(f"The badge is not valid JSON: {error}") from error
        if isinstance(value, str) and not value.lstrip().startswith(('"', "{")):
            return from_text(value)  # a JWS wrapped in a JSON string
        if isinstance(value, dict):
            return from_document(value)
        raise UnreadableBadge("The badge JSON must be an object.")
    if _COMPACT_JWS.fullmatch(text):
        return from_token(text)
    if _URL.fullmatch(text):
        return Candidate(None, url=text)
    raise UnreadableBadge("This is neither JSON, nor a compact JWS/JWT, nor a badge URL.")


def _is_ob2(document: dict[str, Any]) -> bool:
    contexts = list_of(document.get("@context"))
    return any(c in OB2_CONTEXTS for c in contexts) or "Assertion" in list_of(
        document.get("type"))


def _is_vc(document: dict[str, Any]) -> bool:
    contexts = list_of(document.get("@context"))
    return "VerifiableCredential" in list_of(document.get("type")) or any(
        c in VC_CONTEXTS for c in contexts)


def ob2_verification_type(document: dict[str, Any]) -> str:
    """"hosted" or "signed", from `verification.type` (HostedBadge, hosted, SignedBadge, ...);
    an assertion without one is read as hosted (OB 1.x style)."""
    verification = document.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    kind = kind.split(":")[-1].lower() if isinstance(kind, str) else ""
    return "signed" if kind in ("signed", "signedbadge") else "hosted"


def from_document(document: dict[str, Any]) -> Candidate:
    if _is_ob2(document):
        signed = ob2_verification_type(document) == "signed"
        return Candidate(OB2_SIGNED if signed else OB2_HOSTED, document=document)
    if _is_vc(document):
        return Candidate(OB3_DI, document=document)
    if isinstance(document.get("vc"), dict):
        raise UnreadableBadge("This is a VC-JWT payload without its signature: give the "
                              "whole compact JWT.")
    raise UnreadableBadge("This JSON is neither an Open Badges 2.0 assertion nor a "
                          "Verifiable Credential (no known @context or type).")


def _b64_json(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, RecursionError) as error:
        raise UnreadableBadge(f"The JWS {what} is not base64url-encoded JSON.") from error
    if not isinstance(value, dict):
        raise UnreadableBadge(f"The JWS {what} is not a JSON object.")
    return value


def from_token(token: str) -> Candidate:
    """A compact JWS: an OB 2.0 signed assertion or an OB 3.0 VC-JWT, told apart by its
    payload (read here unverified, only to know which rules apply)."""
    header_part, payload_part, _ = token.split(".")
    header, payload = _b64_json(header_part, "header"), _b64_json(payload_part, "payload")
    if _is_ob2(payload):
        return Candidate(OB2_SIGNED, document=payload, token=token, header=header)
    if _is_vc(payload) or isinstance(payload.get("vc"), dict):
        return Candidate(OB3_JWT, document=payload, token=token, header=header)
    raise UnreadableBadge("The JWS payload is neither an Open Badges 2.0 assertion nor a "
                          "Verifiable Credential.")


def from_bytes(data: bytes, report: Report) -> Candidate:
    """A file or a fetched body: a baked PNG or SVG, or JSON/JWS text."""
    if data.startswith(PNG_SIGNATURE):
        return _from_png(data, report)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _from_svg(data, report)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableBadge("The file is neither a PNG, an SVG nor UTF-8 text.") from error
    return from_text(text)


def _from_svg(data: bytes, report: Report) -> Candidate:
    try:
        found = read_svg_badge(data)
    except BakingError as error:
        raise UnreadableBadge(f"Not a readable SVG: {error.message}") from error
    except (LookupError, ValueError) as error:  # e.g. an XML declaration's unknown encoding
        raise UnreadableBadge(f"Not a readable SVG: {error}") from error
    report.add(IMAGE, True, "an SVG with a baked badge")
    if "ob3_credential" in found or "ob3_jwt" in found:
        if "ob2_assertion" in found or "ob2_verify" in found:
            report.warn("the SVG carries both an OB 2.0 and an OB 3.0 badge; the OB 3.0 "
                        "credential was verified")
        return from_text(found.get("ob3_credential") or found["ob3_jwt"])
    if "ob2_assertion" in found:
        candidate = from_text(found["ob2_assertion"])
        verify = found.get("ob2_verify")
        if candidate.format == OB2_HOSTED and verify and candidate.document.get("id") != verify:
            report.warn(f"the SVG's verify attribute {verify!r} is not the assertion's id")
        return candidate
    if "ob2_verify" in found:
        return from_text(found["ob2_verify"])
    raise UnreadableBadge("The SVG has no baked badge (no openbadges:assertion or "
                          "openbadges:credential element).")


def _from_png(data: bytes, report: Report) -> Candidate:
    try:
        texts = read_png_text(data)
        report.add(IMAGE, True, "a PNG with a baked badge")
    except BakingError as error:
        texts = _damaged_png_text(data)
        if not (OB3_KEYWORD in texts or OB2_KEYWORD in texts):
            raise UnreadableBadge(f"Not a readable PNG: {error.message}") from error
        report.add(IMAGE, False, f"the PNG is damaged ({error.message}): the baked badge "
                                 "was changed after baking")
    if OB3_KEYWORD in texts:
        if OB2_KEYWORD in texts:
            report.warn("the PNG carries both an OB 2.0 and an OB 3.0 badge; the OB 3.0 "
                        "credential was verified")
        return from_text(texts[OB3_KEYWORD])
    if OB2_KEYWORD in texts:
        return from_text(texts[OB2_KEYWORD])
    raise UnreadableBadge("The PNG has no baked badge (no iTXt chunk with keyword "
                          "openbadges or openbadgecredential).")


def _damaged_png_text(png: bytes) -> dict[str, str]:
    """The text chunks of a PNG whose checksums fail, read anyway so the report can say
    what was baked and that it was changed."""
    found: dict[str, str] = {}
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        data = png[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IEND" or position > len(png):
            break
        if kind not in _TEXT_CHUNKS:
            continue
        keyword, _, body = data.partition(b"\0")
        try:
            if kind == b"iTXt":
                flag, rest = body[:1], body[2:]
                rest = rest.split(b"\0", 2)[-1]
                text = (_inflate(rest) if flag == b"\1" else rest).decode("utf-8")
            elif kind == b"zTXt":
                text = _inflate(body[1:]).decode("latin-1")
            else:
                text = body.decode("latin-1")
        except (ValueError, zlib.error):
            continue
        found.setdefault(keyword.decode("latin-1", "replace"), text)
    return found


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, MAX_TEXT)
    if inflater.unconsumed_tail:
        raise ValueError("compressed text chunk too large")
    return text
