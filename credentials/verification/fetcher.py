"""Everything a verification reads from the network goes through an injected `Fetcher`, so
tests serve fixtures and the service applies its fetch policy (credentials/fetch.py: http(s)
only, timeouts, size caps, no private addresses unless configured).

A `Session` wraps the fetcher for one verification: it reads each document once, resolves
`did:web` to its HTTPS URL (did:web method specification section 3.2), and caps how many
documents one badge can make the verifier fetch.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import unquote

from credentials.fetch import FetchError, FetchPolicy, fetch, fetch_json

ACCEPT_ANY_BADGE = ("application/ld+json, application/json, application/vc+ld+json, "
                    "application/vc+jwt, application/jwt, image/png, image/svg+xml, "
                    "text/plain;q=0.9, */*;q=0.5")
#: Documents one verification may fetch: the badge, its class and issuer, keys, controller
#: documents and status lists need fewer than ten.
MAX_FETCHES = 24


class Fetcher(Protocol):
    """Raises `credentials.fetch.FetchError` with a reason fit for a report."""

    def json(self, url: str) -> tuple[int, Any]: ...

    def bytes(self, url: str) -> bytes: ...


class HttpFetcher:
    """The real network, under a `FetchPolicy`."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()

    def json(self, url: str) -> tuple[int, Any]:
        return fetch_json(url, self.policy)

    def bytes(self, url: str) -> bytes:
        return fetch(url, self.policy, accept=ACCEPT_ANY_BADGE)[1]


def did_web_url(did: str) -> str:
    """did:web:example.com:issuers:1 -> https://example.com/issuers/1/did.json; a DID of
    the host alone -> https://host/.well-known/did.json (the port comes %3A-encoded)."""
    parts = did.split(":")
    if len(parts) < 3 or parts[:2] != ["did", "web"] or not parts[2]:
        raise FetchError(f"{did!r} is not a did:web DID")
    host, path = unquote(parts[2]), [unquote(p) for p in parts[3:]]
    if "/" in host or any(not p or "/" in p for p in path):
        raise FetchError(f"{did!r} is not a valid did:web DID")
    return f"https://{host}/" + ("/".join(path) + "/did.json" if path else ".well-known/did.json")


class Session:
    """One verification's view of the network: memoised, budgeted."""

    def __init__(self, fetcher: Fetcher, *, max_fetches: int = MAX_FETCHES) -> None:
        self.fetcher = fetcher
        self.remaining = max_fetches
        self._json: dict[str, tuple[int, Any]] = {}

    def _spend(self, url: str) -> None:
        if self.remaining <= 0:
            raise FetchError(f"not fetching {url}: this badge needs too many documents")
        self.remaining -= 1

    def json(self, url: str) -> tuple[int, Any]:
        """(status, document) of a URL or did:web DID, fragment removed."""
        base = url.split("#", 1)[0]
        if base.startswith("did:web:"):
            base = did_web_url(base)
        if base not in self._json:
            self._spend(base)
            self._json[base] = self.fetcher.json(base)
        return self._json[base]

    def document(self, url: str) -> dict[str, Any]:
        """The JSON object at a URL that must answer 200 (every document a badge points at
        is an object: issuer, key, controller, status list)."""
        status, document = self.json(url)
        if status != 200:
            raise FetchError(f"{url.split('#', 1)[0]} answered HTTP {status}")
        if not isinstance(document, dict):
            raise FetchError(f"{url.split('#', 1)[0]} is not a JSON object")
        return document

    def bytes(self, url: str) -> bytes:
        self._spend(url)
        return self.fetcher.bytes(url)
