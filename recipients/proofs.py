"""Proofs that a person controls a URL or a DID (no database here).

A web page proves itself the IndieAuth way: it carries `<a rel="me">` or `<link rel="me">`
pointing at the person's Cairn profile, or the challenge code in its text (for pages that
cannot hold links). A DID proves itself by a JWT signed with one of its authentication keys
whose `nonce` claim is the challenge; the DID is resolved with the verifier's resolution
(did:key locally, did:web through the fetch policy).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import jwt

from credentials.fetch import FetchError, FetchPolicy, fetch
from credentials.verification.fetcher import HttpFetcher, Session
from credentials.verification.keys import KeyProblem, binding_problem, dereference, jwk_of

#: Signature algorithms a DID's key may use for the challenge.
ALGORITHMS = ("EdDSA", "ES256", "ES256K", "RS256", "PS256")


class ProofFailed(Exception):
    """Why a proof did not hold, in words for the person who tried."""


class _RelMe(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rels = (values.get("rel") or "").lower().split()
        if tag in ("a", "link") and "me" in rels and values.get("href"):
            self.hrefs.append(values["href"] or "")


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def check_page(url: str, *, profile: str, code: str, policy: FetchPolicy) -> None:
    """The page at `url` links to `profile` with rel="me", or shows `code`."""
    try:
        _, body = fetch(url, policy, accept="text/html, application/xhtml+xml, */*;q=0.5")
    except FetchError as error:
        raise ProofFailed(str(error)) from error
    text = body.decode("utf-8", errors="replace")
    if code in text:
        return
    parser = _RelMe()
    parser.feed(text)
    if any(_same(urljoin(url, href), profile) for href in parser.hrefs):
        return
    raise ProofFailed(f"{url} has no rel=\"me\" link to {profile} and does not show the code.")


def check_did_signature(did: str, token: str, *, challenge: str, policy: FetchPolicy) -> None:
    """`token` is a JWT signed by an authentication key of `did` with nonce = challenge."""
    if not token:
        raise ProofFailed("Paste the JWT signed with your DID's key.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise ProofFailed("That is not a JWT.") from error
    kid = header.get("kid") if isinstance(header.get("kid"), str) else did
    if kid.split("#", 1)[0] != did:
        raise ProofFailed(f"The JWT's key {kid} is not a key of {did}.")
    session = Session(HttpFetcher(policy))
    try:
        method = dereference(kid, session)
        problem = binding_problem(method, did, session, purpose="authentication")
        if problem:
            raise ProofFailed(problem)
        key = jwt.PyJWK(jwk_of(method))
    except (KeyProblem, jwt.PyJWTError) as error:
        raise ProofFailed(str(error)) from error
    _check_claims(token, key, did=did, challenge=challenge)


def _check_claims(token: str, key: jwt.PyJWK, *, did: str, challenge: str) -> None:
    if key.algorithm_name not in ALGORITHMS:
        raise ProofFailed(f"Keys of type {key.algorithm_name} are not accepted.")
    try:
        claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name],
                            options={"require": ["nonce"], "verify_aud": False})
    except jwt.PyJWTError as error:
        raise ProofFailed(f"The JWT does not verify with the DID's key: {error}") from error
    if claims.get("nonce") != challenge:
        raise ProofFailed("The JWT's nonce is not the challenge shown.")
    if "iss" in claims and claims["iss"] != did:
        raise ProofFailed("The JWT's iss is not the DID.")
