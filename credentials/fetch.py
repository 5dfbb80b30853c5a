"""Fetching what a badge points at (issuer documents, keys, status lists, hosted
assertions), safely: http(s) only, a timeout, a size cap, at most a few redirects, and
no private, loopback or link-local address unless the caller allows it (tests do).

The address check resolves the host before connecting; a DNS answer that changes in
between (rebinding) is not covered — the connection itself is not pinned.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests


class FetchError(Exception):
    """Why a URL could not be fetched, in words fit for a verification report."""


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    # Origins ("http://127.0.0.1:5000") fetched whatever their address: Cairn's own, so
    # that a Cairn on a private network can verify what it issued.
    trusted_origins: frozenset[str] = frozenset()
    timeout: float = 5.0
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 3


def _check_address(url: str, policy: FetchPolicy) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"refused {url!r}: only http(s) URLs are fetched")
    if policy.allow_private or f"{parts.scheme}://{parts.netloc}" in policy.trusted_origins:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve {parts.hostname}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError(f"refused {url!r}: {address} is not a public address")


def fetch(url: str, policy: FetchPolicy, *, accept: str) -> tuple[int, bytes]:
    """(HTTP status, body). Redirects are followed by hand so every hop is checked.
    A 410 is returned, not raised: a revoked OB 2.0 hosted assertion answers that way."""
    for _ in range(policy.max_redirects + 1):
        _check_address(url, policy)
        try:
            response = requests.get(url, headers={"Accept": accept}, timeout=policy.timeout,
                                    allow_redirects=False, stream=True)
        except requests.RequestException as error:
            raise FetchError(f"could not fetch {url}: {error.__class__.__name__}") from error
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        if response.status_code >= 400 and response.status_code != 410:
            raise FetchError(f"{url} answered HTTP {response.status_code}")
        return response.status_code, _read_capped(response, url, policy)
    raise FetchError(f"too many redirects fetching {url}")


def _read_capped(response: requests.Response, url: str, policy: FetchPolicy) -> bytes:
    body = b""
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > policy.max_bytes:
            raise FetchError(f"{url} is larger than {policy.max_bytes} bytes")
    return body


def fetch_json(url: str, policy: FetchPolicy) -> tuple[int, Any]:
    status, body = fetch(url, policy, accept="application/ld+json, application/json")
    try:
        return status, json.loads(body)
    except ValueError as error:
        raise FetchError(f"{url} did not return JSON") from error
