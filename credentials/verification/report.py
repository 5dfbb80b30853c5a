"""What a verification found: one named check per question, each passed or failed with
the reason in words, plus warnings that never change the verdict.

The check names are stable (clients key on them): `fetch` (the URL given could be read),
`image` (the baked image is intact), `format` (shape and JSON Schema), `proof` (signature,
or the hosted copy for OB 2.0 hosted badges), `jwt_claims` (VC-JWT registered claims agree
with the credential), `key_binding` (the signing key belongs to the issuer; for OB 2.0
hosted badges, the assertion is hosted where the issuer allows), `validity` (not before
validFrom/issuedOn, not after validUntil/expires), `status` (revocation and suspension),
`recipient` (only when an identity was given to compare).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cairn.errors import CairnError

FETCH = "fetch"
IMAGE = "image"
FORMAT = "format"
PROOF = "proof"
JWT_CLAIMS = "jwt_claims"
KEY_BINDING = "key_binding"
VALIDITY = "validity"
STATUS = "status"
RECIPIENT = "recipient"

#: The order checks are reported in: how the input was read, then what it is, then trust.
ORDER = (FETCH, IMAGE, FORMAT, PROOF, KEY_BINDING, JWT_CLAIMS, VALIDITY, STATUS, RECIPIENT)

OB2_HOSTED = "ob2-hosted"
OB2_SIGNED = "ob2-signed"
OB3_DI = "ob3-di"
OB3_JWT = "ob3-jwt"
FORMATS = (OB2_HOSTED, OB2_SIGNED, OB3_DI, OB3_JWT)

#: A detail longer than this is cut: it quotes documents from anyone.
_MAX_DETAIL = 600


class UnreadableBadge(CairnError):
    """The input is not an Open Badge in any form Cairn knows, so nothing could be checked."""

    status, code = 422, "unreadable_badge"

    def __init__(self, message: str) -> None:
        super().__init__(message, {"badge": [message]})


@dataclass(frozen=True)
class Recipient:
    """An identity to compare with the badge's recipient: `email`, `url`, `telephone`,
    `did` or `id`, and the plain value."""

    type: str
    identity: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Report:
    """Mutable while the verification runs; `valid` only when every check passed."""

    format: str | None = None
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    badge: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        if len(detail) > _MAX_DETAIL:
            detail = detail[: _MAX_DETAIL - 1] + "…"
        self.checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def check(self, name: str) -> Check | None:
        """The first check of that name, if it ran."""
        return next((c for c in self.checks if c.name == name), None)

    def sort(self) -> None:
        """Checks in ORDER, whichever step added them first; unknown names last."""
        self.checks.sort(key=lambda c: ORDER.index(c.name) if c.name in ORDER else len(ORDER))

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "format": self.format,
                "checks": [c.to_dict() for c in self.checks], "credential": self.credential,
                "warnings": list(self.warnings), "badge": dict(self.badge)}


def list_of(value: Any) -> list[Any]:
    """JSON-LD's "one or many": None is none, a list is itself, anything else is one."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a node given by reference (a string) or embedded (an object)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None
